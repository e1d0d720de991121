//! The tenant room: tenants, their domain guards, their lifecycle and
//! configuration (plan, settings, SSO), provisioning, and the purge
//! ([`purge`]). Keys are in [`crate::keys`].

pub mod purge;

use crate::attributes::{Keys, epoch, from_epoch};
use crate::error::{self};
use crate::keys::{self, Key};
use crate::read::{IndexPartition, page};
use crate::write::{OnConditionFailure, n, put};
use crate::{Store, WriteSet};
use chrono::{DateTime, Utc};
use cp_domain::{
    ApplicationId, DomainSlug, Error, Page, PageSize, Plan, SealedSecret, SsoConfig, Tenant,
    TenantId, TenantName, TenantSettings, TenantStatus,
};
use serde::{Deserialize, Serialize};

use crate::member::{EmailGuardItem, InvitationItem, InvitationTokenItem, UserItem};
use crate::update::Versioned;
use cp_domain::tenant::provisioning::Provisioned;
use std::collections::BTreeSet;

/// GET /tenants: every tenant, or those in one status, by domain.
#[derive(Debug, Clone, Default)]
pub struct TenantQuery<'a> {
    pub status: Option<TenantStatus>,
    /// Only tenants whose domain starts with this (console search).
    pub domain_prefix: Option<&'a str>,
    pub limit: PageSize,
    pub cursor: Option<&'a str>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TenantItem {
    #[serde(flatten)]
    pub keys: Keys,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    pub entity: String,
    pub id: TenantId,
    pub name: TenantName,
    pub domain: DomainSlug,
    pub plan: Plan,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// Epoch seconds; compared with token `iat` on every request.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sessions_valid_after: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub purge_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_before_deletion: Option<TenantStatus>,
    /// The enabled applications' ids (a list: DynamoDB sets cannot be empty).
    #[serde(skip_serializing_if = "BTreeSet::is_empty", default)]
    pub applications: BTreeSet<ApplicationId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suspension_reason: Option<String>,
    #[serde(default)]
    pub purged_items: u64,
    #[serde(default)]
    pub settings: TenantSettings,
}

impl TenantItem {
    pub fn new(t: &Tenant) -> Self {
        Self {
            keys: keys::tenant(t.id).into(),
            gsi1pk: keys::ALL_TENANTS.to_owned(),
            gsi1sk: t.domain.as_str().to_owned(),
            gsi2pk: keys::tenants_in_status(t.status),
            gsi2sk: t.domain.as_str().to_owned(),
            entity: "Tenant".into(),
            id: t.id,
            name: t.name.clone(),
            domain: t.domain.clone(),
            plan: t.plan,
            status: t.status,
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
            sessions_valid_after: t.sessions_valid_after.map(epoch),
            purge_at: t.purge_at,
            status_before_deletion: t.status_before_deletion,
            applications: t.applications.clone(),
            suspension_reason: t.suspension_reason.clone(),
            purged_items: t.purged_items,
            settings: t.settings,
        }
    }

    pub fn into_domain(self) -> Tenant {
        Tenant {
            id: self.id,
            name: self.name,
            domain: self.domain,
            plan: self.plan,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            sessions_valid_after: self.sessions_valid_after.and_then(from_epoch),
            purge_at: self.purge_at,
            status_before_deletion: self.status_before_deletion,
            applications: self.applications,
            suspension_reason: self.suspension_reason,
            purged_items: self.purged_items,
            settings: self.settings,
        }
    }
}

/// Holds a domain for one tenant: inserting it fails if the domain is taken.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DomainGuardItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
}

impl DomainGuardItem {
    pub fn new(t: &Tenant) -> Self {
        Self {
            keys: keys::domain_guard(t.domain.as_str()).into(),
            entity: "DomainGuard".into(),
            tenant_id: t.id,
        }
    }
}

