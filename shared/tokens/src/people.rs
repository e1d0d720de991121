//! People's tokens: an ID token (OpenID Connect Core 1.0 §2) for the client,
//! and an access token (RFC 9068) for the API the client calls, both signed
//! by the control plane's key and both naming the control plane's session
//! (`sid`), so that ending the session refuses every token of it.
//!
//! `sub` is the control plane's user id: stable per person and tenant,
//! whatever directory they sign in at. Personal data (`email`, `name`) is
//! only in the ID token, and only with the scope that asks for it.

use crate::TokenIssuer;
use chrono::{DateTime, Duration, Utc};
use cp_domain::oauth::{PeopleScope, Person, SignIn, Upstream};
use cp_domain::{Error, PlatformRole, Role, SessionId, TenantId, UserId};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// How long a person's access and ID tokens live; a client refreshes.
pub const PEOPLE_TOKEN_LIFETIME: Duration = Duration::minutes(10);

/// What the token endpoint answers a person's client (RFC 6749 §5.1, OpenID
/// Connect Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct PeopleTokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// What a set of people's tokens is for.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub sign_in: &'a SignIn,
    pub client_id: &'a str,
    /// The access token's audience: the client's own API, or the control
    /// plane's for its own clients.
    pub audience: &'a str,
    pub scopes: &'a BTreeSet<PeopleScope>,
    pub nonce: Option<&'a str>,
}

/// The claims that say who someone is in the control plane: the user, the
/// tenant and role of a member, the roles of a platform person.
fn who(person: &Person, claims: &mut Map<String, Value>) {
    claims.insert("sub".into(), json!(person.user_id().to_string()));
    match person {
        Person::Platform { roles, .. } => {
            let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            claims.insert("roles".into(), json!(roles));
        }
        Person::Member {
            tenant_id, role, ..
        } => {
            claims.insert("tid".into(), json!(tenant_id.to_string()));
            claims.insert("role".into(), json!(role.as_str()));
        }
    }
}

/// A person's access token read back, once its signature, issuer and
/// lifetime are verified: the sign-in it stands for, its client and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleAccess {
    pub sign_in: SignIn,
    pub client_id: String,
    pub scopes: BTreeSet<PeopleScope>,
}

impl PeopleAccess {
    /// The inverse of [`TokenIssuer::people_tokens`]' access token; `None`
    /// for any other token (an application's own has no `sid`).
    pub fn read(claims: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let user_id = text("sub")?.parse::<UserId>().ok()?;
        let person = match (text("tid"), text("role")) {
            (Some(tenant), Some(role)) => Person::Member {
                user_id,
                tenant_id: tenant.parse::<TenantId>().ok()?,
                role: Role::parse(role).ok()?,
            },
            _ => Person::Platform {
                user_id,
                roles: claims
                    .get("roles")?
                    .as_array()?
                    .iter()
                    .map(|r| r.as_str().and_then(PlatformRole::parse))
                    .collect::<Option<_>>()?,
            },
        };
        let scopes = text("scope")?
            .split_whitespace()
            .map(PeopleScope::parse)
            .collect::<Option<_>>()?;
        Some(Self {
            sign_in: SignIn {
                person,
                session: SessionId::parse(text("sid")?)?,
                upstream: Upstream::parse(text("idp")?)?,
                auth_time: DateTime::from_timestamp(claims.get("auth_time")?.as_i64()?, 0)?,
                amr: claims
                    .get("amr")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                email: None,
                name: None,
            },
            client_id: text("client_id")?.to_owned(),
            scopes,
        })
    }
}

impl TokenIssuer {
    /// The ID and access tokens of `grant` at `now` (no refresh token: the
    /// caller adds one when the grant includes `offline_access`).
    pub async fn people_tokens(
        &self,
        grant: &Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<PeopleTokens, Error> {
        let sign_in = grant.sign_in;
        let scope = PeopleScope::join(grant.scopes);
        let mut id = self.common_claims(sign_in, now);
        id.insert("aud".into(), json!(grant.client_id));
        id.insert("azp".into(), json!(grant.client_id));
        if let Some(nonce) = grant.nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        personal_claims(sign_in, grant.scopes, &mut id);

        Ok(PeopleTokens {
            access_token: self.people_access_token(grant, now).await?,
            token_type: "Bearer",
            expires_in: PEOPLE_TOKEN_LIFETIME.num_seconds(),
            scope,
            id_token: self.sign("JWT", &Value::Object(id)).await?,
            refresh_token: None,
        })
    }
}

/// How long a logout token is good for: it is posted at once.
pub const LOGOUT_TOKEN_LIFETIME: Duration = Duration::minutes(2);

/// The `events` member that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

impl TokenIssuer {
    /// A logout token (OpenID Connect Back-Channel Logout 1.0 §2.4) telling
    /// `client_id` that the session `sid` of the person `sub` ended:
    /// explicitly typed `logout+jwt` (§2.4, so it is never taken for an ID
    /// token), with `sub`, `sid`, `events` and a `jti`, and never a `nonce`.
    pub async fn logout_token(
        &self,
        client_id: &str,
        sub: UserId,
        sid: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        let claims = json!({
            "iss": self.issuer,
            "aud": client_id,
            "iat": now.timestamp(),
            "exp": (now + LOGOUT_TOKEN_LIFETIME).timestamp(),
            "jti": uuid::Uuid::new_v4().to_string(),
            "sub": sub.to_string(),
            "sid": sid.to_string(),
            "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
        });
        self.sign("logout+jwt", &claims).await
    }
}

impl TokenIssuer {
    /// The access token alone (RFC 9068): what a token exchange answers.
    pub async fn people_access_token(
        &self,
        grant: &Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        let mut access = self.common_claims(grant.sign_in, now);
        access.insert("aud".into(), json!(grant.audience));
        access.insert("client_id".into(), json!(grant.client_id));
        access.insert("scope".into(), json!(PeopleScope::join(grant.scopes)));
        access.insert("nbf".into(), json!(now.timestamp()));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        self.sign("at+jwt", &Value::Object(access)).await
    }

