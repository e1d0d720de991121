//! Tenant administration: who may change whom, and how a member changes
//! (FR-TENANT-001..007).
//!
//! Owners and Administrators run their tenant's members. Two rules hold
//! whatever the request: an Administrator never touches an Owner nor makes
//! anybody one, and a tenant never loses its last Active Owner. The first is
//! decided here from the roles; the second needs the count of Active Owners,
//! which the store keeps and checks in the same transaction as the change
//! ([`owner_delta`] says by how much a change moves it).

use crate::{Error, Role, User, UserStatus};
use chrono::{DateTime, Utc};

/// Refused when an Administrator reaches for an Owner.
const OWNERS_ARE_FOR_OWNERS: &str = "only an Owner may change, invite or remove an Owner";

/// May a member with role `actor` act on a member who has role `target`
/// (change, disable, delete, resend or revoke their invitation)?
pub fn may_manage(actor: Role, target: Role) -> Result<(), Error> {
    match (actor, target) {
        (Role::Owner, _) | (Role::Administrator, Role::Administrator | Role::User) => Ok(()),
        (Role::Administrator, Role::Owner) => Err(Error::Refused(OWNERS_ARE_FOR_OWNERS.into())),
        (Role::User, _) => Err(Error::AccessDenied),
    }
}

/// May `actor` give somebody the role `role` (inviting, changing a role)?
pub fn may_grant(actor: Role, role: Role) -> Result<(), Error> {
    may_manage(actor, role)
}

/// A change to a member (UC-TENANT-USER-UPDATE, UC-TENANT-USER-STATUS-UPDATE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub role: Option<Role>,
    /// `Some(false)` disables, `Some(true)` enables.
    pub enabled: Option<bool>,
}

impl MemberChange {
    pub fn parse(role: Option<&str>, status: Option<&str>) -> Result<Self, Error> {
        let role = role.map(Role::parse).transpose()?;
        let enabled = match status {
            None => None,
            Some("Active") => Some(true),
            Some("Disabled") => Some(false),
            Some(_) => return Err(Error::invalid("status", "must be Active or Disabled")),
        };
        if role.is_none() && enabled.is_none() {
            return Err(Error::invalid("body", "names a role or a status to change"));
        }
        Ok(Self { role, enabled })
    }

    /// Applies the change that `actor` asks for to `user`. A role change and
    /// a disable end the user's sessions at once. Returns what the user was
    /// before, or `None` when nothing changed.
    pub fn apply(
        self,
        actor: Role,
        user: &mut User,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, Error> {
        may_manage(actor, user.role)?;
        if let Some(role) = self.role {
            may_grant(actor, role)?;
        }
        // An Invited user is their invitation: its role is what acceptance
        // grants (and counts as an Owner), so it changes only by inviting
        // again.
        if user.status == UserStatus::Invited {
            return Err(Error::BusinessRule(
                "the user has not accepted their invitation yet; revoke the invitation and invite them again instead"
                    .into(),
            ));
        }
        let before = user.clone();
        if let Some(role) = self.role.filter(|r| *r != user.role) {
            user.role = role;
            user.revoke_sessions(now);
        }
        match (self.enabled, user.status) {
            (Some(false), UserStatus::Active) => {
                user.status = UserStatus::Disabled;
                user.revoke_sessions(now);
            }
            (Some(true), UserStatus::Disabled) => user.status = UserStatus::Active,
            _ => {}
        }
        if *user == before {
            return Ok(None);
        }
        user.updated_at = now;
        Ok(Some(before))
    }
}

/// Whether a user counts as an Active Owner.
fn is_active_owner(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.role == Role::Owner && u.status == UserStatus::Active)
}

/// How a change from `before` to `after` (`None`: no user) moves the
/// tenant's count of Active Owners: -1, 0 or +1. A decrease must leave at
/// least one.
pub fn owner_delta(before: Option<&User>, after: Option<&User>) -> i8 {
    i8::from(is_active_owner(after)) - i8::from(is_active_owner(before))
}