/// A tenant's own identity provider; its client secret only sealed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SsoItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SealedSecret,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl SsoItem {
    pub fn new(c: &SsoConfig) -> Self {
        Self {
            keys: keys::sso(c.tenant_id).into(),
            entity: "SsoConfiguration".into(),
            tenant_id: c.tenant_id,
            issuer: c.issuer.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.secret.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }

    pub fn into_domain(self) -> SsoConfig {
        SsoConfig {
            tenant_id: self.tenant_id,
            issuer: self.issuer,
            client_id: self.client_id,
            secret: self.client_secret,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl WriteSet {
    /// UC-PROV-001: the tenant and its domain guard, the Owner and the Owner's
    /// email guard, the invitation and its token lookup.
    pub fn provision(&mut self, p: &Provisioned) -> Result<&mut Self, Error> {
        const TAKEN: &str = "a tenant with this domain already exists";
        self.insert(&TenantItem::new(&p.tenant), "tenant id already used")?;
        self.insert(&DomainGuardItem::new(&p.tenant), TAKEN)?;
        self.insert(&UserItem::new(&p.owner), "user id already used")?;
        self.insert(
            &EmailGuardItem::new(&p.owner),
            "a user with this email already exists",
        )?;
        self.insert(
            &InvitationItem::new(&p.invitation),
            "invitation id already used",
        )?;
        self.insert(
            &InvitationTokenItem::new(&p.invitation),
            "invitation token already used",
        )?;
        Ok(self)
    }

    /// Writes `tenant` over the stored one if nobody changed it since it was
    /// read at `tenant.version` (lost-update protection).
    pub fn replace_tenant(&mut self, tenant: &Tenant) -> Result<&mut Self, Error> {
        let mut item = TenantItem::new(tenant);
        item.version = tenant.version + 1;
        self.replace(&item, tenant.version)
    }

    /// UC-TENANT-SSO: the tenant's first SSO configuration (a second is
    /// ERR-VAL-409: changing it is explicit).
    pub fn insert_sso(&mut self, config: &SsoConfig) -> Result<&mut Self, Error> {
        self.insert(
            &SsoItem::new(config),
            "the tenant has an SSO configuration already; update it instead",
        )
    }

    /// A changed SSO configuration, if unchanged since read.
    pub fn replace_sso(&mut self, config: &SsoConfig) -> Result<&mut Self, Error> {
        let mut item = SsoItem::new(config);
        item.version = config.version + 1;
        let put = put(&item)?
            .condition_expression("version = :read")
            .expression_attribute_values(":read", n(config.version));
        self.push(put, OnConditionFailure::Stale)
    }

    /// Removes the SSO configuration (as read).
    pub fn delete_sso(&mut self, config: &SsoConfig) -> Result<&mut Self, Error> {
        self.delete(
            keys::sso(config.tenant_id),
            Some(("version = :read", vec![(":read", n(config.version))])),
            OnConditionFailure::Stale,
        )
    }
}

impl Store {
    /// Strongly consistent: following a `Location` right after a 201 finds
    /// the tenant.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, Error> {
        self.get_one(&keys::tenant(id), "tenant", TenantItem::into_domain)
            .await
    }

    /// Several tenants by id, strongly consistent, one round trip per 100
    /// (unknown ids skipped): the tenants a batch of billing events names.
    pub async fn tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, Error> {
        let keys: Vec<Key> = ids.iter().map(|id| keys::tenant(*id)).collect();
        self.get_many(&keys, "tenant", TenantItem::into_domain)
            .await
    }

    /// A page of tenants, ordered by domain.
    pub async fn list_tenants(&self, q: &TenantQuery<'_>) -> Result<Page<Tenant>, Error> {
        let partition = match q.status {
            None => IndexPartition::gsi1(keys::ALL_TENANTS.to_owned()),
            Some(status) => IndexPartition::gsi2(keys::tenants_in_status(status)),
        };
        let prefix = q.domain_prefix.map(str::to_ascii_lowercase);
        let output = self
            .index_page(partition, prefix, q.limit, q.cursor)?
            .send()
            .await
            .map_err(|e| error::query(&e, q.cursor.is_some()))?;
        page(output, "tenant", TenantItem::into_domain)
    }

    /// The tenant's SSO configuration, if any.
    pub async fn sso(&self, tenant: TenantId) -> Result<Option<SsoConfig>, Error> {
        self.get_one(
            &keys::sso(tenant),
            "SSO configuration",
            SsoItem::into_domain,
        )
        .await
    }
}

impl Versioned for Tenant {
    type Id = TenantId;
    fn load(store: &Store, id: TenantId) -> impl Future<Output = Result<Option<Self>, Error>> {
        store.tenant(id)
    }
    fn save(&self, writes: &mut WriteSet) -> Result<(), Error> {
        writes.replace_tenant(self).map(|_| ())
    }
    fn saved(&mut self) {
        self.version += 1;
    }
}
