//! `GET /v1/me`: who the caller is, as the control plane sees them.
//!
//! The console and the CLI call it right after signing in (a platform
//! person's User record was created by their first sign-in: FR-SYS-004). A
//! tenant user learns their email, role and their tenant's name, status
//! and plan (FR-TENANT-003), in one read; a platform person reads nothing.

use cp_api::{MeView, MyTenantView};
use cp_domain::{Error, Principal};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

#[derive(Debug)]
pub struct MemberMe {
    store: Store,
}

impl MemberMe {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        let store = env.store()?;
        Ok(Self { store })
    }
}

impl HttpFunction for MemberMe {
    const NAME: &'static str = "member-me";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/me")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
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
