//! The control plane as a client of an upstream directory (Entra ID: the
//! workforce tenant, or the environment's External ID tenant), for the
//! sign-ins it brokers (doc/adr/0042-the-control-plane-as-openid-provider.md).
//!
//! A confidential client with the authorization code flow, PKCE (`S256`),
//! `state` and `nonce` (OpenID Connect Core 1.0 §3.1): the endpoints come
//! from the directory's discovery document, cached for the process; the ID
//! token the code is redeemed for is verified as the edge verifies tokens
//! ([`JwtVerifier`]: RS256 by the directory's JWKS, `iss`, `aud` = our
//! client id, `exp`, `iat`), and then its `nonce`.
//!
//! What the directory says is read as an [`UpstreamIdentity`]; what it means
//! in the control plane (a platform person, a member of which tenant) is
//! decided by the caller.

use crate::edge::{EdgeConfig, JwtVerifier};
use cp_domain::oauth::Upstream;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::OnceCell;

/// One upstream directory, as the control plane is registered there.
#[derive(Debug)]
pub struct UpstreamDirectory {
    issuer: String,
    client_id: String,
    client_secret: String,
    /// The control plane's callback, registered at the directory.
    redirect_uri: String,
    http: reqwest::Client,
    endpoints: OnceCell<Endpoints>,
    verifier: JwtVerifier,
}

#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

/// What the directory vouched for, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamIdentity {
    pub issuer: String,
    pub subject: String,
    /// `email`, when the directory says it is verified (`email_verified`,
    /// or Entra's `xms_edov`). External ID's email sign-ins are verified.
    pub verified_email: Option<String>,
    pub name: Option<String>,
    /// App roles (`roles`): only the workforce directory's mean anything.
    pub roles: Vec<String>,
    /// RFC 8176 methods, as the directory said (`amr`), else `pwd`.
    pub amr: Vec<String>,
    /// When the person authenticated (`auth_time`, else `iat`).
    pub auth_time: i64,
    /// The directory's session (`sid`), if it says.
    pub session: Option<String>,
    /// When the token was issued (`iat`).
    pub issued_at: i64,
}

/// Why a sign-in at the directory did not give an identity. Callers show
/// the person a plain failure; the detail is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("the directory's discovery document: {0}")]
    Discovery(String),
    #[error("redeeming the code at the directory: {0}")]
    Token(String),
    #[error("the directory's ID token was refused: {0}")]
    IdToken(String),
}

/// What the authorization request to the directory carries.
#[derive(Debug, Clone)]
pub struct UpstreamRequest<'a> {
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
    /// Ask the person to authenticate again (`prompt=login`).
    pub fresh: bool,
    pub login_hint: Option<&'a str>,
    pub max_age: Option<u32>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

impl UpstreamDirectory {
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let issuer = issuer.into();
        let client_id = client_id.into();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let verifier = JwtVerifier::new(EdgeConfig::new(issuer.clone(), vec![client_id.clone()]));
        Self {
            issuer,
            client_id,
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            http,
            endpoints: OnceCell::new(),
            verifier,
        }
    }

    /// A directory whose tokens are only verified, never redeemed for: what
    /// token exchange needs (no client secret, no callback).
    pub fn verifying(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self::new(issuer, client_id, String::new(), String::new())
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    async fn endpoints(&self) -> Result<&Endpoints, UpstreamError> {
        self.endpoints
            .get_or_try_init(|| async {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.issuer.trim_end_matches('/')
                );
                let response = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| UpstreamError::Discovery(e.to_string()))?;
                response
                    .json::<Endpoints>()
                    .await
                    .map_err(|e| UpstreamError::Discovery(e.to_string()))
            })
            .await
    }

    /// Where to send the person to sign in.
    pub async fn authorization_url(
        &self,
        request: &UpstreamRequest<'_>,
    ) -> Result<String, UpstreamError> {
        let endpoints = self.endpoints().await?;
        let mut url = reqwest::Url::parse(&endpoints.authorization_endpoint)
            .map_err(|e| UpstreamError::Discovery(e.to_string()))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("scope", "openid profile email")
                .append_pair("response_mode", "query")
                .append_pair("state", request.state)
                .append_pair("nonce", request.nonce)
                .append_pair("code_challenge", request.code_challenge)
                .append_pair("code_challenge_method", "S256");
            if request.fresh {
                query.append_pair("prompt", "login");
            }
            if let Some(hint) = request.login_hint {
                query.append_pair("login_hint", hint);
            }
            if let Some(age) = request.max_age {
                query.append_pair("max_age", &age.to_string());
            }
        }
        Ok(url.into())
    }

    /// Where to send the person to end their session at the directory
    /// (RP-initiated logout), coming back to `back` with `state`; `None`
    /// if the directory has no end-session endpoint.
    pub async fn end_session_url(
        &self,
        back: &str,
        state: &str,
    ) -> Result<Option<String>, UpstreamError> {
        let Some(endpoint) = &self.endpoints().await?.end_session_endpoint else {
            return Ok(None);
        };
        let mut url =
            reqwest::Url::parse(endpoint).map_err(|e| UpstreamError::Discovery(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("post_logout_redirect_uri", back)
            .append_pair("state", state);
        Ok(Some(url.into()))
    }

    /// Redeems the directory's `code` with the PKCE `verifier`, and checks
    /// the ID token it gives, with the `nonce` the request carried.
    pub async fn redeem(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<UpstreamIdentity, UpstreamError> {
        let endpoints = self.endpoints().await?;
        let response = self
            .http
            .post(&endpoints.token_endpoint)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.redirect_uri.as_str()),
                ("code_verifier", verifier),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ])
            .send()
            .await
            .map_err(|e| UpstreamError::Token(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            // The body is the directory's OAuth error: no secret in it.
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(300).collect();
            return Err(UpstreamError::Token(format!("{status}: {body}")));
        }
        let tokens: TokenResponse = response
            .json()
            .await
            .map_err(|e| UpstreamError::Token(e.to_string()))?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| UpstreamError::Token("no id_token in the answer".into()))?;
        let claims = self
            .verifier
            .verify(&id_token)
            .await
            .map_err(|e| UpstreamError::IdToken(e.to_string()))?;
        identity(&self.issuer, &claims, Some(nonce))
    }

    /// A token the directory issued to the control plane (`aud` = our
    /// client id) that a service presents for exchange (RFC 8693), verified
    /// as the edge verifies tokens; it has no nonce of ours.
    pub async fn verify_subject_token(
        &self,
        token: &str,
    ) -> Result<UpstreamIdentity, UpstreamError> {
        let claims = self
            .verifier
            .verify(token)
            .await
            .map_err(|e| UpstreamError::IdToken(e.to_string()))?;
        identity(&self.issuer, &claims, None)
    }
}

