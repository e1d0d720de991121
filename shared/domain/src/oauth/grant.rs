//! What the token endpoint redeems for people: authorization codes and
//! refresh tokens, each bound to the sign-in session they come from.
//!
//! - A code (RFC 6749 §4.1.2) lives a minute, is used once, and only by the
//!   client it was issued to, with the redirect URI of its request and the
//!   PKCE verifier of its challenge. A code presented twice ends the session
//!   it belongs to (§10.5: its tokens may be in an attacker's hands).
//! - A refresh token is rotated at each use (OAuth 2.0 Security BCP, RFC
//!   9700 §4.14.2): the one used is spent, a new one issued. A spent one
//!   presented again means two parties hold the family, so the session
//!   ends, and every token of it with it.

use super::authorize::{PeopleScope, Upstream};
use super::pkce::CodeChallenge;
use crate::{Actor, PlatformRole, Principal, Role, SessionId, TenantId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How long a code may wait to be redeemed.
pub const CODE_LIFETIME: Duration = Duration::seconds(60);
/// How long a refresh token may wait to be used. Each use issues a new
/// one; a session stays as long as its holder keeps refreshing within this,
/// and ends at its own end at the latest.
pub const REFRESH_LIFETIME: Duration = Duration::days(14);

/// Who signed in, as the control plane's tokens name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Person {
    /// Operators, auditors, developers: roles from the workforce directory.
    Platform {
        user_id: UserId,
        roles: Vec<PlatformRole>,
    },
    /// A member of one tenant.
    Member {
        user_id: UserId,
        tenant_id: TenantId,
        role: Role,
    },
}

impl Person {
    pub fn user_id(&self) -> UserId {
        match self {
            Self::Platform { user_id, .. } | Self::Member { user_id, .. } => *user_id,
        }
    }

    pub fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Self::Platform { .. } => None,
            Self::Member { tenant_id, .. } => Some(*tenant_id),
        }
    }

    /// The actor of what they do, as the principal they are at the API.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Platform { user_id, roles } => Principal::Platform {
                user_id: *user_id,
                roles: roles.clone(),
            },
            Self::Member {
                user_id,
                tenant_id,
                role,
            } => Principal::TenantUser {
                user_id: *user_id,
                tenant_id: *tenant_id,
                role: *role,
            },
        }
        .actor()
    }
}

/// The sign-in a grant comes from: the control plane's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub person: Person,
    pub session: SessionId,
    /// The directory they authenticated at (its session is ended at
    /// logout; the tokens' `idp`).
    pub upstream: Upstream,
    /// When the person authenticated at the upstream directory.
    pub auth_time: DateTime<Utc>,
    /// How (RFC 8176): `pwd`, `otp`, `mfa`, ...; as the upstream said.
    pub amr: Vec<String>,
    /// For the ID token and userinfo, with the scopes that ask for them.
    pub email: Option<String>,
    pub name: Option<String>,
}

/// Why a grant is refused, as the token endpoint's error (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantError {
    /// Unknown (or expired and forgotten): all the caller learns of every
    /// refusal is `invalid_grant`.
    InvalidGrant,
    /// A real grant presented wrongly: by another client, with the wrong
    /// verifier or redirect URI, expired, or asking for more: recorded in
    /// the trail of the sign-in it belongs to (the caller sees
    /// `InvalidGrant`).
    Misused(Box<SignIn>),
    /// Presented again after use, by its own client: the sign-in's
    /// session is to be ended (the caller sees `InvalidGrant`).
    Replayed(Box<SignIn>),
}

/// What a one-time grant is: some client's, from some sign-in.
pub trait OneTimeGrant: Sized {
    fn client_id(&self) -> &str;
    fn into_sign_in(self) -> SignIn;

    fn misused(self) -> GrantError {
        GrantError::Misused(Box::new(self.into_sign_in()))
    }
}

impl OneTimeGrant for CodeGrant {
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn into_sign_in(self) -> SignIn {
        self.sign_in
    }
}

impl OneTimeGrant for RefreshGrant {
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn into_sign_in(self) -> SignIn {
        self.sign_in
    }
}

/// An authorization code's meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: CodeChallenge,
    pub scopes: BTreeSet<PeopleScope>,
    pub nonce: Option<String>,
    pub sign_in: SignIn,
    pub expires_at: DateTime<Utc>,
}

/// What taking a one-time grant (a code, a refresh token, a pending
/// sign-in) found. Taking marks it used, so of racing uses exactly one is
/// `First`; the record stays until it expires so that a second use is told
/// apart from an unknown one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken<T> {
    /// Unknown or expired.
    Nothing,
    /// Taken now, by this use.
    First(T),
    /// Taken before: a second use.
    Again(T),
}

impl<T: OneTimeGrant> Taken<T> {
    /// The grant if `client_id` is its client and it was not used before;
    /// another client's grant is unknown to the caller.
    fn of_client(self, client_id: &str) -> Result<T, GrantError> {
        match self {
            Self::First(grant) if grant.client_id() == client_id => Ok(grant),
            Self::Again(grant) if grant.client_id() == client_id => {
                Err(GrantError::Replayed(Box::new(grant.into_sign_in())))
            }
            Self::First(grant) | Self::Again(grant) => Err(grant.misused()),
            Self::Nothing => Err(GrantError::InvalidGrant),
        }
    }
}

