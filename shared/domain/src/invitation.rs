//! User invitations: a single-use token, stored only as its hash, that
//! expires (FR-TENANT-001).

use crate::{EmailAddress, InvitationId, Role, TenantId, TokenHash, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Invitations expire after 7 days unless configured otherwise.
pub const DEFAULT_TTL: Duration = Duration::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub tenant_id: TenantId,
    /// The invited user (created with status Invited).
    pub user_id: UserId,
    pub email: EmailAddress,
    pub role: Role,
    pub token_hash: TokenHash,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    /// The status as of `now`: a pending invitation past its expiry is
    /// Expired, whatever the stored status says.
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if now >= self.expires_at => InvitationStatus::Expired,
            status => status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretToken;
    use chrono::TimeZone;

    #[test]
    fn fr_tenant_001_invitations_expire_after_their_ttl() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let invitation = Invitation {
            id: InvitationId::random(),
            tenant_id: TenantId::random(),
            user_id: UserId::random(),
            email: EmailAddress::parse("owner@example.com").unwrap(),
            role: Role::Owner,
            token_hash: SecretToken::generate().unwrap().hash(),
            status: InvitationStatus::Pending,
            created_at: now,
            expires_at: now + DEFAULT_TTL,
        };
        assert_eq!(
            invitation.status_at(now + Duration::days(6)),
            InvitationStatus::Pending
        );
        assert_eq!(
            invitation.status_at(now + Duration::days(7)),
            InvitationStatus::Expired
        );
    }
}
