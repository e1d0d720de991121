//! The API's resource representations (CC-API-001: REST and JSON).
//!
//! Field names are snake_case; enum values are the specification's own
//! (`Active`, `Owner`, `Pro`); times are RFC 3339 UTC. Fields are only ever
//! added (CC-API-002), so clients must ignore fields they do not know.

use chrono::{DateTime, Utc};
use cp_domain::oauth::ClientConfig;
use cp_domain::{
    AppEnvironment, AppScope, AppStatus, Application, ApplicationId, ClientSecret, Invitation,
    InvitationId, Plan, PlatformRole, Principal, Role, SecretId, Tenant, TenantId, TenantStatus,
    User, UserId, UserStatus,
};
use serde::{Deserialize, Serialize};

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantView {
    pub id: TenantId,
    pub name: String,
    pub domain: String,
    pub plan: Plan,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// While PendingDeletion: when the tenant will be purged.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub purge_at: Option<DateTime<Utc>>,
    /// While Suspended: the reason the operator gave, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suspension_reason: Option<String>,
    /// The managed applications enabled for the tenant.
    #[serde(default)]
    pub applications: Vec<ApplicationId>,
    /// Once its purge has begun: how many of its items it has deleted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub purged_items: Option<u64>,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id,
            name: t.name.as_str().to_owned(),
            domain: t.domain.as_str().to_owned(),
            plan: t.plan,
            status: t.status,
            created_at: t.created_at,
            updated_at: t.updated_at,
            purge_at: t.purge_at,
            suspension_reason: t.suspension_reason.clone(),
            applications: t.applications.iter().copied().collect(),
            purged_items: (t.purged_items > 0 || t.status == TenantStatus::Purged)
                .then_some(t.purged_items),
        }
    }
}

/// The answer to a provisioning: the tenant, and its Owner's invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedView {
    #[serde(flatten)]
    pub tenant: TenantView,
    pub owner: OwnerView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerView {
    pub user_id: UserId,
    pub email: String,
    pub status: UserStatus,
    pub invitation: InvitationView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: InvitationId,
    pub expires_at: DateTime<Utc>,
}

impl ProvisionedView {
    pub fn new(tenant: &Tenant, owner: &User, invitation: &Invitation) -> Self {
        Self {
            tenant: tenant.into(),
            owner: OwnerView {
                user_id: owner.id,
                email: owner.email.as_str().to_owned(),
                status: owner.status,
                invitation: InvitationView {
                    id: invitation.id,
                    expires_at: invitation.expires_at,
                },
            },
        }
    }
}

/// An Audit Log record (FR-LOG-003): the entity of the specification,
/// served as it is stored.
pub use cp_domain::AuditRecord as AuditRecordView;

/// An audit export job (FR-LOG-002). `tenant_id` is absent for an export of
/// the platform's own records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditExportView {
    pub id: cp_domain::AuditExportId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant_id: Option<TenantId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[serde(flatten)]
    pub filter: cp_domain::AuditFilter,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub status: cp_domain::ExportStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Once `Succeeded`: what the file holds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// While `Running`: records written so far.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub progress_records: Option<u64>,
    /// Once `Succeeded`: the file's records checked against the signed
    /// digests.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub integrity: Option<cp_domain::Integrity>,
    /// Once `Succeeded`: a short-lived link to the CSV file, made for this
    /// answer (ask again for a fresh one).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub download_expires_at: Option<DateTime<Utc>>,
    /// Once `Failed`: why.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub failure: Option<String>,
}

impl From<&cp_domain::AuditExport> for AuditExportView {
    fn from(job: &cp_domain::AuditExport) -> Self {
        let file = job.file.as_ref();
        Self {
            id: job.id,
            tenant_id: job.tenant_id,
            from: job.from,
            to: job.to,
            filter: job.filter.clone(),
            requested_by: job.requested_by.clone(),
            requested_at: job.requested_at,
            status: job.status,
            finished_at: job.finished_at,
            records: file.map(|f| f.records),
            bytes: file.map(|f| f.bytes),
            sha256: file.map(|f| f.sha256.clone()),
            progress_records: job.progress_records,
            integrity: job.integrity.clone(),
            download_url: None,
            download_expires_at: None,
            failure: job.failure.clone(),
        }
    }
}

/// One page of a list. `next_cursor` is absent on the last page; pass it
/// back as `cursor` for the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next_cursor: Option<String>,
}

