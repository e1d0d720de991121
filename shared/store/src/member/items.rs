//! How members, invitations, sessions and identities are laid out as items.

use crate::attributes::{Keys, epoch, from_epoch};
use crate::keys;
use chrono::{DateTime, Utc};
use cp_domain::{
    EmailAddress, Identity, Invitation, InvitationId, InvitationStatus, InvitationTicket, Role,
    Session, SessionId, SessionOrigin, TenantId, TokenHash, User, UserId, UserStatus,
};
use serde::{Deserialize, Serialize};

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
    /// A list (clients are added with `list_append`); read as a set.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub clients: Vec<String>,
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
            clients: s.clients.iter().cloned().collect(),
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
            clients: self.clients.into_iter().collect(),
        }
    }
}

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
