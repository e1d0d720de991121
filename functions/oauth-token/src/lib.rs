//! The OAuth endpoints where a client speaks for itself
//! (doc/adr/0042-the-control-plane-as-openid-provider.md):
//!
//! - `POST /oauth2/token` (RFC 6749 §3.2): `client_credentials`
//!   (FR-SYS-002, §4.4), a managed application's own access token, for its
//!   secret's scopes, valid 15 minutes; `authorization_code` and
//!   `refresh_token` ([`people`]), a person's ID, access and refresh tokens,
//!   for the sign-in the OpenID Provider made; token exchange ([`exchange`],
//!   RFC 8693), a directory's token of a person for the control plane's
//!   access token;
//! - `POST /oauth2/introspect` (RFC 7662) and `POST /oauth2/revoke`
//!   (RFC 7009) ([`introspection`]): what a client's own token is worth
//!   now, and the end of its refresh tokens;
//! - `GET /oauth2/userinfo` (OpenID Connect Core §5.3, [`userinfo`]): who
//!   a person's access token is for, as the control plane knows them now.
//!
//! Confidential clients authenticate with a client secret, public clients
//! by their id alone ([`client_auth`]). Every failed authentication is the
//! same `invalid_client`, whatever was wrong (unknown client, wrong or
//! revoked secret, disabled application), and counts against the client
//! id: after [`FAILED_ATTEMPTS`] failures in a minute, the client gets
//! ERR-RATE-429 until the minute is over, even with the right secret. A
//! client uses only the grants it is registered for (`unauthorized_client`).
//!
//! Errors are RFC 6749 §5.2 JSON with the problem-details members beside
//! them ([`error`]).

mod client_auth;
mod error;
mod exchange;
mod introspection;
mod people;
mod userinfo;

use crate::client_auth::{Authenticated, presented};
use crate::error::OAuthError;
use cp_auth::upstream::directories;
use cp_auth::{Admission, Clients, UpstreamDirectory};
use cp_domain::oauth::Grant;
use cp_domain::oauth::Upstream;
use cp_domain::{AppScope, Error};
use cp_runtime::Route;
use cp_runtime::env::{OAUTH_CLIENTS, TOKEN_AUDIENCE, UPSTREAM_DIRECTORIES};
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{RateLimit, Store};
use cp_tokens::TokenIssuer;
use http::{StatusCode, header};
use serde_json::{Map, Value};
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
    clients: Clients,
    admission: Admission,
    /// The `aud` of the access tokens of the product's own clients.
    api_audience: String,
    /// The directories whose tokens may be exchanged (RFC 8693).
    directories: HashMap<Upstream, UpstreamDirectory>,
}