/// How a directory is configured (`UPSTREAM_DIRECTORIES`, by directory):
/// its issuer, the control plane's client id there, and the client secret
/// as KMS ciphertext (opened only by the broker, which redeems codes).
#[derive(Debug, Clone, Deserialize)]
pub struct DirectoryConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The configured directories, by [`Upstream`].
pub fn directories(config: &str) -> Result<HashMap<Upstream, DirectoryConfig>, String> {
    serde_json::from_str(config).map_err(|e| e.to_string())
}

/// The `iss` a JWT claims, unverified: only to pick whose keys verify it.
pub fn claimed_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

/// Reads a verified token's claims, checking its `nonce` if it has to carry
/// ours.
fn identity(
    issuer: &str,
    claims: &Map<String, Value>,
    nonce: Option<&str>,
) -> Result<UpstreamIdentity, UpstreamError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    // Compared in full: the nonce is ours, random, and single-use.
    if nonce.is_some_and(|nonce| text("nonce") != Some(nonce)) {
        return Err(UpstreamError::IdToken("nonce does not match".into()));
    }
    let subject = text("sub")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| UpstreamError::IdToken("no sub".into()))?;
    let yes = |name: &str| claims.get(name).and_then(Value::as_bool) == Some(true);
    let verified_email = text("email")
        .filter(|e| !e.is_empty() && (yes("email_verified") || yes("xms_edov")))
        .map(str::to_owned);
    let strings = |name: &str| -> Vec<String> {
        claims
            .get(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut amr = strings("amr");
    if amr.is_empty() {
        amr.push("pwd".to_owned());
    }
    let auth_time = claims
        .get("auth_time")
        .or_else(|| claims.get("iat"))
        .and_then(Value::as_f64)
        .map_or(0, |t| t as i64);
    Ok(UpstreamIdentity {
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
        verified_email,
        name: text("name").map(str::to_owned),
        roles: strings("roles"),
        amr,
        auth_time,
        session: text("sid").map(str::to_owned),
        issued_at: claims
            .get("iat")
            .and_then(Value::as_f64)
            .map_or(0, |t| t as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn an_id_token_counts_only_with_the_nonce_of_its_request() {
        let c = claims(json!({"sub": "s", "nonce": "n-1", "iat": 100}));
        assert!(identity("iss", &c, Some("n-1")).is_ok());
        assert!(identity("iss", &c, Some("n-2")).is_err());
        let none = claims(json!({"sub": "s", "iat": 100}));
        assert!(identity("iss", &none, Some("n-1")).is_err());
    }

    #[test]
    fn an_email_counts_only_when_the_directory_verified_it() {
        let read = |extra: Value| {
            let mut c = claims(json!({"sub": "s", "nonce": "n", "email": "a@b.example"}));
            c.extend(claims(extra));
            identity("iss", &c, Some("n")).unwrap().verified_email
        };
        assert_eq!(read(json!({})), None);
        assert_eq!(read(json!({"email_verified": false})), None);
        assert_eq!(
            read(json!({"email_verified": true})).as_deref(),
            Some("a@b.example")
        );
        assert_eq!(
            read(json!({"xms_edov": true})).as_deref(),
            Some("a@b.example")
        );
    }

    #[test]
    fn roles_methods_and_sign_in_time_are_read_as_given() {
        let c = claims(json!({
            "sub": "s", "nonce": "n", "iat": 200, "auth_time": 150,
            "roles": ["Operator"], "amr": ["pwd", "mfa"], "name": "Jane",
        }));
        let who = identity("https://login.example/v2.0", &c, Some("n")).unwrap();
        assert_eq!(who.roles, ["Operator"]);
        assert_eq!(who.amr, ["pwd", "mfa"]);
        assert_eq!(who.auth_time, 150);
        assert_eq!(who.name.as_deref(), Some("Jane"));
        let plain = identity(
            "i",
            &claims(json!({"sub": "s", "nonce": "n", "iat": 200})),
            Some("n"),
        )
        .unwrap();
        assert_eq!((plain.amr, plain.auth_time), (vec!["pwd".to_owned()], 200));
    }
}
