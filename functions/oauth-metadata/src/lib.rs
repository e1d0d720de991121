//! The OpenID Provider's public documents, for anyone (relying parties
//! discover the provider here; API Gateway's JWT authorizer fetches them to
//! verify the control plane's tokens):
//!
//! - `GET /.well-known/openid-configuration` and
//!   `GET /.well-known/oauth-authorization-server`: OpenID Connect
//!   Discovery 1.0 and RFC 8414 metadata;
//! - `GET /.well-known/jwks.json`: the KMS signing key's public half.
//!
//! They change only when the key does, so they may be cached for five
//! minutes; the public key is read from KMS once per process.

use cp_domain::Error;
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_tokens::TokenIssuer;
use http::header;

#[derive(Debug)]
pub struct OauthMetadata {
    issuer: TokenIssuer,
}

impl OauthMetadata {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            issuer: env.token_issuer()?,
        })
    }
}

pub const OPENID_CONFIGURATION: &str = "GET /.well-known/openid-configuration";
pub const AUTHORIZATION_SERVER: &str = "GET /.well-known/oauth-authorization-server";
pub const JWKS: &str = "GET /.well-known/jwks.json";

impl HttpFunction for OauthMetadata {
    const NAME: &'static str = "oauth-metadata";
    const CALLERS: Callers = Callers::Anyone;
    const ROUTES: &'static [Route] = &[
        Route::new(OPENID_CONFIGURATION),
        Route::new(AUTHORIZATION_SERVER),
        Route::new(JWKS),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let document = if request.route_key() == JWKS {
            self.issuer.jwks().await?
        } else {
            self.issuer.metadata()
        };
        ApiResponse::ok(&document)?.with_header(header::CACHE_CONTROL, "public, max-age=300")
    }
}
