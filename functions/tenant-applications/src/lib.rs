//! Which managed applications act for a tenant (UC-PROV-001 steps 3 and 6):
//!
//! - `GET /v1/tenants/{tenantId}/applications`: the enabled applications;
//! - `PUT /v1/tenants/{tenantId}/applications/{appId}`: enable one (it must
//!   be registered and Active, checked in the same transaction);
//! - `DELETE /v1/tenants/{tenantId}/applications/{appId}`: disable one; from
//!   then on the application's calls for this tenant are refused.
//!
//! Operators change them; whoever may read the tenant may list them.
//! Enabling twice or disabling a disabled one changes nothing.

use cp_api::ApplicationView;
use cp_domain::{ApplicationId, Error, Scope, Target, Tenant, TenantId, TenantStatus};
use cp_events::{TenantApplicationDisabled, TenantApplicationEnabled};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use serde::Serialize;

#[derive(Debug)]
pub struct TenantApplications {
    store: Store,
}

#[derive(Debug, Serialize)]
struct EnabledApplications {
    tenant_id: TenantId,
    items: Vec<ApplicationView>,
}

impl TenantApplications {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }

    async fn list(&self, tenant: &Tenant) -> Result<ApiResponse, Error> {
        let ids: Vec<ApplicationId> = tenant.applications.iter().copied().collect();
        let apps = self.store.applications(&ids).await?;
        ApiResponse::ok(&EnabledApplications {
            tenant_id: tenant.id,
            items: apps.iter().map(ApplicationView::from).collect(),
        })
    }

    /// Enables or disables `app`; one transaction with the event (and, when
    /// enabling, the check that the application is Active).
    async fn set(
        &self,
        request: &ApiRequest,
        id: TenantId,
        app: ApplicationId,
        enabled: bool,
    ) -> Result<Tenant, Error> {
        let context = request.event_context();
        let tenant = self
            .store
            .update_guarded(
                id,
                |tenant: &mut Tenant| {
                    let transition = tenant.set_application(app, enabled, request.now)?;
                    if enabled {
                        let payload = TenantApplicationEnabled {
                            tenant_id: id,
                            app_id: app,
                        };
                        Decision::of(transition, &payload, &context)
                    } else {
                        let payload = TenantApplicationDisabled {
                            tenant_id: id,
                            app_id: app,
                        };
                        Decision::of(transition, &payload, &context)
                    }
                },
                |writes| {
                    if enabled {
                        writes.require_active_application(app)?;
                    }
                    Ok(())
                },
            )
            .await?;
        tracing::info!(tenant_id = %id, app_id = %app, enabled, "tenant application set");
        Ok(tenant)
    }
}

pub const LIST: &str = "GET /v1/tenants/{tenantId}/applications";
pub const ENABLE: &str = "PUT /v1/tenants/{tenantId}/applications/{appId}";
pub const DISABLE: &str = "DELETE /v1/tenants/{tenantId}/applications/{appId}";

impl HttpFunction for TenantApplications {
    const NAME: &'static str = "tenant-applications";
    const ROUTES: &'static [Route] = &[Route::new(LIST), Route::new(ENABLE), Route::new(DISABLE)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let id: TenantId = request.id_param("tenantId")?;
        if request.route_key() == LIST {
            request
                .principal
                .authorize(Scope::TenantsRead, Target::Tenant(id))?;
            let tenant = self.store.tenant(id).await?.ok_or(Error::NotFound)?;
            if tenant.status == TenantStatus::Purged {
                return Err(Error::Gone);
            }
            return self.list(&tenant).await;
        }
        request
            .principal
            .authorize(Scope::TenantsWrite, Target::Platform)?;
        let app: ApplicationId = request.id_param("appId")?;
        let tenant = self
            .set(&request, id, app, request.route_key() == ENABLE)
            .await?;
        self.list(&tenant).await
    }
}
