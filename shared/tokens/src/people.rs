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
use cp_domain::Error;
use cp_domain::oauth::{PeopleScope, Person, SignIn};
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

impl TokenIssuer {
    /// The ID and access tokens of `grant` at `now` (no refresh token: the
    /// caller adds one when the grant includes `offline_access`).
    pub async fn people_tokens(
        &self,
        grant: &Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<PeopleTokens, Error> {
        let sign_in = grant.sign_in;
        let expires = now + PEOPLE_TOKEN_LIFETIME;
        let scope = PeopleScope::join(grant.scopes);
        let mut common = Map::new();
        common.insert("iss".into(), json!(self.issuer));
        who(&sign_in.person, &mut common);
        common.insert("iat".into(), json!(now.timestamp()));
        common.insert("exp".into(), json!(expires.timestamp()));
        common.insert("auth_time".into(), json!(sign_in.auth_time.timestamp()));
        common.insert("sid".into(), json!(sign_in.session.to_string()));
        common.insert("amr".into(), json!(sign_in.amr));

        let mut access = common.clone();
        access.insert("aud".into(), json!(grant.audience));
        access.insert("client_id".into(), json!(grant.client_id));
        access.insert("scope".into(), json!(scope));
        access.insert("nbf".into(), json!(now.timestamp()));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));

        let mut id = common;
        id.insert("aud".into(), json!(grant.client_id));
        id.insert("azp".into(), json!(grant.client_id));
        if let Some(nonce) = grant.nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        personal_claims(sign_in, grant.scopes, &mut id);

        Ok(PeopleTokens {
            access_token: self.sign("at+jwt", &Value::Object(access)).await?,
            token_type: "Bearer",
            expires_in: PEOPLE_TOKEN_LIFETIME.num_seconds(),
            scope,
            id_token: self.sign("JWT", &Value::Object(id)).await?,
            refresh_token: None,
        })
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
    use cp_domain::{Role, SessionId, TenantId, UserId};

    fn sign_in() -> SignIn {
        SignIn {
            person: Person::Member {
                user_id: UserId::random(),
                tenant_id: TenantId::random(),
                role: Role::Administrator,
            },
            session: SessionId::parse("sid-1").unwrap(),
            auth_time: Utc::now(),
            amr: vec!["pwd".into()],
            email: Some("ada@acme.example".into()),
            name: Some("Ada".into()),
        }
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
