//! How each domain type is laid out as an item. Attribute names are part of
//! the table's contract with the stream consumers and the backups, so they
//! change only with a migration.

use crate::keys::{self, Key};
use chrono::{DateTime, Utc};
use cp_domain::{
    AppEnvironment, AppName, AppOwner, AppScope, AppStatus, Application, ApplicationId,
    AuditRecord, ChainHash, ChainLink, ClientSecret, DomainSlug, EmailAddress, FlagKey,
    FlagOverrides, Identity, Invitation, InvitationId, InvitationStatus, InvitationTicket, Plan,
    Role, SealedSecret, SecretId, Session, SessionId, SessionOrigin, SsoConfig, Tenant, TenantId,
    TenantName, TenantSettings, TenantStatus, TokenHash, User, UserId, UserStatus,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Primary key attributes, flattened into every item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Keys {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
}

impl From<Key> for Keys {
    fn from(k: Key) -> Self {
        Self { pk: k.pk, sk: k.sk }
    }
}

fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_epoch(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

// --- tenant ---------------------------------------------------------------

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

// --- users ----------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UserItem {
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
    #[serde(rename = "GSI3PK")]
    pub gsi3pk: String,
    #[serde(rename = "GSI3SK")]
    pub gsi3sk: String,
    pub entity: String,
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: EmailAddress,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sessions_valid_after: Option<i64>,
    /// The identity the user signs in with (set on acceptance).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subject: Option<String>,
}

impl UserItem {
    pub fn new(u: &User) -> Self {
        Self {
            keys: keys::tenant_user(u.tenant_id, u.id).into(),
            gsi1pk: keys::tenant_users(u.tenant_id),
            gsi1sk: u.email.as_str().to_lowercase(),
            gsi2pk: keys::tenant_users_in_status(u.tenant_id, u.status),
            gsi2sk: u.email.as_str().to_lowercase(),
            gsi3pk: keys::tenant_users_in_role(u.tenant_id, u.role),
            gsi3sk: u.email.as_str().to_lowercase(),
            entity: "User".into(),
            id: u.id,
            tenant_id: u.tenant_id,
            email: u.email.clone(),
            role: u.role,
            status: u.status,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
            sessions_valid_after: u.sessions_valid_after.map(epoch),
            issuer: u.identity.as_ref().map(|i| i.issuer.clone()),
            subject: u.identity.as_ref().map(|i| i.subject.clone()),
        }
    }

    pub fn into_domain(self) -> User {
        User {
            id: self.id,
            tenant_id: self.tenant_id,
            email: self.email,
            role: self.role,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            sessions_valid_after: self.sessions_valid_after.and_then(from_epoch),
            identity: self
                .issuer
                .zip(self.subject)
                .map(|(issuer, subject)| Identity { issuer, subject }),
        }
    }
}

/// Holds an email address for one user of a tenant.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct EmailGuardItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub user_id: UserId,
}

impl EmailGuardItem {
    pub fn new(u: &User) -> Self {
        Self {
            keys: keys::email_guard(u.tenant_id, &u.email).into(),
            entity: "EmailGuard".into(),
            user_id: u.id,
        }
    }
}

// --- invitations ----------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InvitationItem {
    #[serde(flatten)]
    pub keys: Keys,
    /// On the open invitations' index only while Pending (sparse): an
    /// accepted or revoked invitation leaves the list by losing these.
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub entity: String,
    pub id: InvitationId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub email: EmailAddress,
    pub role: Role,
    /// SHA-256 of the token, hex. The token itself is never stored.
    pub token_hash: String,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub invitation_expires_at: DateTime<Utc>,
}

impl InvitationItem {
    pub fn new(i: &Invitation) -> Self {
        let open = i.status == InvitationStatus::Pending;
        Self {
            keys: keys::invitation(i.tenant_id, i.id).into(),
            gsi1pk: open.then(|| keys::open_invitations(i.tenant_id)),
            gsi1sk: open.then(|| keys::open_invitation_order(i.created_at, i.id)),
            entity: "Invitation".into(),
            id: i.id,
            tenant_id: i.tenant_id,
            user_id: i.user_id,
            email: i.email.clone(),
            role: i.role,
            token_hash: i.token_hash.to_hex(),
            status: i.status,
            created_at: i.created_at,
            invitation_expires_at: i.expires_at,
        }
    }

