//! Reading tenants:
//!
//! - `GET /v1/tenants/{tenantId}`: one tenant. Operators and auditors see
//!   any; a tenant's own users see only theirs, and any other id is
//!   ERR-RES-404. A purged tenant is ERR-RES-410.
//! - `GET /v1/tenants`: tenants in pages, ordered by domain, optionally only
//!   those in one `status` and those whose domain starts with `q`. Platform
//!   people only.

use cp_api::{PageView, TenantView};
use cp_domain::{Error, PageSize, Scope, Target, TenantId, TenantStatus};
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction, Route};
use cp_store::{Store, TenantQuery};

pub const GET: &str = "GET /v1/tenants/{tenantId}";
pub const LIST: &str = "GET /v1/tenants";

#[derive(Debug)]
pub struct TenantRead {
    store: Store,
}

impl TenantRead {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }

    async fn get(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id: TenantId = request.id_param("tenantId")?;
        request
            .principal
            .authorize(Scope::TenantsRead, Target::Tenant(id))?;
        let tenant = self.store.tenant(id).await?.ok_or(Error::NotFound)?;
        if tenant.status == TenantStatus::Purged {
            return Err(Error::Gone);
        }
        ApiResponse::ok(&TenantView::from(&tenant))
    }

    async fn list(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
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

impl HttpFunction for TenantRead {
    const NAME: &'static str = "tenant-read";
    const ROUTES: &'static [Route] = &[Route::new(GET), Route::new(LIST)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        match request.route_key() {
            GET => self.get(&request).await,
            LIST => self.list(&request).await,
            _ => Err(Error::NotFound),
        }
    }
}
