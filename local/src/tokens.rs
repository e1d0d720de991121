//! Bearer tokens from the local OIDC provider, for people of any role.
//!
//! The provider (oidc-provider-mock) signs in whoever is named on its
//! authorization form and puts the claims stored for that subject into the
//! ID token; that signed ID token is what the local stack uses as the
//! bearer token (the provider's access tokens are opaque). Claims stored for
//! a subject replace its earlier ones, and may override registered claims
//! (`iss`, `aud`, `exp`, `nbf`): the tests use that to mint validly signed
//! tokens with wrong claims.

use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
#[error("token from the local OIDC provider: {0}")]
pub struct TokenError(pub(crate) String);

fn err(e: impl std::fmt::Display) -> TokenError {
    TokenError(e.to_string())
}

/// The local provider, as a client of it sees it.
#[derive(Debug, Clone)]
pub struct LocalIdp {
    pub issuer: String,
    pub client_id: String,
    http: reqwest::Client,
}

/// Where the provider sends this helper's codes (never followed).
pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

impl LocalIdp {
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            http,
        }
    }

    /// Signs `subject` in with `claims` and returns the ID token.
    pub async fn token(
        &self,
        subject: &str,
        claims: &Map<String, Value>,
    ) -> Result<String, TokenError> {
        let issuer = self.issuer.trim_end_matches('/');
        let mut user_url = reqwest::Url::parse(issuer).map_err(err)?;
        user_url
            .path_segments_mut()
            .map_err(|()| err("issuer is not a base URL"))?
            .extend(["users", subject]);
        let stored = self
            .http
            .put(user_url)
            .json(claims)
            .send()
            .await
            .map_err(err)?;
        if !stored.status().is_success() {
            return Err(err(format!("storing claims: {}", stored.status())));
        }
        let authorize = self
            .http
            .post(format!("{issuer}/oauth2/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", self.client_id.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("scope", "openid profile email"),
                ("state", "local"),
            ])
            .form(&[("sub", subject)])
            .send()
            .await
            .map_err(err)?;
        let location = authorize
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .ok_or_else(|| err(format!("authorize answered {}", authorize.status())))?;
        let code = reqwest::Url::parse(location)
            .map_err(err)?
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| err("no code in the redirect"))?;
        let response: Value = self
            .http
            .post(format!("{issuer}/oauth2/token"))
            .basic_auth(&self.client_id, Some("local-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
            ])
            .send()
            .await
            .map_err(err)?
            .error_for_status()
            .map_err(err)?
            .json()
            .await
            .map_err(err)?;
        response["id_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| err("no id_token in the response"))
    }

    /// A token for a platform person with the given app roles.
    pub async fn platform_token(
        &self,
        subject: &str,
        roles: &[&str],
    ) -> Result<String, TokenError> {
        let mut claims = Map::new();
        claims.insert(
            "roles".into(),
            roles.iter().map(|r| Value::from(*r)).collect(),
        );
        claims.insert("name".into(), Value::from(subject));
        self.token(subject, &claims).await
    }

    /// A token for a tenant user (no app roles).
    pub async fn user_token(&self, subject: &str) -> Result<String, TokenError> {
        let mut claims = Map::new();
        claims.insert("name".into(), Value::from(subject));
        self.token(subject, &claims).await
    }
}