impl OauthToken {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        let store = env.store()?;
        let api_audience = env.var(TOKEN_AUDIENCE)?;
        let directories = directories(&env.var(UPSTREAM_DIRECTORIES)?)
            .map_err(|e| ConfigError::Invalid(UPSTREAM_DIRECTORIES, e))?
            .into_iter()
            .map(|(upstream, config)| {
                (
                    upstream,
                    UpstreamDirectory::verifying(config.issuer, config.client_id),
                )
            })
            .collect();
        Ok(Self {
            directories,
            clients: Clients::new(store.clone(), &env.var(OAUTH_CLIENTS)?)
                .map_err(|e| ConfigError::Invalid(OAUTH_CLIENTS, e))?,
            admission: Admission::new(store.clone()),
            store,
            issuer: env.token_issuer()?,
            api_audience,
        })
    }

    /// The claims of an access token this issuer signed, unexpired.
    async fn own_access_token(&self, token: &str) -> Result<Option<Map<String, Value>>, Error> {
        self.issuer.read_access_token(token).await
    }

    /// The form and the client that authenticated by it, after the lockout
    /// check; every failure counts against the client id.
    async fn authenticated(&self, request: &ApiRequest) -> Result<Asked, Error> {
        let Ok(form) = request.form() else {
            return Ok(Err(OAuthError::invalid_request(
                "the body must be a form (application/x-www-form-urlencoded), each parameter once",
            )));
        };
        let presented = match presented(request, &form) {
            Ok(presented) => presented,
            Err(e) => return Ok(Err(e)),
        };
        let now = request.now;
        // Bounded, so a client id cannot grow a partition key without limit.
        let subject: String = presented.client_id().chars().take(64).collect();
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
        let Some(authenticated) = self.authenticate(&presented, now).await? else {
            let failures = self
                .store
                .rate_increment(&FAILED_ATTEMPTS, &subject, now)
                .await?;
            tracing::warn!(client_id = %subject, failures, "client authentication failed");
            cp_runtime::metrics::record_auth_failure(Self::NAME, now);
            return Ok(Err(presented.refused()));
        };
        Ok(Ok((form, authenticated)))
    }

    async fn exchange(
        &self,
        request: &ApiRequest,
    ) -> Result<Result<ApiResponse, OAuthError>, Error> {
        let (form, authenticated) = match self.authenticated(request).await? {
            Ok(asked) => asked,
            Err(e) => return Ok(Err(e)),
        };
        let grant = match form.get("grant_type").map(String::as_str) {
            Some(raw) => match Grant::parse(raw) {
                Some(grant) => grant,
                None => {
                    return Ok(Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "unsupported_grant_type",
                        "supported: authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:token-exchange",
                    )));
                }
            },
            None => return Ok(Err(OAuthError::invalid_request("grant_type is required"))),
        };
        if !authenticated.client.config().allows(grant) {
            return Ok(Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                format!("the client is not registered for {}", grant.as_str()),
            )));
        }
        let now = request.now;
        let client = &authenticated.client;
        match grant {
            Grant::ClientCredentials => self.client_credentials(&form, authenticated, now).await,
            Grant::AuthorizationCode => self.authorization_code(request, &form, client).await,
            Grant::RefreshToken => self.refresh_token(request, &form, client).await,
            Grant::TokenExchange if authenticated.secret.is_some() => {
                self.token_exchange(request, &form, client).await
            }
            // Public clients hold no secret to be trusted with it.
            Grant::TokenExchange => Ok(Err(OAuthError::invalid_client(false))),
        }
    }

    /// An application's own token, for the scopes its secret holds (all of
    /// them unless it asks for fewer).
    async fn client_credentials(
        &self,
        form: &HashMap<String, String>,
        authenticated: Authenticated,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<ApiResponse, OAuthError>, Error> {
        let Some(secret) = authenticated.secret else {
            // Public clients are not registered for this grant.
            return Ok(Err(OAuthError::invalid_client(false)));
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
        let token = self
            .issuer
            .issue(secret.app_id, secret.id, &scopes, now)
            .await?;
        tracing::info!(app_id = %secret.app_id, secret_id = %secret.id, "access token issued");
        Ok(Ok(
            ApiResponse::ok(&token)?.with_header(header::PRAGMA, "no-cache")?
        ))
    }
}

/// A form and the client that authenticated by it, or why not.
type Asked = Result<(HashMap<String, String>, Authenticated), OAuthError>;

const TOKEN: &str = "POST /oauth2/token";
const INTROSPECT: &str = "POST /oauth2/introspect";
const REVOKE: &str = "POST /oauth2/revoke";
const USERINFO: &str = "GET /oauth2/userinfo";

impl HttpFunction for OauthToken {
    const NAME: &'static str = "oauth-token";
    const CALLERS: Callers = Callers::Anyone;
    const ROUTES: &'static [Route] = &[
        Route::new(TOKEN).form(),
        Route::new(INTROSPECT).form(),
        Route::new(REVOKE).form(),
        Route::new(USERINFO),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let answer = match request.route_key() {
            TOKEN => self.exchange(&request).await?,
            INTROSPECT => self.introspect(&request).await?,
            REVOKE => self.revoke(&request).await?,
            USERINFO => return self.userinfo(&request).await,
            _ => return Err(Error::NotFound),
        };
        match answer {
            Ok(response) => Ok(response),
            Err(oauth) => oauth.response(&request),
        }
    }
}
