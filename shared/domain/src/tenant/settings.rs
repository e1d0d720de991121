//! A tenant's own settings: how long its invitations last and the password
//! policy its people are held to (FR-TENANT-001, FR-AUTH-006, CON-SEC-001).
//!
//! Where the password policy is enforced, and where it cannot be with Entra
//! External ID doing the sign-in, is doc/adr/0014-password-policy.md.

use crate::Error;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Invitations last between one and thirty days; seven unless configured.
pub const INVITATION_DAYS: std::ops::RangeInclusive<u8> = 1..=30;
const DEFAULT_INVITATION_DAYS: u8 = 7;

/// Passwords are at least 8 characters (NIST SP 800-63B's floor) and at
/// most 128 (beyond that, limits of identity providers differ).
pub const PASSWORD_LENGTH: std::ops::RangeInclusive<u8> = 8..=128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub min_length: u8,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_digit: bool,
    pub require_symbol: bool,
}

impl Default for PasswordPolicy {
    /// Entra External ID's own baseline: 8 characters, and in practice three
    /// character classes.
    fn default() -> Self {
        Self {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_digit: true,
            require_symbol: false,
        }
    }
}

impl PasswordPolicy {
    pub fn parse(self) -> Result<Self, Error> {
        if !PASSWORD_LENGTH.contains(&self.min_length) {
            return Err(Error::invalid(
                "password_policy.min_length",
                "must be between 8 and 128",
            ));
        }
        Ok(self)
    }

    /// What a candidate password lacks under this policy (empty: it
    /// complies). For sign-up pages and identity providers that ask.
    pub fn violations(&self, password: &str) -> Vec<&'static str> {
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        let mut missing = Vec::new();
        if password.chars().count() < usize::from(self.min_length) {
            missing.push("min_length");
        }
        if self.require_uppercase && !has(|c| c.is_uppercase()) {
            missing.push("uppercase");
        }
        if self.require_lowercase && !has(|c| c.is_lowercase()) {
            missing.push("lowercase");
        }
        if self.require_digit && !has(|c| c.is_ascii_digit()) {
            missing.push("digit");
        }
        if self.require_symbol && !has(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
            missing.push("symbol");
        }
        missing
    }
}

/// The settings a tenant's Owners and Administrators change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    pub invitation_ttl_days: u8,
    pub password_policy: PasswordPolicy,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            invitation_ttl_days: DEFAULT_INVITATION_DAYS,
            password_policy: PasswordPolicy::default(),
        }
    }
}

impl TenantSettings {
    pub fn invitation_ttl(&self) -> Duration {
        Duration::days(i64::from(self.invitation_ttl_days))
    }

    /// These settings with a change applied; every given value validated.
    pub fn with(
        self,
        invitation_ttl_days: Option<u8>,
        password_policy: Option<PasswordPolicy>,
    ) -> Result<Self, Error> {
        let mut next = self;
        if let Some(days) = invitation_ttl_days {
            if !INVITATION_DAYS.contains(&days) {
                return Err(Error::invalid(
                    "invitation_ttl_days",
                    "must be between 1 and 30",
                ));
            }
            next.invitation_ttl_days = days;
        }
        if let Some(policy) = password_policy {
            next.password_policy = policy.parse()?;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_auth_006_password_policies_stay_within_safe_bounds() {
        let base = TenantSettings::default();
        for bad in [0, 7, 129, 255] {
            let policy = PasswordPolicy {
                min_length: bad,
                ..PasswordPolicy::default()
            };
            assert!(base.with(None, Some(policy)).is_err(), "{bad}");
        }
        let strict = PasswordPolicy {
            min_length: 16,
            require_symbol: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            base.with(None, Some(strict)).unwrap().password_policy,
            strict
        );
    }

    #[test]
    fn fr_auth_006_violations_name_what_a_password_lacks() {
        let policy = PasswordPolicy {
            min_length: 10,
            require_symbol: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.violations("short"),
            ["min_length", "uppercase", "digit", "symbol"]
        );
        assert!(policy.violations("Longer-pass42").is_empty());
    }

    #[test]
    fn fr_tenant_001_invitations_last_one_to_thirty_days() {
        let base = TenantSettings::default();
        assert_eq!(base.invitation_ttl(), Duration::days(7));
        assert!(base.with(Some(0), None).is_err());
        assert!(base.with(Some(31), None).is_err());
        assert_eq!(base.with(Some(30), None).unwrap().invitation_ttl_days, 30);
    }
}
