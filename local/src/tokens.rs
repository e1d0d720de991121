//! People's tokens on the local stack.
//!
//! - [`sign_in`]: the control plane's own tokens, which its API accepts, as
//!   `cpctl` gets them: the authorization code flow with PKCE through the
//!   control plane's OpenID Provider, the person signing in at a local
//!   directory on the way ([`crate::browser`]).
//! - [`LocalIdp`]: a directory's own ID token (what the control plane
//!   receives upstream; a service may exchange it, RFC 8693). The directory
//!   (oidc-provider-mock) signs in whoever is named on its authorization
//!   form and puts the claims stored for that subject into the ID token.
//!   Claims stored for a subject replace its earlier ones, and may override
//!   registered claims (`iss`, `aud`, `exp`, `nbf`): the tests use that to
//!   mint validly signed tokens with wrong claims.

use crate::browser::{Browser, Pkce, query_param};
use crate::stack::CLI_CLIENT_ID;

use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub(crate) String);

fn err(e: impl std::fmt::Display) -> TokenError {
    TokenError(e.to_string())
}

/// `cpctl`'s redirect URI: any port of the loopback address (RFC 8252).
pub const CLI_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// The two directories people sign in at (the authorization request's `idp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    /// Company staff, with app roles (Entra ID's workforce tenant).
    Workforce,
    /// Customers' people (Entra External ID).
    Customer,
}

impl Directory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workforce => "workforce",
            Self::Customer => "customer",
        }
    }
}

/// What the token endpoint answered (`access_token`, `id_token`,
/// `refresh_token`, ...), or why the sign-in was refused at the client's
/// redirect (`error`, `error_description`).
pub type SignInOutcome = Result<Value, TokenError>;

/// `subject`, whose directory says `claims` of them, signs in with `cpctl`
/// at the control plane (`gateway_url`) through `directory`, with `extra`
/// authorization parameters (e.g. `invitation`); the control plane's
/// tokens. A refusal at the redirect is an error saying its `error` and
/// `error_description`.
pub async fn sign_in(
    gateway_url: &str,
    directory: Directory,
    subject: &str,
    claims: &Map<String, Value>,
    extra: &[(&str, &str)],
) -> SignInOutcome {
    let pkce = Pkce::new();
    let mut authorize = reqwest::Url::parse(gateway_url)
        .and_then(|u| u.join("/oauth2/authorize"))
        .map_err(err)?;
    authorize
        .query_pairs_mut()
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", CLI_CLIENT_ID),
            ("redirect_uri", CLI_REDIRECT_URI),
            ("scope", "openid profile email offline_access"),
            ("state", "local"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("idp", directory.as_str()),
        ])
        .extend_pairs(extra);
    let back = Browser::new(gateway_url)
        .authorize(authorize.as_str(), subject, claims)
        .await?;
    let Some(code) = query_param(&back, "code") else {
        return Err(err(format!(
            "{}: {}",
            query_param(&back, "error").unwrap_or_default(),
            query_param(&back, "error_description").unwrap_or_default()
        )));
    };
    let answered = reqwest::Client::new()
        .post(format!(
            "{}/oauth2/token",
            gateway_url.trim_end_matches('/')
        ))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CLI_REDIRECT_URI),
            ("code_verifier", pkce.verifier.as_str()),
            ("client_id", CLI_CLIENT_ID),
        ])
        .send()
        .await
        .map_err(err)?;
    if !answered.status().is_success() {
        return Err(err(format!(
            "the token endpoint answered {}",
            answered.status()
        )));
    }
    answered.json().await.map_err(err)
}

/// The access token of [`sign_in`]'s tokens.
pub fn access_token(tokens: &Value) -> Result<String, TokenError> {
    tokens["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| err("no access_token in the response"))
}

/// What a directory says of a platform person with `roles`.
pub fn staff(subject: &str, roles: &[&str]) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert(
        "roles".into(),
        roles.iter().map(|r| Value::from(*r)).collect(),
    );
    claims.insert("name".into(), Value::from(subject));
    claims
}

/// What a directory says of a person with a verified `email`.
pub fn verified(email: &str, name: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("email".into(), Value::from(email));
    claims.insert("email_verified".into(), Value::from(true));
    claims.insert("name".into(), Value::from(name));
    claims
}

/// A directory, as a client of it sees it.
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
}
