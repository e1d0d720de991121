//! `GET /v1/tenants/{tenantId}`: one tenant. Operators and auditors see any;
//! a tenant's own users see only theirs, and any other id is ERR-RES-404. A
//! purged tenant is ERR-RES-410.

use cp_api::TenantView;
use cp_domain::{Error, Scope, Target, TenantId, TenantStatus};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

#[derive(Debug)]
pub struct TenantGet {
    store: Store,
}

impl TenantGet {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for TenantGet {
    const NAME: &'static str = "tenant-get";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/tenants/{tenantId}")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        // A malformed id cannot name an existing tenant.
        let id: TenantId = request
            .path_param("tenantId")?
            .parse()
            .map_err(|_| Error::NotFound)?;
        request
            .principal
            .authorize(Scope::TenantsRead, Target::Tenant(id))?;
        let tenant = self.store.tenant(id).await?.ok_or(Error::NotFound)?;
        if tenant.status == TenantStatus::Purged {
            return Err(Error::Gone);
        }
        ApiResponse::ok(&TenantView::from(&tenant))
    }
}
