//! Users of a tenant, and their roles.

use crate::{Error, TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address, syntax-checked (RFC 5321/5322 via `email_address`) and
/// with its domain part lower-cased, so that one mailbox has one spelling.
/// It is personal data: `Debug` shows only its domain, so it cannot end up
/// in a log line by accident (CC-LOG-002).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::parse_field("email", raw)
    }

    /// Parses, naming `field` in the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let invalid = || Error::invalid(field, "must be a valid email address");
        if raw.len() > Self::MAX_LEN {
            return Err(invalid());
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            raw,
            email_address::Options::default().without_display_text(),
        )
        .map_err(|_| invalid())?;
        let (local, domain) = (parsed.local_part(), parsed.domain());
        // Addresses we send mail to need a dotted domain, not a bare host or
        // an address literal.
        if !domain.contains('.') || domain.starts_with('[') {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress(…@{})", self.domain())
    }
}

/// A tenant user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Administrator,
    User,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Administrator, Role::User];

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| Error::invalid("role", "must be one of Owner, Administrator, User"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Administrator => "Administrator",
            Role::User => "User",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "Invited",
            UserStatus::Active => "Active",
            UserStatus::Disabled => "Disabled",
        }
    }
}

/// A tenant user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: EmailAddress,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// Tokens issued before this instant are refused for this user (the
    /// per-user revocation watermark).
    pub sessions_valid_after: Option<DateTime<Utc>>,
    /// The identity the user signs in with, once they accepted their
    /// invitation.
    pub identity: Option<Identity>,
}

/// A person's identity at an identity provider: issuer and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
}

impl User {
    /// A user who has been invited and has not yet signed in.
    pub fn invited(
        id: UserId,
        tenant_id: TenantId,
        email: EmailAddress,
        role: Role,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            tenant_id,
            email,
            role,
            status: UserStatus::Invited,
            created_at: now,
            updated_at: now,
            version: 1,
            sessions_valid_after: None,
            identity: None,
        }
    }

    /// Only Active users may act; Invited ones have not accepted yet and
    /// Disabled ones are blocked (UC-TENANT-USER-STATUS-UPDATE).
    pub fn may_sign_in(&self) -> bool {
        self.status == UserStatus::Active
    }

    /// Ends all of this user's sessions (role change, disable, delete,
    /// administrative revocation).
    pub fn revoke_sessions(&mut self, now: DateTime<Utc>) {
        self.sessions_valid_after = Some(crate::tenant::watermark(now));
        self.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_their_domain_lower_cased() {
        let e = EmailAddress::parse(" Jane.Doe@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Jane.Doe@example.com");
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@localhost",
            "Jane <jane@example.com>",
            "jane@[127.0.0.1]",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }

    #[test]
    fn cc_log_002_email_debug_output_hides_the_mailbox() {
        let e = EmailAddress::parse("jane.doe@example.com").unwrap();
        let shown = format!("{e:?}");
        assert!(!shown.contains("jane"), "{shown}");
        assert!(shown.contains("example.com"));
    }

    #[test]
    fn roles_parse_exactly() {
        assert_eq!(Role::parse("Administrator").unwrap(), Role::Administrator);
        assert!(Role::parse("admin").is_err());
    }
}
