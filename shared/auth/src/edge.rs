//! Token verification at the edge.
//!
//! In AWS, API Gateway's JWT authorizer does this before a function runs.
//! The local gateway does the same with this verifier, so that a token the
//! local stack accepts is one AWS would accept, and vice versa:
//!
//! - RS256 only. The header's `alg` is never trusted to pick the algorithm:
//!   `none`, HS256 (e.g. "signed" with the public key) and anything else are
//!   refused before a key is looked at.
//! - The key comes from the issuer's JWKS, found through OIDC discovery and
//!   cached for `jwks_max_age`. An unknown `kid` triggers one refetch (keys
//!   rotate), at most once per `jwks_refetch_interval`, so a flood of made-up
//!   `kid`s cannot turn the verifier into a JWKS-fetching amplifier. If a
//!   refetch fails, the keys already held stay in use until the next try.
//! - A token without `kid` is accepted only when the JWKS holds exactly one
//!   key (the local OIDC provider issues such tokens; Entra ID always sets
//!   `kid`, and API Gateway requires it).
//! - `iss`, `aud`, `exp` and `iat` are required; `nbf` is checked when
//!   present; `leeway` absorbs clock skew.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, errors::ErrorKind};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::RwLock;

/// The largest JWKS or discovery document we read.
const MAX_DOCUMENT_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// The exact `iss` tokens must carry; discovery is `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// Accepted `aud` values (any one suffices).
    pub audiences: Vec<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Minimum time between two JWKS fetches caused by unknown keys.
    pub jwks_refetch_interval: Duration,
    /// How long fetched keys are trusted before they are fetched again, so a
    /// key the issuer withdraws stops verifying even if no new key appears.
    pub jwks_max_age: Duration,
}

impl EdgeConfig {
    /// 30 s of leeway (API Gateway allows none beyond its own clock; the
    /// local gateway is no more lenient than a typical resource server) and a
    /// JWKS refetch at most every 30 s.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audiences,
            leeway: Duration::from_secs(30),
            jwks_refetch_interval: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(600),
        }
    }
}

/// Why a token was refused. Shown to the caller only as a short
/// `error_description`, like API Gateway does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no bearer token")]
    Missing,
    #[error("the token is malformed")]
    Malformed,
    #[error("signing method is invalid")]
    Algorithm,
    #[error("no key for the token's kid")]
    UnknownKey,
    #[error("signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("issuer is invalid")]
    Issuer,
    #[error("audience is invalid")]
    Audience,
    #[error("claim {0} is missing or malformed")]
    Claim(String),
    #[error("the issuer's keys could not be fetched")]
    KeysUnavailable,
}

#[derive(Debug, Default)]
struct KeyCache {
    keys: Vec<(Option<String>, DecodingKey)>,
    fetched_at: Option<Instant>,
}

