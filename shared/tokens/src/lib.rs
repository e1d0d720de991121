//! The control plane's tokens: as authorization server for managed
//! applications (FR-SYS-002), OAuth 2.0 client credentials (RFC 6749 §4.4)
//! give JWT access tokens (RFC 9068); as OpenID Provider for people
//! ([`people`], doc/adr/0042), ID and access tokens; all signed by an
//! asymmetric KMS key. The private key
//! never leaves KMS; the public key is published as a JWKS (RFC 7517) under
//! OIDC discovery and RFC 8414 metadata, which is what API Gateway's JWT
//! authorizer (and the local gateway) verify tokens against.
//!
//! The signing algorithm is RS256 (`RSASSA_PKCS1_V1_5_SHA_256` on an
//! `RSA_2048` key): the one algorithm the edge verifier accepts, for people's
//! tokens and applications' alike. The `kid` is the key's RFC 7638
//! thumbprint, so it changes exactly when the key does.

pub mod people;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use cp_auth::JwtVerifier;
use cp_domain::oauth::PeopleScope;
use cp_domain::{AppScope, ApplicationId, Error, SecretId};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// How long an access token lives: short, because the secret behind it can
/// be revoked and the application asks again cheaply.
pub const TOKEN_LIFETIME: Duration = Duration::minutes(15);

/// Where the issuer's documents live, relative to the issuer URL.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
pub const TOKEN_PATH: &str = "/oauth2/token";
pub const AUTHORIZATION_PATH: &str = "/oauth2/authorize";
pub const USERINFO_PATH: &str = "/oauth2/userinfo";
pub const INTROSPECTION_PATH: &str = "/oauth2/introspect";
pub const REVOCATION_PATH: &str = "/oauth2/revoke";
pub const END_SESSION_PATH: &str = "/oauth2/logout";

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// The public half of a signing key, as published.
#[derive(Debug, Clone)]
struct PublicJwk {
    kid: String,
    n: String,
    e: String,
}

/// A KMS key with its JWK, made from its public half once per process.
#[derive(Debug)]
struct Key {
    kms: cp_aws::SigningKey,
    jwk: OnceCell<PublicJwk>,
}

impl Key {
    fn new(kms: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self {
            kms: cp_aws::SigningKey::new(kms, key_id),
            jwk: OnceCell::new(),
        }
    }

    async fn jwk(&self) -> Result<&PublicJwk, Error> {
        self.jwk
            .get_or_try_init(|| async { rsa_jwk(self.kms.public_key().await?) })
            .await
    }
}

/// Issues and describes the control plane's tokens: applications' access
/// tokens, and people's ID and access tokens ([`people`]).
///
/// One key signs; the JWKS publishes it and the keys of a rotation
/// (doc/adr/0042-the-control-plane-as-openid-provider.md, "Keys"): the next
/// key before it signs, so verifiers have it cached when it does, and the
/// previous one until the last token it signed has expired.
#[derive(Debug)]
pub struct TokenIssuer {
    key: Key,
    published: Vec<Key>,
    issuer: String,
    audience: String,
    /// Verifiers of its own access and ID tokens, with the keys of its
    /// JWKS (from KMS once per process, at first use).
    access_tokens: OnceCell<JwtVerifier>,
    id_tokens: OnceCell<JwtVerifier>,
}

impl TokenIssuer {
    pub fn new(
        kms: aws_sdk_kms::Client,
        key_id: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        Self {
            key: Key::new(kms, key_id),
            published: Vec::new(),
            issuer: issuer.into().trim_end_matches('/').to_owned(),
            audience: audience.into(),
            access_tokens: OnceCell::new(),
            id_tokens: OnceCell::new(),
        }
    }

    /// The claims of an unexpired access token this issuer signed (`at+jwt`,
    /// RFC 9068 §4); `None` for anything else: an ID token, a refresh
    /// token, a forgery.
    pub async fn read_access_token(
        &self,
        token: &str,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let verifier = self
            .own_verifier(&self.access_tokens, |v| v.requiring_type("at+jwt"))
            .await?;
        Ok(verifier.verify(token).await.ok())
    }

    /// The claims of an ID token this issuer signed, expired or not: what a
    /// client gives back as `id_token_hint` at logout.
    pub async fn read_id_token_hint(
        &self,
        token: &str,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let verifier = self
            .own_verifier(&self.id_tokens, |v| {
                v.requiring_type("JWT").accepting_expired()
            })
            .await?;
        Ok(verifier.verify(token).await.ok())
    }

