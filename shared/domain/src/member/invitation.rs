//! User invitations: a single-use token, stored only as its hash, that
//! expires (FR-TENANT-001).

use crate::{EmailAddress, Error, InvitationId, Role, TenantId, TokenHash, User, UserId};
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
    /// UC-TENANT-INVITE: a new member with status Invited, and their
    /// invitation.
    pub fn issue(
        ids: (InvitationId, UserId),
        tenant_id: TenantId,
        email: EmailAddress,
        role: Role,
        token_hash: TokenHash,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> (User, Self) {
        let (id, user_id) = ids;
        let user = User::invited(user_id, tenant_id, email.clone(), role, now);
        let invitation = Self {
            id,
            tenant_id,
            user_id,
            email,
            role,
            token_hash,
            status: InvitationStatus::Pending,
            created_at: now,
            expires_at: now + ttl,
        };
        (user, invitation)
    }

    /// The status as of `now`: a pending invitation past its expiry is
    /// Expired, whatever the stored status says.
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if now >= self.expires_at => InvitationStatus::Expired,
            status => status,
        }
    }

    /// UC-TENANT-INVITE-RESEND: a new token and a new expiry; the old token
    /// stops working. An expired invitation may be sent again, an accepted
    /// or revoked one not.
    pub fn reissue(
        &mut self,
        token_hash: TokenHash,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        match self.status {
            InvitationStatus::Pending | InvitationStatus::Expired => {
                self.token_hash = token_hash;
                self.status = InvitationStatus::Pending;
                self.expires_at = now + ttl;
                Ok(())
            }
            InvitationStatus::Accepted => Err(Error::Conflict(
                "the invitation was accepted already".into(),
            )),
            InvitationStatus::Revoked => Err(Error::Gone),
        }
    }

    /// Revokes a pending (or expired) invitation; its token stops working
    /// and its invited user is removed.
    pub fn revoke(&mut self) -> Result<(), Error> {
        match self.status {
            InvitationStatus::Pending | InvitationStatus::Expired => {
                self.status = InvitationStatus::Revoked;
                Ok(())
            }
            InvitationStatus::Accepted => Err(Error::Conflict(
                "the invitation was accepted already; remove the user instead".into(),
            )),
            InvitationStatus::Revoked => Err(Error::Gone),
        }
    }
}

/// What acceptance needs to know of an invitation, kept with its token
/// lookup so that accepting reads one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationTicket {
    pub tenant_id: TenantId,
    pub invitation_id: InvitationId,
    pub user_id: UserId,
    pub email: EmailAddress,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

impl InvitationTicket {
    /// UC-TENANT-INVITE acceptance: the token is still good and was sent to
    /// the address the person signed in with (verified by their identity
    /// provider). ERR-RES-410 when expired; ERR-AUTH-403 for another person.
    pub fn admit(&self, verified_email: Option<&str>, now: DateTime<Utc>) -> Result<(), Error> {
        if now >= self.expires_at {
            return Err(Error::Gone);
        }
        match verified_email {
            Some(email) if email.trim().eq_ignore_ascii_case(self.email.as_str()) => Ok(()),
            _ => Err(Error::Refused(
                "the invitation was sent to another email address than the one you signed in with"
                    .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretToken;
    use chrono::TimeZone;

    fn ticket(now: DateTime<Utc>) -> InvitationTicket {
        InvitationTicket {
            tenant_id: TenantId::random(),
            invitation_id: InvitationId::random(),
            user_id: UserId::random(),
            email: EmailAddress::parse("Jane@Example.com").unwrap(),
            role: Role::User,
            expires_at: now + DEFAULT_TTL,
        }
    }

    #[test]
    fn uc_tenant_invite_acceptance_needs_the_invited_verified_email_before_expiry() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let t = ticket(now);
        assert_eq!(t.admit(Some("jane@example.com"), now), Ok(()));
        assert!(matches!(
            t.admit(Some("john@example.com"), now),
            Err(Error::Refused(_))
        ));
        assert!(matches!(t.admit(None, now), Err(Error::Refused(_))));
        assert_eq!(
            t.admit(Some("jane@example.com"), now + Duration::days(7)),
            Err(Error::Gone)
        );
    }

    #[test]
    fn fr_tenant_007_resend_renews_pending_and_expired_invitations_only() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let (_, mut invitation) = Invitation::issue(
            (InvitationId::random(), UserId::random()),
            TenantId::random(),
            EmailAddress::parse("jane@example.com").unwrap(),
            Role::User,
            SecretToken::generate().unwrap().hash(),
            DEFAULT_TTL,
            now,
        );
        let later = now + Duration::days(10);
        assert_eq!(invitation.status_at(later), InvitationStatus::Expired);
        let new_hash = SecretToken::generate().unwrap().hash();
        invitation.reissue(new_hash, DEFAULT_TTL, later).unwrap();
        assert_eq!(invitation.status_at(later), InvitationStatus::Pending);
        assert_eq!(invitation.expires_at, later + DEFAULT_TTL);
        invitation.revoke().unwrap();
        assert_eq!(
            invitation.reissue(new_hash, DEFAULT_TTL, later),
            Err(Error::Gone)
        );
        invitation.status = InvitationStatus::Accepted;
        assert!(matches!(invitation.revoke(), Err(Error::Conflict(_))));
    }

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
