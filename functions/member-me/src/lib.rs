//! `GET /v1/me`: who the caller is, as the control plane sees them.
//!
//! The console and the CLI call it right after signing in. For a platform
//! person (operator, auditor) the first call is their first sign-in: it
//! creates their User record, tenant NULL, with the `platform_user.provisioned`
//! event (FR-SYS-004, JIT). Later calls find it and write nothing. A tenant
//! user learns their email, role and their tenant's name, status and plan
//! (FR-TENANT-003), in one read.

use cp_api::{MeView, MyTenantView};
use cp_auth::PrincipalResolver;
use cp_domain::{Error, Principal};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

#[derive(Debug)]
pub struct MemberMe {
    resolver: PrincipalResolver,
    store: Store,
}

impl MemberMe {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        let store = env.store()?;
        Ok(Self {
            resolver: PrincipalResolver::new(store.clone()),
            store,
        })
    }
}

impl HttpFunction for MemberMe {
    const NAME: &'static str = "member-me";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/me")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let claims = request.claims.as_ref().ok_or(Error::InvalidCredentials)?;
        self.resolver
            .sign_in(claims, &request.principal, request.event_context())
            .await?;
        let mut me = MeView::of(&request.principal).ok_or(Error::AccessDenied)?;
        if let (
            Principal::TenantUser {
                user_id, tenant_id, ..
            },
            MeView::TenantUser { email, tenant, .. },
        ) = (&request.principal, &mut me)
        {
            let (user, found) = self.store.user_and_tenant(*tenant_id, *user_id).await?;
            *email = user.map(|u| u.email.as_str().to_owned());
            *tenant = found.as_ref().map(MyTenantView::from);
        }
        ApiResponse::ok(&me)
    }
}