    pub fn into_domain(self) -> Option<Invitation> {
        Some(Invitation {
            id: self.id,
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            email: self.email,
            role: self.role,
            token_hash: TokenHash::from_hex(&self.token_hash)?,
            status: self.status,
            created_at: self.created_at,
            expires_at: self.invitation_expires_at,
        })
    }
}

/// Finds an invitation by its token's hash, with what acceptance needs to
/// know of it (one read). Expires by TTL a day after the invitation does.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InvitationTokenItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
    pub invitation_id: InvitationId,
    pub user_id: UserId,
    pub email: EmailAddress,
    pub role: Role,
    pub invitation_expires_at: DateTime<Utc>,
    pub expires_at: i64,
}

impl InvitationTokenItem {
    pub fn new(i: &Invitation) -> Self {
        Self {
            keys: keys::invitation_token(&i.token_hash).into(),
            entity: "InvitationToken".into(),
            tenant_id: i.tenant_id,
            invitation_id: i.id,
            user_id: i.user_id,
            email: i.email.clone(),
            role: i.role,
            invitation_expires_at: i.expires_at,
            expires_at: epoch(i.expires_at + chrono::Duration::days(1)),
        }
    }

    pub fn into_domain(self) -> InvitationTicket {
        InvitationTicket {
            tenant_id: self.tenant_id,
            invitation_id: self.invitation_id,
            user_id: self.user_id,
            email: self.email,
            role: self.role,
            expires_at: self.invitation_expires_at,
        }
    }
}

// --- sessions -------------------------------------------------------------

/// A tenant user's sign-in session, recorded at its first request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ended_at: Option<DateTime<Utc>>,
    pub expires_at: i64,
}

impl SessionItem {
    pub fn new(s: &Session) -> Self {
        Self {
            keys: keys::session(s.tenant_id, s.user_id, &s.id).into(),
            entity: "Session".into(),
            tenant_id: s.tenant_id,
            user_id: s.user_id,
            session_id: s.id.clone(),
            started_at: s.started_at,
            ip: s.origin.ip.clone(),
            user_agent: s.origin.user_agent.clone(),
            ended_at: s.ended_at,
            expires_at: epoch(s.keep_until()),
        }
    }

    pub fn into_domain(self) -> Session {
        Session {
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            id: self.session_id,
            started_at: self.started_at,
            origin: SessionOrigin {
                ip: self.ip,
                user_agent: self.user_agent,
            },
            ended_at: self.ended_at,
        }
    }
}

// --- identities -----------------------------------------------------------

/// Whose identity an (issuer, subject) pair is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityKind {
    Platform,
    Tenant,
}

/// The link from a verified (issuer, subject) to a user. Immutable once
/// written, which makes it safe to cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityBinding {
    pub kind: IdentityKind,
    pub user_id: UserId,
    /// `None` for platform users.
    pub tenant_id: Option<TenantId>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IdentityItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    #[serde(flatten)]
    pub binding: IdentityBinding,
    pub issuer: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
}

/// In a tenant's partition: an identity bound to one of its users. The
/// purge deletes the binding it names together with it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IdentityLinkItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub user_id: UserId,
    pub issuer: String,
    pub subject: String,
}

/// A platform person's User record (FR-SYS-004): `tenant_id` is NULL.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PlatformUserItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub id: UserId,
    pub tenant_id: Option<TenantId>,
    pub issuer: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
}

