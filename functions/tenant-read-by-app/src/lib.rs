//! `GET /v1/app/tenants/{tenantId}`: a managed application reads a tenant
//! it acts for (status and plan), with an access token holding
//! `tenants:read`.
//!
//! The tenant must have enabled the application (otherwise ERR-AUTH-403,
//! whatever the id: an application learns nothing about other tenants) and
//! be Active; a suspended or deleting tenant is a 403 that says so, a purged
//! one ERR-RES-410. Every application-facing use case admits its tenant the
//! same way ([`cp_domain::Tenant::admit_application`]).

use cp_api::AppTenantView;
use cp_domain::{AppScope, Error, TenantId};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

#[derive(Debug)]
pub struct TenantReadByApp {
    store: Store,
}

impl TenantReadByApp {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for TenantReadByApp {
    const NAME: &'static str = "tenant-read-by-app";
    const CALLERS: Callers = Callers::Applications;
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/app/tenants/{tenantId}")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let app = request.principal.authorize_app(AppScope::TenantsRead)?;
        let refused = || Error::Refused("the application is not enabled for this tenant".into());
        let id: TenantId = request.id_param("tenantId").map_err(|_| refused())?;
        let tenant = self.store.tenant(id).await?.ok_or_else(refused)?;
        tenant.admit_application(app)?;
        ApiResponse::ok(&AppTenantView::from(&tenant))
    }
}