    /// What the ID and the access token both say.
    fn common_claims(&self, sign_in: &SignIn, now: DateTime<Utc>) -> Map<String, Value> {
        let mut common = Map::new();
        common.insert("iss".into(), json!(self.issuer));
        who(&sign_in.person, &mut common);
        common.insert("iat".into(), json!(now.timestamp()));
        common.insert(
            "exp".into(),
            json!((now + PEOPLE_TOKEN_LIFETIME).timestamp()),
        );
        common.insert("auth_time".into(), json!(sign_in.auth_time.timestamp()));
        common.insert("sid".into(), json!(sign_in.session.to_string()));
        common.insert("idp".into(), json!(sign_in.upstream.as_str()));
        common.insert("amr".into(), json!(sign_in.amr));
        common
    }
}

/// What the scopes allow of a person's data: `email` and `name`, for the ID
/// token and userinfo.
pub fn personal_claims(
    sign_in: &SignIn,
    scopes: &BTreeSet<PeopleScope>,
    claims: &mut Map<String, Value>,
) {
    if scopes.contains(&PeopleScope::Email)
        && let Some(email) = &sign_in.email
    {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(true));
    }
    if scopes.contains(&PeopleScope::Profile)
        && let Some(name) = &sign_in.name
    {
        claims.insert("name".into(), json!(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in() -> SignIn {
        SignIn {
            person: Person::Member {
                user_id: UserId::random(),
                tenant_id: TenantId::random(),
                role: Role::Administrator,
            },
            session: SessionId::parse("sid-1").unwrap(),
            upstream: Upstream::Customer,
            auth_time: Utc::now(),
            amr: vec!["pwd".into()],
            email: Some("ada@acme.example".into()),
            name: Some("Ada".into()),
        }
    }

    /// The access token's claims as `people_tokens` writes them.
    fn access_claims(sign_in: &SignIn, scope: &str) -> Map<String, Value> {
        let mut claims = Map::new();
        who(&sign_in.person, &mut claims);
        claims.insert("sid".into(), json!(sign_in.session.to_string()));
        claims.insert("idp".into(), json!(sign_in.upstream.as_str()));
        claims.insert("auth_time".into(), json!(sign_in.auth_time.timestamp()));
        claims.insert("amr".into(), json!(sign_in.amr));
        claims.insert("client_id".into(), json!("console"));
        claims.insert("scope".into(), json!(scope));
        claims
    }

    #[test]
    fn an_access_token_reads_back_as_the_sign_in_it_was_written_for() {
        let mut member = sign_in();
        member.auth_time = DateTime::from_timestamp(member.auth_time.timestamp(), 0).unwrap();
        let read = PeopleAccess::read(&access_claims(&member, "openid email")).unwrap();
        assert_eq!(read.client_id, "console");
        assert_eq!(
            read.scopes,
            BTreeSet::from([PeopleScope::Openid, PeopleScope::Email])
        );
        // What the token does not carry is not made up.
        assert_eq!(
            read.sign_in,
            SignIn {
                email: None,
                name: None,
                ..member.clone()
            }
        );

        let platform = SignIn {
            person: Person::Platform {
                user_id: UserId::random(),
                roles: vec![PlatformRole::Auditor],
            },
            ..member.clone()
        };
        let read = PeopleAccess::read(&access_claims(&platform, "openid")).unwrap();
        assert_eq!(read.sign_in.person, platform.person);

        // An application's own token, or one with a forged role, is none.
        let mut claims = access_claims(&member, "openid");
        claims.remove("sid");
        assert!(PeopleAccess::read(&claims).is_none());
        let mut claims = access_claims(&member, "openid");
        claims.insert("role".into(), json!("Superuser"));
        assert!(PeopleAccess::read(&claims).is_none());
        let mut claims = access_claims(&platform, "openid");
        claims.insert("roles".into(), json!(["Operator", "Root"]));
        assert!(PeopleAccess::read(&claims).is_none());
    }

    #[test]
    fn personal_data_is_given_only_with_the_scope_that_asks_for_it() {
        let s = sign_in();
        let mut none = Map::new();
        personal_claims(&s, &BTreeSet::from([PeopleScope::Openid]), &mut none);
        assert!(none.is_empty());
        let mut email = Map::new();
        personal_claims(
            &s,
            &BTreeSet::from([PeopleScope::Openid, PeopleScope::Email]),
            &mut email,
        );
        assert_eq!(email["email"], "ada@acme.example");
        assert!(email.get("name").is_none());
        let mut member = Map::new();
        who(&s.person, &mut member);
        assert_eq!(member["role"], "Administrator");
        assert!(member.get("tid").is_some() && member.get("roles").is_none());
    }
}