impl<T, U> From<cp_domain::Page<T>> for PageView<U>
where
    U: for<'a> From<&'a T>,
{
    fn from(page: cp_domain::Page<T>) -> Self {
        Self {
            items: page.items.iter().map(U::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `GET /v1/me`: the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeView {
    /// An operator or auditor: no tenant.
    Platform {
        user_id: UserId,
        roles: Vec<PlatformRole>,
    },
    /// A user of one tenant.
    TenantUser {
        user_id: UserId,
        tenant_id: TenantId,
        role: Role,
        /// Who they are and what their tenant is: email, name, plan.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        email: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        tenant: Option<MyTenantView>,
    },
}

impl MeView {
    /// People only: applications and anonymous callers have no "me".
    pub fn of(p: &Principal) -> Option<Self> {
        match p {
            Principal::Platform { user_id, roles } => Some(Self::Platform {
                user_id: *user_id,
                roles: roles.clone(),
            }),
            Principal::TenantUser {
                user_id,
                tenant_id,
                role,
            } => Some(Self::TenantUser {
                user_id: *user_id,
                tenant_id: *tenant_id,
                role: *role,
                email: None,
                tenant: None,
            }),
            Principal::Application { .. } | Principal::Anonymous => None,
        }
    }
}

/// A managed application (FR-SYS-001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    /// Also the application's OAuth `client_id`.
    pub id: ApplicationId,
    pub name: String,
    pub environment: AppEnvironment,
    pub owner: String,
    pub status: AppStatus,
    /// Designated by an operator to read the billing feed (FR-BILL-003).
    #[serde(default)]
    pub billing_reader: bool,
    /// Its registration as an OpenID Connect client.
    #[serde(default)]
    pub client: ClientConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationView {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id,
            name: a.name.as_str().to_owned(),
            environment: a.environment,
            owner: a.owner.as_str().to_owned(),
            status: a.status,
            billing_reader: a.billing_reader,
            client: a.client.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// An application with its secrets' metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDetailView {
    #[serde(flatten)]
    pub application: ApplicationView,
    pub secrets: Vec<SecretView>,
}

/// A client secret's metadata: never the secret (FR-SYS-002).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretView {
    pub id: SecretId,
    pub scopes: Vec<AppScope>,
    /// The secret's last four characters.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

impl SecretView {
    pub fn new(s: &ClientSecret, now: DateTime<Utc>) -> Self {
        Self {
            id: s.id,
            scopes: s.scopes.clone(),
            hint: s.hint.clone(),
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
            active: s.is_active(now),
        }
    }
}

/// A newly issued secret: the only time the secret itself is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSecretView {
    #[serde(flatten)]
    pub secret: SecretView,
    pub client_id: ApplicationId,
    pub client_secret: String,
    pub token_endpoint: String,
}

/// A tenant as a managed application sees it: enough to decide what to
/// serve, nothing about its people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppTenantView {
    pub id: TenantId,
    pub domain: String,
    pub plan: Plan,
    pub status: TenantStatus,
}

impl From<&Tenant> for AppTenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id,
            domain: t.domain.as_str().to_owned(),
            plan: t.plan,
            status: t.status,
        }
    }
}

/// A member of a tenant (tenant administration). `version` is also the
/// `ETag`; send it back as `If-Match` to change the member safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: UserId,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl From<&User> for MemberView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.as_str().to_owned(),
            role: u.role,
            status: u.status,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

/// An open invitation (UC-TENANT-INVITE); never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDetailView {
    pub id: InvitationId,
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// `Pending` or `Expired` (an expired invitation can be resent).
    pub status: cp_domain::InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl InvitationDetailView {
    pub fn at(i: &Invitation, now: DateTime<Utc>) -> Self {
        Self {
            id: i.id,
            user_id: i.user_id,
            email: i.email.as_str().to_owned(),
            role: i.role,
            status: i.status_at(now),
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// A sign-in session (FR-AUTH-005).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The session of the request that lists it.
    pub current: bool,
}

impl SessionView {
    pub fn of(s: &cp_domain::Session, current: Option<&cp_domain::SessionId>) -> Self {
        Self {
            id: s.id.as_str().to_owned(),
            started_at: s.started_at,
            ip_address: s.origin.ip.clone(),
            user_agent: s.origin.user_agent.clone(),
            ended_at: s.ended_at,
            current: current == Some(&s.id),
        }
    }
}

/// A tenant's settings (FR-TENANT-001, FR-AUTH-006).
pub use cp_domain::TenantSettings as TenantSettingsView;

/// `GET /v1/me` for a tenant user: their tenant, as they may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTenantView {
    pub id: TenantId,
    pub name: String,
    pub domain: String,
    pub plan: Plan,
    pub status: TenantStatus,
}

impl From<&Tenant> for MyTenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id,
            name: t.name.as_str().to_owned(),
            domain: t.domain.as_str().to_owned(),
            plan: t.plan,
            status: t.status,
        }
    }
}

/// FR-BILL-003: a billing event as the export returns it (JSON page and
/// CSV row alike).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingEventView {
    /// CloudEvents `id` and `source` as reported (for control-plane facts:
    /// the domain event's id and `urn:saas-control-plane`).
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub tenant_id: TenantId,
    /// The reporting application; absent for the control plane's own facts.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub app_id: Option<ApplicationId>,
    pub quantity: u64,
    pub occurred_at: DateTime<Utc>,
    pub ingested_at: DateTime<Utc>,
    #[serde(default)]
    pub properties: std::collections::BTreeMap<String, String>,
}

impl From<cp_domain::StoredBillingEvent> for BillingEventView {
    fn from(s: cp_domain::StoredBillingEvent) -> Self {
        let e = s.event;
        Self {
            id: e.id,
            source: e.source,
            event_type: e.event_type,
            tenant_id: e.tenant_id,
            app_id: e.reporter.app_id(),
            quantity: e.quantity,
            occurred_at: e.occurred_at,
            ingested_at: s.ingested_at,
            properties: e.properties,
        }
    }
}

/// FR-BILL-003: one page of the export. `next_cursor` is always there,
/// also on an empty page: the poller stores it and resumes from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingPageView {
    pub items: Vec<BillingEventView>,
    pub next_cursor: String,
    /// More events are ready now: poll again at once.
    pub has_more: bool,
    /// Events ingested before this time are all in this page or earlier.
    pub horizon: DateTime<Utc>,
}