/// Verifies bearer tokens of one issuer. Build it once; it caches the keys.
#[derive(Debug)]
pub struct JwtVerifier {
    config: EdgeConfig,
    validation: Validation,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    typ: Option<&'static str>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

impl JwtVerifier {
    pub fn new(config: EdgeConfig) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&config.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = config.leeway.as_secs();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            config,
            validation,
            http,
            cache: RwLock::default(),
            typ: None,
        }
    }

    /// A verifier of tokens the caller itself issues, with its own keys
    /// (`jwks`, e.g. from the signing key in KMS): they never go stale and
    /// an unknown `kid` is never fetched. Any `aud` is accepted (it must be
    /// present): the caller decides whose tokens it reads.
    pub fn of_own_keys(issuer: impl Into<String>, jwks: Value) -> Result<Self, String> {
        let jwks: JwkSet = serde_json::from_value(jwks).map_err(|e| e.to_string())?;
        let mut verifier = Self::new(EdgeConfig {
            jwks_refetch_interval: Duration::MAX,
            jwks_max_age: Duration::MAX,
            ..EdgeConfig::new(issuer, Vec::new())
        });
        verifier.validation.validate_aud = false;
        verifier.cache = RwLock::new(KeyCache {
            keys: decoding_keys(&jwks),
            fetched_at: Some(Instant::now()),
        });
        Ok(verifier)
    }

    /// Also takes expired tokens (an ID token given back as a hint at
    /// logout: OpenID Connect RP-Initiated Logout 1.0 §2).
    pub fn accepting_expired(mut self) -> Self {
        self.validation.validate_exp = false;
        self
    }

    /// Also requires the header's `typ` (RFC 9068 §4: an access token is
    /// `at+jwt`, so an ID token is never taken for one).
    pub fn requiring_type(mut self, typ: &'static str) -> Self {
        self.typ = Some(typ);
        self
    }

    pub fn config(&self) -> &EdgeConfig {
        &self.config
    }

    /// Verifies a token and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Map<String, Value>, Rejection> {
        let header = decode_header(token).map_err(|_| Rejection::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(Rejection::Algorithm);
        }
        if self.typ.is_some_and(|typ| {
            !header
                .typ
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(typ))
        }) {
            return Err(Rejection::Claim("typ".into()));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        let claims = decode::<Map<String, Value>>(token, &key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => Rejection::Signature,
                ErrorKind::ExpiredSignature => Rejection::Expired,
                ErrorKind::ImmatureSignature => Rejection::NotYetValid,
                ErrorKind::InvalidIssuer => Rejection::Issuer,
                ErrorKind::InvalidAudience => Rejection::Audience,
                ErrorKind::InvalidAlgorithm => Rejection::Algorithm,
                ErrorKind::MissingRequiredClaim(c) | ErrorKind::InvalidClaimFormat(c) => {
                    Rejection::Claim(c.clone())
                }
                _ => Rejection::Malformed,
            })?
            .claims;
        // Needed for session revocation (the watermark compares `iat`).
        let iat = claims
            .get("iat")
            .and_then(Value::as_f64)
            .ok_or_else(|| Rejection::Claim("iat".into()))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        if iat > now + self.config.leeway.as_secs_f64() {
            return Err(Rejection::IssuedInFuture);
        }
        Ok(claims)
    }

    /// The key for `kid`, refetching the JWKS (rate-limited) when unknown.
    async fn key_for(&self, kid: Option<&str>) -> Result<DecodingKey, Rejection> {
        let fresh = |cache: &KeyCache| {
            cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.config.jwks_max_age)
        };
        {
            let cache = self.cache.read().await;
            if fresh(&cache)
                && let Some(key) = pick(&cache.keys, kid)
            {
                return Ok(key);
            }
        }
        let mut cache = self.cache.write().await;
        // Someone may have refreshed while we waited for the lock.
        if fresh(&cache)
            && let Some(key) = pick(&cache.keys, kid)
        {
            return Ok(key);
        }
        // Stale keys are fetched again whatever the refetch interval.
        if !fresh(&cache) {
            cache.fetched_at = None;
        }
        let may_fetch = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.config.jwks_refetch_interval);
        if !may_fetch {
            return Err(Rejection::UnknownKey);
        }
        match self.fetch_keys().await {
            Ok(keys) => {
                cache.keys = keys;
                cache.fetched_at = Some(Instant::now());
            }
            Err(e) => {
                tracing::warn!(error = %e, "JWKS fetch failed");
                // Count the failure too, so an unreachable issuer is not hammered.
                cache.fetched_at = Some(Instant::now());
                return Err(Rejection::KeysUnavailable);
            }
        }
        pick(&cache.keys, kid).ok_or(Rejection::UnknownKey)
    }

    async fn fetch_keys(&self) -> Result<Vec<(Option<String>, DecodingKey)>, String> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        let jwks: JwkSet = self.get_json(&discovery.jwks_uri).await?;
        Ok(decoding_keys(&jwks))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("{url}: {e}"))?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(format!("{url}: document too large"));
        }
        let body = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: document too large"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))
    }
}

/// The RSA keys of a JWKS, by `kid`.
fn decoding_keys(jwks: &JwkSet) -> Vec<(Option<String>, DecodingKey)> {
    jwks.keys
        .iter()
        .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
        .filter_map(|jwk| {
            DecodingKey::from_jwk(jwk)
                .ok()
                .map(|key| (jwk.common.key_id.clone(), key))
        })
        .collect()
}

/// The key with this `kid`; without a `kid`, the only key there is.
fn pick(keys: &[(Option<String>, DecodingKey)], kid: Option<&str>) -> Option<DecodingKey> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|(k, _)| k.as_deref() == Some(kid))
            .map(|(_, key)| key.clone()),
        None => match keys {
            [(_, key)] => Some(key.clone()),
            _ => None,
        },
    }
}
