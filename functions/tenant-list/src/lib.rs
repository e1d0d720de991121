//! `GET /v1/tenants`: tenants in pages, ordered by domain, optionally only
//! those in one `status` and those whose domain starts with `q`. Platform
//! people only.

use cp_api::{PageView, TenantView};
use cp_domain::{Error, PageSize, Scope, Target, TenantStatus};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Store, TenantQuery};

#[derive(Debug)]
pub struct TenantList {
    store: Store,
}

impl TenantList {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for TenantList {
    const NAME: &'static str = "tenant-list";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/tenants")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request
            .principal
            .authorize(Scope::TenantsRead, Target::Platform)?;
        let query = TenantQuery {
            status: request
                .query("status")?
                .map(TenantStatus::parse)
                .transpose()?,
            domain_prefix: request.query("q")?,
            limit: PageSize::parse(request.query("limit")?)?,
            cursor: request.query("cursor")?,
        };
        let page = self.store.list_tenants(&query).await?;
        ApiResponse::ok(&PageView::<TenantView>::from(page))
    }
}