/// Refused when a change would leave the tenant without an Active Owner.
pub const LAST_OWNER: &str = "the tenant's last Active Owner cannot be demoted, disabled or deleted; make another Owner first";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmailAddress, TenantId, UserId};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn user(role: Role, status: UserStatus) -> User {
        let mut u = User::invited(
            UserId::random(),
            TenantId::random(),
            EmailAddress::parse("member@example.com").unwrap(),
            role,
            now(),
        );
        u.status = status;
        u
    }

    #[test]
    fn fr_tenant_004_administrators_cannot_touch_owners_or_grant_owner() {
        assert!(may_manage(Role::Administrator, Role::Owner).is_err());
        assert!(may_grant(Role::Administrator, Role::Owner).is_err());
        assert!(may_manage(Role::Administrator, Role::User).is_ok());
        assert!(may_manage(Role::Owner, Role::Owner).is_ok());
        assert_eq!(may_manage(Role::User, Role::User), Err(Error::AccessDenied));

        let mut admin = user(Role::User, UserStatus::Active);
        let promote = MemberChange::parse(Some("Owner"), None).unwrap();
        assert!(
            promote
                .apply(Role::Administrator, &mut admin, now())
                .is_err()
        );
        assert_eq!(admin.role, Role::User, "nothing changed");
    }

    #[test]
    fn fr_tenant_004_a_role_change_or_a_disable_ends_the_users_sessions() {
        let mut u = user(Role::User, UserStatus::Active);
        let before = MemberChange::parse(Some("Administrator"), None)
            .unwrap()
            .apply(Role::Owner, &mut u, now())
            .unwrap()
            .unwrap();
        assert_eq!(before.role, Role::User);
        assert_eq!(u.role, Role::Administrator);
        assert!(u.sessions_valid_after.is_some_and(|w| w > now()));

        let mut v = user(Role::User, UserStatus::Active);
        MemberChange::parse(None, Some("Disabled"))
            .unwrap()
            .apply(Role::Administrator, &mut v, now())
            .unwrap();
        assert_eq!(v.status, UserStatus::Disabled);
        assert!(v.sessions_valid_after.is_some());
    }

    #[test]
    fn fr_tenant_006_repeating_a_change_changes_nothing_and_invited_users_are_not_changed() {
        let mut u = user(Role::User, UserStatus::Disabled);
        let disable = MemberChange::parse(None, Some("Disabled")).unwrap();
        assert_eq!(disable.apply(Role::Owner, &mut u, now()).unwrap(), None);
        // An invitation's role is what its acceptance grants: neither its
        // status nor its role changes before then.
        let promote = MemberChange::parse(Some("Owner"), None).unwrap();
        for change in [disable, promote] {
            let mut invited = user(Role::User, UserStatus::Invited);
            let before = invited.clone();
            assert!(matches!(
                change.apply(Role::Owner, &mut invited, now()),
                Err(Error::BusinessRule(_))
            ));
            assert_eq!(invited, before);
        }
        assert!(MemberChange::parse(None, None).is_err());
        assert!(MemberChange::parse(None, Some("Invited")).is_err());
    }

    #[test]
    fn fr_tenant_002_only_active_owners_count_towards_the_last_owner_rule() {
        let owner = user(Role::Owner, UserStatus::Active);
        let mut demoted = owner.clone();
        demoted.role = Role::Administrator;
        assert_eq!(owner_delta(Some(&owner), Some(&demoted)), -1);
        assert_eq!(owner_delta(Some(&owner), None), -1);
        assert_eq!(owner_delta(None, Some(&owner)), 1);
        let invited_owner = user(Role::Owner, UserStatus::Invited);
        assert_eq!(owner_delta(Some(&invited_owner), None), 0);
        assert_eq!(owner_delta(Some(&invited_owner), Some(&owner)), 1);
    }
}