// --- audit ----------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AuditItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    #[serde(flatten)]
    pub record: AuditFields,
    /// The record's place in its chain, and the chain's order (GSI2).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainFields>,
    /// Retention (CON-DATA-002): DynamoDB deletes the item after this.
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChainFields {
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    pub seq: u64,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

/// The stored shape of an audit record; metadata is kept as the exact JSON
/// text it arrived as.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AuditFields {
    pub id: cp_domain::EventId,
    pub timestamp: DateTime<Utc>,
    pub tenant_id: Option<TenantId>,
    pub actor_id: String,
    pub actor_type: cp_domain::ActorType,
    pub action: String,
    pub resource: String,
    pub outcome: cp_domain::Outcome,
    pub metadata: String,
    pub correlation_id: String,
    pub source: String,
}

impl AuditItem {
    pub fn new(r: &AuditRecord) -> Self {
        Self {
            keys: keys::audit_record(r.tenant_id, r.timestamp, r.id).into(),
            entity: "AuditRecord".into(),
            record: AuditFields {
                id: r.id,
                timestamp: r.timestamp,
                tenant_id: r.tenant_id,
                actor_id: r.actor_id.clone(),
                actor_type: r.actor_type,
                action: r.action.clone(),
                resource: r.resource.clone(),
                outcome: r.outcome,
                metadata: r.metadata.to_string(),
                correlation_id: r.correlation_id.clone(),
                source: r.source.clone(),
            },
            chain: r.chain.map(|c| ChainFields {
                gsi2pk: keys::audit_chain(r.tenant_id),
                gsi2sk: keys::chain_position(c.seq),
                seq: c.seq,
                previous_hash: c.previous_hash,
                hash: c.hash,
            }),
            expires_at: epoch(r.retain_until()),
        }
    }

    pub fn into_domain(self) -> Result<AuditRecord, cp_domain::Error> {
        let f = self.record;
        let metadata = serde_json::from_str(&f.metadata)
            .map_err(|e| crate::error::corrupt("audit record metadata", e))?;
        Ok(AuditRecord {
            id: f.id,
            timestamp: f.timestamp,
            tenant_id: f.tenant_id,
            actor_id: f.actor_id,
            actor_type: f.actor_type,
            action: f.action,
            resource: f.resource,
            outcome: f.outcome,
            metadata,
            correlation_id: f.correlation_id,
            source: f.source,
            chain: self.chain.map(|c| ChainLink {
                seq: c.seq,
                previous_hash: c.previous_hash,
                hash: c.hash,
            }),
        })
    }
}

/// The head of a tenant's (or the platform's) audit chain: its last record,
/// and how far the signed digests reach. Listed in GSI1 for the digest job.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChainHeadItem {
    #[serde(flatten)]
    pub keys: Keys,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub tenant_id: Option<TenantId>,
    pub seq: u64,
    pub hash: ChainHash,
    #[serde(default)]
    pub digest_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest_signature: Option<String>,
}