    async fn own_verifier<'a>(
        &self,
        cell: &'a OnceCell<JwtVerifier>,
        kind: impl FnOnce(JwtVerifier) -> JwtVerifier,
    ) -> Result<&'a JwtVerifier, Error> {
        cell.get_or_try_init(|| async {
            let verifier =
                JwtVerifier::of_own_keys(&self.issuer, self.jwks().await?).map_err(|e| {
                    tracing::error!(error = %e, "the issuer's own JWKS is unreadable");
                    Error::Internal
                })?;
            Ok(kind(verifier))
        })
        .await
    }

    /// Also publishes `keys` (ids, ARNs or aliases) in the JWKS, without
    /// signing with them: the keys of a rotation.
    pub fn publishing(mut self, kms: &aws_sdk_kms::Client, keys: &[String]) -> Self {
        self.published = keys.iter().map(|k| Key::new(kms.clone(), k)).collect();
        self
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `claims` as a JWT of type `typ`, signed by the current key.
    pub(crate) async fn sign(&self, typ: &str, claims: &Value) -> Result<String, Error> {
        let key = self.key.jwk().await?;
        let header = json!({ "alg": "RS256", "typ": typ, "kid": key.kid });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.kms.sign(signing_input.as_bytes()).await?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(&signature)
        ))
    }

    /// A signed access token for `app`, exchanged for `secret`.
    pub async fn issue(
        &self,
        app: ApplicationId,
        secret: SecretId,
        scopes: &[AppScope],
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Error> {
        let scope = AppScope::join(scopes);
        let claims = json!({
            "iss": self.issuer,
            "sub": app.to_string(),
            "aud": self.audience,
            "client_id": app.to_string(),
            "secret_id": secret.to_string(),
            "scope": scope,
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
            "exp": (now + TOKEN_LIFETIME).timestamp(),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        Ok(AccessToken {
            access_token: self.sign("at+jwt", &claims).await?,
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME.num_seconds(),
            scope,
        })
    }

    /// The JWKS: the signing key's public half, and those of a rotation.
    pub async fn jwks(&self) -> Result<Value, Error> {
        let mut keys = Vec::new();
        for key in std::iter::once(&self.key).chain(&self.published) {
            let jwk = key.jwk().await?;
            keys.push(json!({
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": jwk.kid,
                "n": jwk.n,
                "e": jwk.e,
            }));
        }
        Ok(json!({ "keys": keys }))
    }

    /// The OpenID Provider's metadata (OpenID Connect Discovery 1.0 §3,
    /// RFC 8414), served at both well-known paths; API Gateway's JWT
    /// authorizer finds `jwks_uri` here. It lists only what is implemented
    /// (doc/adr/0042).
    pub fn metadata(&self) -> Value {
        let issuer = &self.issuer;
        let scopes: Vec<&str> = PeopleScope::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(AppScope::ALL.iter().map(|s| s.as_str()))
            .collect();
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}{AUTHORIZATION_PATH}"),
            "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
            "jwks_uri": format!("{issuer}{JWKS_PATH}"),
            "userinfo_endpoint": format!("{issuer}{USERINFO_PATH}"),
            "introspection_endpoint": format!("{issuer}{INTROSPECTION_PATH}"),
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint": format!("{issuer}{REVOCATION_PATH}"),
            "end_session_endpoint": format!("{issuer}{END_SESSION_PATH}"),
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "scopes_supported": scopes,
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "azp",
                "sid", "idp", "tid", "role", "roles", "email", "email_verified", "name",
            ],
            "prompt_values_supported": ["none", "login"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "authorization_response_iss_parameter_supported": true,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "claims_parameter_supported": false,
        })
    }
}

/// An RSA public key (SubjectPublicKeyInfo DER, as KMS returns it) as a JWK,
/// with its RFC 7638 thumbprint as `kid`.
fn rsa_jwk(der: &[u8]) -> Result<PublicJwk, Error> {
    let key = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|_| {
        tracing::error!("the signing key is not an RSA key");
        Error::Internal
    })?;
    let n = URL_SAFE_NO_PAD.encode(key.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(key.exponent().big_endian_without_leading_zero());
    // RFC 7638: the required members, lexicographic order, no whitespace.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    Ok(PublicJwk { kid, n, e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7638_thumbprint_of_the_rfc_example_key() {
        // RFC 7638 §3.1's example key, as SubjectPublicKeyInfo DER.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let e = "AQAB";
        let components = aws_lc_rs::rsa::PublicKeyComponents {
            n: URL_SAFE_NO_PAD.decode(n).unwrap(),
            e: URL_SAFE_NO_PAD.decode(e).unwrap(),
        };
        let encrypting: aws_lc_rs::rsa::PublicEncryptingKey = components.try_into().unwrap();
        use aws_lc_rs::encoding::AsDer;
        let der = encrypting.as_der().unwrap();
        let jwk = rsa_jwk(der.as_ref()).unwrap();
        assert_eq!(jwk.n, n);
        assert_eq!(jwk.e, e);
        assert_eq!(jwk.kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
