//! FR-SYS-002: `POST /oauth2/token`, the OAuth 2.0 client-credentials grant
//! (RFC 6749 §4.4) for managed applications.
//!
//! The client authenticates with its id (the application id) and a client
//! secret, by HTTP Basic (`client_secret_basic`) or in the form
//! (`client_secret_post`), never both. The answer is a JWT access token
//! (RFC 9068) signed by the KMS key, valid 15 minutes, with the requested
//! scopes (default: all the secret holds).
//!
//! Every failed authentication is the same `invalid_client`, whatever was
//! wrong (unknown application, wrong or revoked secret, disabled
//! application), and counts against the client id: after
//! [`FAILED_ATTEMPTS`] failures in a minute, the client gets ERR-RATE-429
//! until the minute is over, even with the right secret.
//!
//! Errors are RFC 6749 §5.2 JSON (`error`, `error_description`), which OAuth
//! clients understand, with the problem-details members beside them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cp_domain::{AppScope, ApplicationId, Error, PresentedSecret};
use cp_runtime::Route;
use cp_runtime::env::{TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_SIGNING_KEY};
use cp_runtime::problem::type_uri;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{RateLimit, Store};
use cp_tokens::TokenIssuer;
use http::{StatusCode, header};
use serde_json::json;
use std::collections::HashMap;

/// Failed authentications per client id and minute before it is locked out
/// for the rest of the minute.
pub const FAILED_ATTEMPTS: RateLimit = RateLimit {
    name: "token-failures",
    max: 10,
    window_s: 60,
};

#[derive(Debug)]
pub struct OauthToken {
    store: Store,
    issuer: TokenIssuer,
}

/// How the client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    Basic,
    Post,
}

#[derive(Debug)]
struct Credentials {
    client_id: String,
    client_secret: String,
    method: ClientAuth,
}

/// An OAuth error response.
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    challenge_basic: bool,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            challenge_basic: false,
        }
    }

    fn invalid_client(method: Option<ClientAuth>) -> Self {
        Self {
            challenge_basic: method == Some(ClientAuth::Basic),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        }
    }

    fn response(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id = match self.status {
            StatusCode::UNAUTHORIZED => cp_domain::error::ErrorId::Auth401,
            _ => cp_domain::error::ErrorId::Val400,
        };
        let body = json!({
            "error": self.code,
            "error_description": self.description,
            "type": type_uri(id),
            "title": id.title(),
            "status": self.status.as_u16(),
            "detail": self.description,
            "instance": request.path,
            "correlation_id": request.correlation_id,
        });
        let response = ApiResponse::json(self.status, &body)?;
        if self.challenge_basic {
            return response
                .with_header(header::WWW_AUTHENTICATE, r#"Basic realm="control-plane""#);
        }
        Ok(response)
    }
}