// --- applications -------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ApplicationItem {
    #[serde(flatten)]
    pub keys: Keys,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: ApplicationId,
    pub name: AppName,
    pub environment: AppEnvironment,
    pub owner: AppOwner,
    pub status: AppStatus,
    #[serde(default)]
    pub billing_reader: bool,
    pub active_secrets: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl ApplicationItem {
    pub fn new(a: &Application) -> Self {
        Self {
            keys: keys::application(a.id).into(),
            gsi1pk: keys::ALL_APPLICATIONS.to_owned(),
            gsi1sk: format!("{}#{}", a.name.as_str().to_lowercase(), a.id),
            entity: "Application".into(),
            id: a.id,
            name: a.name.clone(),
            environment: a.environment,
            owner: a.owner.clone(),
            status: a.status,
            billing_reader: a.billing_reader,
            active_secrets: a.active_secrets,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
        }
    }

    pub fn into_domain(self) -> Application {
        Application {
            id: self.id,
            name: self.name,
            environment: self.environment,
            owner: self.owner,
            status: self.status,
            billing_reader: self.billing_reader,
            active_secrets: self.active_secrets,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// A client secret: its SHA-256 and metadata, never the secret.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SecretItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub id: SecretId,
    pub app_id: ApplicationId,
    pub secret_hash: String,
    pub scopes: Vec<AppScope>,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub secret_expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SecretItem {
    pub fn new(s: &ClientSecret) -> Self {
        Self {
            keys: keys::client_secret(s.app_id, s.id).into(),
            entity: "ClientSecret".into(),
            id: s.id,
            app_id: s.app_id,
            secret_hash: s.hash.to_hex(),
            scopes: s.scopes.clone(),
            hint: s.hint.clone(),
            created_at: s.created_at,
            secret_expires_at: s.expires_at,
            revoked_at: s.revoked_at,
        }
    }

    pub fn into_domain(self) -> Result<ClientSecret, cp_domain::Error> {
        Ok(ClientSecret {
            id: self.id,
            app_id: self.app_id,
            hash: TokenHash::from_hex(&self.secret_hash)
                .ok_or_else(|| crate::error::corrupt("client secret", "bad hash"))?,
            scopes: self.scopes,
            hint: self.hint,
            created_at: self.created_at,
            expires_at: self.secret_expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

// --- outbox and idempotency -----------------------------------------------

/// A domain event waiting for the publisher. Kept a week (the stream keeps
/// records a day), so a stalled publisher can be replayed from the table.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OutboxItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub event_type: String,
    /// The envelope, as JSON text, exactly as it will be published.
    pub event: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

/// The outcome of a request made with an `Idempotency-Key` (CC-DAT-001),
/// written in the same transaction as the request's effects, so a retry
/// finds either nothing or the finished result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Whose key it is and for which operation, e.g. `tenant-provision:<user id>`.
    pub scope: String,
    pub key: String,
    /// Fingerprint of the request; a reused key with another request is refused.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IdempotencyItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    #[serde(flatten)]
    pub record: IdempotencyRecord,
}

// --- SSO ------------------------------------------------------------------

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

// --- flag overrides ---------------------------------------------------------

/// A tenant's flag overrides (FR-FLAG-001): flag key → value as JSON text.
/// Text, not nested attributes: any JSON value fits (DynamoDB's numbers and
/// nesting are narrower than JSON's), and reads back exactly as written.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FlagOverridesItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
    pub overrides: std::collections::BTreeMap<FlagKey, String>,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl FlagOverridesItem {
    pub fn new(o: &FlagOverrides) -> Self {
        Self {
            keys: keys::tenant_flags(o.tenant_id).into(),
            entity: "FlagOverrides".into(),
            tenant_id: o.tenant_id,
            overrides: o
                .values
                .iter()
                .map(|(key, value)| (key.clone(), value.to_string()))
                .collect(),
            version: o.version,
            updated_at: o.updated_at,
        }
    }

    pub fn into_domain(self) -> Result<FlagOverrides, cp_domain::Error> {
        let values = self
            .overrides
            .into_iter()
            .map(|(key, text)| {
                serde_json::from_str(&text)
                    .map(|value| (key, value))
                    .map_err(|e| crate::error::corrupt("flag override", e))
            })
            .collect::<Result<_, _>>()?;
        Ok(FlagOverrides {
            tenant_id: self.tenant_id,
            values,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Any JSON value serde_json reads: big and tiny numbers, deep nesting.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,16}".prop_map(Value::from),
        ];
        leaf.prop_recursive(64, 128, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// FR-FLAG-001: whatever JSON value an override holds, its item is
        /// one DynamoDB accepts, and it reads back exactly.
        #[test]
        fn fr_flag_001_any_json_override_fits_the_table_and_reads_back_exactly(value in json()) {
            let key = FlagKey::parse("any-flag").unwrap();
            let overrides = FlagOverrides {
                tenant_id: TenantId::random(),
                values: [(key, value)].into_iter().collect(),
                version: 3,
                updated_at: None,
            };
            let item = crate::attributes::to_item("flag overrides", &FlagOverridesItem::new(&overrides));
            prop_assert!(item.is_ok());
            let read: FlagOverridesItem = serde_dynamo::from_item(item.unwrap()).unwrap();
            prop_assert_eq!(read.into_domain().unwrap(), overrides);
        }
    }
}