impl Taken<CodeGrant> {
    /// Checks a redemption (RFC 6749 §4.1.3, RFC 7636 §4.6).
    pub fn redeem(
        self,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CodeGrant, GrantError> {
        let grant = self.of_client(client_id)?;
        let ok = now < grant.expires_at
            && redirect_uri == Some(grant.redirect_uri.as_str())
            && verifier.is_some_and(|v| grant.code_challenge.verifies(v));
        if ok { Ok(grant) } else { Err(grant.misused()) }
    }
}

/// A refresh token's meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshGrant {
    pub client_id: String,
    pub scopes: BTreeSet<PeopleScope>,
    pub sign_in: SignIn,
    pub expires_at: DateTime<Utc>,
}

impl Taken<RefreshGrant> {
    /// Checks a use by `client_id` asking for `scopes` (none: the same),
    /// and answers the grant that replaces the one spent (rotation).
    pub fn redeem(
        self,
        client_id: &str,
        scopes: Option<&BTreeSet<PeopleScope>>,
        now: DateTime<Utc>,
    ) -> Result<RefreshGrant, GrantError> {
        let grant = self.of_client(client_id)?;
        if now >= grant.expires_at {
            return Err(grant.misused());
        }
        let scopes = match scopes {
            None => grant.scopes,
            // Narrowing only (RFC 6749 §6).
            Some(asked) if asked.is_subset(&grant.scopes) => asked.clone(),
            Some(_) => return Err(grant.misused()),
        };
        Ok(RefreshGrant {
            client_id: grant.client_id,
            scopes,
            sign_in: grant.sign_in,
            expires_at: now + REFRESH_LIFETIME,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rno";

    fn sign_in() -> SignIn {
        SignIn {
            person: Person::Member {
                user_id: UserId::random(),
                tenant_id: TenantId::random(),
                role: Role::User,
            },
            session: SessionId::parse("s-1").unwrap(),
            upstream: Upstream::Customer,
            auth_time: Utc::now(),
            amr: vec!["pwd".into()],
            email: None,
            name: None,
        }
    }

    fn code(now: DateTime<Utc>) -> CodeGrant {
        CodeGrant {
            client_id: "app".into(),
            redirect_uri: "https://app.example/cb".into(),
            code_challenge: CodeChallenge::of(VERIFIER),
            scopes: BTreeSet::from([PeopleScope::Openid]),
            nonce: None,
            sign_in: sign_in(),
            expires_at: now + CODE_LIFETIME,
        }
    }

    #[test]
    fn a_code_is_redeemed_by_its_client_with_its_redirect_uri_and_verifier_in_time() {
        let now = Utc::now();
        let c = code(now);
        let cb = Some("https://app.example/cb");
        assert_eq!(
            Taken::First(c.clone()).redeem("app", cb, Some(VERIFIER), now),
            Ok(c.clone())
        );
        for (client, uri, verifier, at) in [
            ("other", cb, Some(VERIFIER), now),
            ("app", Some("https://app.example/cb/"), Some(VERIFIER), now),
            ("app", None, Some(VERIFIER), now),
            ("app", cb, None, now),
            (
                "app",
                cb,
                Some("dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rnO"),
                now,
            ),
            ("app", cb, Some(VERIFIER), now + CODE_LIFETIME),
        ] {
            assert_eq!(
                Taken::First(c.clone()).redeem(client, uri, verifier, at),
                Err(GrantError::Misused(Box::new(c.sign_in.clone())))
            );
        }
        let used = || Taken::Again(c.clone());
        assert_eq!(
            used().redeem("app", cb, Some(VERIFIER), now),
            Err(GrantError::Replayed(Box::new(c.sign_in.clone())))
        );
        assert_eq!(
            used().redeem("other", cb, Some(VERIFIER), now),
            Err(GrantError::Misused(Box::new(c.sign_in.clone())))
        );
        assert_eq!(
            Taken::<CodeGrant>::Nothing.redeem("app", cb, Some(VERIFIER), now),
            Err(GrantError::InvalidGrant)
        );
    }

    #[test]
    fn a_refresh_token_narrows_scopes_only_and_a_spent_one_is_a_replay() {
        let now = Utc::now();
        let grant = RefreshGrant {
            client_id: "app".into(),
            scopes: BTreeSet::from([PeopleScope::Openid, PeopleScope::Email]),
            sign_in: sign_in(),
            expires_at: now + REFRESH_LIFETIME,
        };
        let first = || Taken::First(grant.clone());
        let later = now + Duration::hours(1);
        let next = first().redeem("app", None, later).unwrap();
        assert_eq!(next.scopes, grant.scopes);
        assert_eq!(next.expires_at, later + REFRESH_LIFETIME);
        let narrow = BTreeSet::from([PeopleScope::Openid]);
        assert_eq!(
            first().redeem("app", Some(&narrow), now).unwrap().scopes,
            narrow
        );
        let wider = BTreeSet::from([PeopleScope::Openid, PeopleScope::Profile]);
        let misused = Err(GrantError::Misused(Box::new(grant.sign_in.clone())));
        assert_eq!(first().redeem("app", Some(&wider), now), misused);
        assert_eq!(first().redeem("other", None, now), misused);
        assert_eq!(first().redeem("app", None, now + REFRESH_LIFETIME), misused);
        assert_eq!(
            Taken::<RefreshGrant>::Nothing.redeem("app", None, now),
            Err(GrantError::InvalidGrant)
        );
        assert_eq!(
            Taken::Again(grant.clone()).redeem("app", None, now),
            Err(GrantError::Replayed(Box::new(grant.sign_in.clone())))
        );
    }
}
