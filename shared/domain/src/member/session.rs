//! Sign-in sessions of tenant users (FR-AUTH-005, UC-TENANT-SESSION-REVOKE,
//! UC-LOGOUT).
//!
//! A session is one sign-in at the control plane's OpenID Provider: every
//! token of it carries the same session id (`sid`), through refreshes. The
//! provider records a member's session when they sign in (or when a
//! directory's session is first exchanged), and every token of it is
//! refused once it has been ended (ERR-AUTH-440).

use crate::member::user::User;
use crate::tenant::{Tenant, issued_after};
use crate::{Error, TenantId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;

/// A record of a session nobody ended is dropped this long after it began,
/// beyond the life of its refresh tokens (14 days).
pub const RECORD_TTL: Duration = Duration::days(30);
/// An ended session is remembered at least as long as the identity provider
/// may keep refreshing its tokens (Entra ID: 90 days of inactivity).
pub const ENDED_TTL: Duration = Duration::days(90);

/// Whether a member's sign-in at `signed_in_at` still stands, as every
/// request (the resolver) and every code, refresh and introspection (the
/// OpenID Provider) checks it: its session recorded and not ended, and no
/// revocation of the user's or the tenant's since (else ERR-AUTH-440, sign
/// in again); the user and the tenant still let in (else ERR-AUTH-403).
pub fn sign_in_stands(
    user: &User,
    tenant: &Tenant,
    session: Option<&Session>,
    signed_in_at: DateTime<Utc>,
) -> Result<(), Error> {
    let ended = session.is_none_or(Session::is_ended)
        || !issued_after(signed_in_at, user.sessions_valid_after)
        || !issued_after(signed_in_at, tenant.sessions_valid_after);
    if ended {
        return Err(Error::SessionExpired);
    }
    if !user.may_sign_in() || !tenant.admits_users() {
        return Err(Error::AccessDenied);
    }
    Ok(())
}

/// A session id safe to use in keys and URLs: the control plane's own
/// sessions (its OpenID Provider's sign-ins and token exchanges).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(String);

impl SessionId {
    /// A new session of the control plane's own (its OpenID Provider's
    /// sign-ins): random, and never equal to a provider's `sid`.
    pub fn random() -> Self {
        Self(format!("cp-{}", uuid::Uuid::new_v4().simple()))
    }

    /// The session of what a directory's token is exchanged for (RFC 8693):
    /// one per session at the directory (its `sid`; without one, the token),
    /// so that every exchange of one sign-in falls in one session the
    /// control plane can end. Never equal to a random one or a `sid`.
    pub fn exchanged(issuer: &str, sid: Option<&str>, subject: &str, issued_at: i64) -> Self {
        let upstream = match sid {
            Some(sid) => format!("{issuer}\nsid\n{sid}"),
            None => format!("{issuer}\ntoken\n{subject}\n{issued_at}"),
        };
        Self(format!(
            "x-{}",
            &hex::encode(Sha256::digest(upstream))[..32]
        ))
    }

    /// A session id from a path: the same alphabet, else no session.
    pub fn parse(raw: &str) -> Option<Self> {
        ((1..=66).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a session was first seen from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOrigin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl SessionOrigin {
    /// User agents are the caller's text: kept short and printable.
    pub fn new(ip: Option<&str>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent.map(|ua| {
            ua.chars()
                .filter(|c| !c.is_control())
                .take(256)
                .collect::<String>()
        });
        Self {
            ip: ip.map(str::to_owned),
            user_agent: user_agent.filter(|ua| !ua.is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub id: SessionId,
    pub started_at: DateTime<Utc>,
    pub origin: SessionOrigin,
    pub ended_at: Option<DateTime<Utc>>,
    /// The managed applications that got tokens of it through the OpenID
    /// Provider: each is told when it ends (back-channel logout).
    pub clients: BTreeSet<String>,
}

impl Session {
    pub fn started(
        tenant_id: TenantId,
        user_id: UserId,
        id: SessionId,
        origin: SessionOrigin,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            tenant_id,
            user_id,
            id,
            started_at: now,
            origin,
            ended_at: None,
            clients: BTreeSet::new(),
        }
    }

    pub fn is_ended(&self) -> bool {
        self.ended_at.is_some()
    }

    /// When the record may go (TTL).
    pub fn keep_until(&self) -> DateTime<Utc> {
        match self.ended_at {
            Some(ended) => ended + ENDED_TTL,
            None => self.started_at + RECORD_TTL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_auth_005_session_ids_are_safe_in_keys_and_read_back_from_sid() {
        let random = SessionId::random();
        assert_eq!(SessionId::parse(random.as_str()), Some(random));
        let exchanged = SessionId::exchanged("https://login.example", Some("a#b"), "s", 1);
        assert!(!exchanged.as_str().contains('#'));
        assert_eq!(SessionId::parse(exchanged.as_str()), Some(exchanged));
        assert!(SessionId::parse("a#b").is_none());
        assert!(SessionId::parse("").is_none());
    }

    #[test]
    fn fr_auth_005_user_agents_are_kept_short_and_printable() {
        let origin = SessionOrigin::new(
            Some("203.0.113.9"),
            Some(&format!("UA\n{}", "x".repeat(400))),
        );
        let ua = origin.user_agent.unwrap();
        assert_eq!(ua.chars().count(), 256);
        assert!(!ua.contains('\n'));
    }
}