impl OauthToken {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            issuer: TokenIssuer::new(
                aws_sdk_kms::Client::new(&env.sdk),
                env.var(TOKEN_SIGNING_KEY)?,
                env.var(TOKEN_ISSUER)?,
                env.var(TOKEN_AUDIENCE)?,
            ),
        })
    }

    async fn exchange(
        &self,
        request: &ApiRequest,
    ) -> Result<Result<ApiResponse, OAuthError>, Error> {
        let form = match request.form() {
            Ok(form) => form,
            Err(_) => {
                return Ok(Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "the body must be a form (application/x-www-form-urlencoded), each parameter once",
                )));
            }
        };
        let credentials = match credentials(request, &form) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        match form.get("grant_type").map(String::as_str) {
            Some("client_credentials") => {}
            Some(_) => {
                return Ok(Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "only client_credentials is supported",
                )));
            }
            None => {
                return Ok(Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "grant_type is required",
                )));
            }
        }
        let now = request.now;
        // Bounded, so a client id cannot grow a partition key without limit.
        let subject: String = credentials.client_id.chars().take(64).collect();
        if self
            .store
            .rate_count(&FAILED_ATTEMPTS, &subject, now)
            .await?
            >= FAILED_ATTEMPTS.max
        {
            tracing::warn!(client_id = %subject, "token requests locked out after failures");
            return Err(Error::RateLimited {
                retry_after_seconds: FAILED_ATTEMPTS.retry_after(now),
            });
        }
        let Some((app_id, secret)) = self.authenticate(&credentials, now).await? else {
            let failures = self
                .store
                .rate_increment(&FAILED_ATTEMPTS, &subject, now)
                .await?;
            tracing::warn!(client_id = %subject, failures, "client authentication failed");
            return Ok(Err(OAuthError::invalid_client(Some(credentials.method))));
        };
        let scopes = match form.get("scope") {
            None => secret.scopes.clone(),
            Some(raw) => match AppScope::parse_list(raw) {
                Ok(requested)
                    if requested.iter().all(|s| secret.scopes.contains(s))
                        && !requested.is_empty() =>
                {
                    requested
                }
                _ => {
                    return Ok(Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "the requested scope exceeds what the client secret grants",
                    )));
                }
            },
        };
        let token = self.issuer.issue(app_id, secret.id, &scopes, now).await?;
        tracing::info!(app_id = %app_id, secret_id = %secret.id, "access token issued");
        Ok(Ok(
            ApiResponse::ok(&token)?.with_header(header::PRAGMA, "no-cache")?
        ))
    }

    /// The application and secret, if the credentials are right and both
    /// are usable; `None` for every kind of wrong.
    async fn authenticate(
        &self,
        credentials: &Credentials,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(ApplicationId, cp_domain::ClientSecret)>, Error> {
        let (Ok(app_id), Some(presented)) = (
            credentials.client_id.parse::<ApplicationId>(),
            PresentedSecret::parse(&credentials.client_secret),
        ) else {
            return Ok(None);
        };
        let (app, secret) = self
            .store
            .application_and_secret(app_id, presented.id)
            .await?;
        let (Some(app), Some(secret)) = (app, secret) else {
            return Ok(None);
        };
        let valid = secret.hash == presented.hash()
            && secret.app_id == app.id
            && app.is_active()
            && secret.is_active(now);
        Ok(valid.then_some((app_id, secret)))
    }
}

/// The client's credentials, by exactly one method (RFC 6749 §2.3.1).
fn credentials(
    request: &ApiRequest,
    form: &HashMap<String, String>,
) -> Result<Credentials, OAuthError> {
    let basic = request
        .header(header::AUTHORIZATION.as_str())
        .map_err(|_| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the Authorization header must be visible ASCII",
            )
        })?
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let posted = (form.get("client_id"), form.get("client_secret"));
    match (basic, posted) {
        (Some(_), (_, Some(_))) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "use one client authentication method, not two",
        )),
        (Some(encoded), _) => {
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthError::invalid_client(Some(ClientAuth::Basic)))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::invalid_client(Some(ClientAuth::Basic)))?;
            // Both parts are form-url-encoded before they are joined.
            let decode = |s: &str| {
                url_decode(s).ok_or_else(|| OAuthError::invalid_client(Some(ClientAuth::Basic)))
            };
            Ok(Credentials {
                client_id: decode(id)?,
                client_secret: decode(secret)?,
                method: ClientAuth::Basic,
            })
        }
        (None, (Some(id), Some(secret))) => Ok(Credentials {
            client_id: id.clone(),
            client_secret: secret.clone(),
            method: ClientAuth::Post,
        }),
        (None, _) => Err(OAuthError::invalid_client(None)),
    }
}

/// `application/x-www-form-urlencoded` decoding of one credential.
fn url_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

impl HttpFunction for OauthToken {
    const NAME: &'static str = "oauth-token";
    const CALLERS: Callers = Callers::Anyone;
    const ROUTES: &'static [Route] = &[Route::new("POST /oauth2/token").form()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        match self.exchange(&request).await? {
            Ok(response) => Ok(response),
            Err(oauth) => oauth.response(&request),
        }
    }
}
