//! UC-OPS-TENANT-DELETE / FR-OPS-002: `POST /v1/tenants/{tenantId}/delete`
//! and `POST /v1/tenants/{tenantId}/restore`. Operators only.
//!
//! Deleting needs explicit acknowledgment: the body repeats the tenant's
//! domain (`{"confirm_domain": "acme"}`), so a wrong id in a script cannot
//! delete another tenant. The tenant becomes PendingDeletion with `purge_at`
//! 30 days ahead, denied like a suspended one, and answers 202: the purge
//! happens later (`tenant-purge`). Restoring within the grace period returns
//! it to the status it had; after it, restore is ERR-VAL-422, and once
//! purged every call is ERR-RES-410.

use cp_api::TenantView;
use cp_domain::{Error, Scope, Target, Tenant, TenantId, TenantStatus};
use cp_events::{TenantDeletionRequested, TenantRestored};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    confirm_domain: Option<String>,
}

#[derive(Debug)]
pub struct TenantDelete {
    store: Store,
}

impl TenantDelete {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

pub const DELETE: &str = "POST /v1/tenants/{tenantId}/delete";
pub const RESTORE: &str = "POST /v1/tenants/{tenantId}/restore";

impl HttpFunction for TenantDelete {
    const NAME: &'static str = "tenant-delete";
    const ROUTES: &'static [Route] = &[Route::new(DELETE).json(), Route::new(RESTORE)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let id: TenantId = request.id_param("tenantId")?;
        request
            .principal
            .authorize(Scope::TenantsWrite, Target::Platform)?;
        let context = request.event_context();
        let now = request.now;
        if request.route_key() == RESTORE {
            let tenant = self
                .store
                .update(id, |tenant: &mut Tenant| {
                    let transition = tenant.restore(now)?;
                    let payload = TenantRestored {
                        tenant_id: id,
                        status: tenant.status,
                    };
                    Decision::of(transition, &payload, &context)
                })
                .await?;
            tracing::info!(tenant_id = %id, "tenant restored");
            return ApiResponse::ok(&TenantView::from(&tenant));
        }

        let body: DeleteBody = request.json()?;
        let confirmation = body.confirm_domain.ok_or_else(|| {
            Error::invalid("confirm_domain", "is required: repeat the tenant's domain")
        })?;
        let tenant = self
            .store
            .update(id, |tenant: &mut Tenant| {
                if tenant.status == TenantStatus::Purged {
                    return Err(Error::Gone);
                }
                if !confirmation
                    .trim()
                    .eq_ignore_ascii_case(tenant.domain.as_str())
                {
                    return Err(Error::invalid(
                        "confirm_domain",
                        "does not match the tenant's domain",
                    ));
                }
                let previous_status = tenant.status;
                let transition = tenant.request_deletion(now)?;
                let payload = TenantDeletionRequested {
                    tenant_id: id,
                    purge_at: tenant.purge_at.unwrap_or(now),
                    previous_status,
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        tracing::info!(tenant_id = %id, "tenant deletion requested");
        ApiResponse::json(StatusCode::ACCEPTED, &TenantView::from(&tenant))
    }
}
