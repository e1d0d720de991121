//! `GET /v1/me`: who the caller is, as the control plane sees them.
//!
//! The console and the CLI call it right after signing in. For a platform
//! person (operator, auditor) the first call is their first sign-in: it
//! creates their User record, tenant NULL, with the `platform_user.provisioned`
//! event (FR-SYS-004, JIT). Later calls find it and write nothing.

use cp_api::MeView;
use cp_auth::PrincipalResolver;
use cp_domain::Error;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};

#[derive(Debug)]
pub struct Me {
    resolver: PrincipalResolver,
}

impl Me {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            resolver: PrincipalResolver::new(env.store()?),
        })
    }
}

impl HttpFunction for Me {
    const NAME: &'static str = "me";

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let claims = request.claims.as_ref().ok_or(Error::InvalidCredentials)?;
        self.resolver
            .sign_in(claims, &request.principal, request.event_context())
            .await?;
        ApiResponse::ok(&MeView::of(&request.principal).ok_or(Error::AccessDenied)?)
    }
}
