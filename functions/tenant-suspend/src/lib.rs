//! UC-TENANT-SUSPEND / FR-OPS-001: `POST /v1/tenants/{tenantId}/suspend`
//! (optional `reason`) and `POST /v1/tenants/{tenantId}/resume`. Operators
//! only.
//!
//! Suspending moves the tenant's session watermark in the same write as the
//! status, so from the moment the call returns every token of its users is
//! refused (ERR-AUTH-440) and its applications are refused too (the tenant
//! is no longer Active). Repeating either call changes nothing and answers
//! the tenant as it is.

use cp_api::TenantView;
use cp_domain::{Error, Scope, Target, Tenant, TenantId};
use cp_events::{TenantResumed, TenantSuspended};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuspendBody {
    reason: Option<String>,
}

const MAX_REASON_CHARS: usize = 500;

#[derive(Debug)]
pub struct TenantSuspend {
    store: Store,
}

impl TenantSuspend {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

pub const SUSPEND: &str = "POST /v1/tenants/{tenantId}/suspend";
pub const RESUME: &str = "POST /v1/tenants/{tenantId}/resume";

impl HttpFunction for TenantSuspend {
    const NAME: &'static str = "tenant-suspend";
    const ROUTES: &'static [Route] = &[Route::new(SUSPEND).optional_json(), Route::new(RESUME)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let id: TenantId = request.id_param("tenantId")?;
        request
            .principal
            .authorize(Scope::TenantsWrite, Target::Platform)?;
        let context = request.event_context();
        let now = request.now;
        let tenant: Tenant = if request.route_key() == SUSPEND {
            let body: SuspendBody = request.optional_json()?;
            let reason = body
                .reason
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty());
            if reason.as_ref().is_some_and(|r| {
                r.chars().count() > MAX_REASON_CHARS || r.chars().any(char::is_control)
            }) {
                return Err(Error::invalid(
                    "reason",
                    format!("must be at most {MAX_REASON_CHARS} printable characters"),
                ));
            }
            self.store
                .update(id, |tenant: &mut Tenant| {
                    let payload = TenantSuspended {
                        tenant_id: id,
                        reason: reason.clone(),
                    };
                    Decision::of(tenant.suspend(reason.clone(), now)?, &payload, &context)
                })
                .await?
        } else {
            self.store
                .update(id, |tenant: &mut Tenant| {
                    Decision::of(
                        tenant.resume(now)?,
                        &TenantResumed { tenant_id: id },
                        &context,
                    )
                })
                .await?
        };
        tracing::info!(tenant_id = %id, status = tenant.status.as_str(), "tenant status set");
        ApiResponse::ok(&TenantView::from(&tenant))
    }
}
