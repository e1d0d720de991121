//! FR-TENANT-003 contract modification: `PUT /v1/tenant/plan` {plan}.
//!
//! Only the tenant's Owner changes its plan; the tenant is the caller's.
//! The change and `tenant.plan_changed` are one write (flags and billing
//! react to the event). Setting the plan it has changes nothing.

use cp_api::MyTenantView;
use cp_domain::{Error, Plan, Scope, Tenant};
use cp_events::TenantPlanChanged;
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    plan: Option<String>,
}

#[derive(Debug)]
pub struct TenantPlan {
    store: Store,
}

impl TenantPlan {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for TenantPlan {
    const NAME: &'static str = "tenant-plan";
    const ROUTES: &'static [Route] = &[Route::new("PUT /v1/tenant/plan").json()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let owner = request.principal.member(Scope::TenantConfigure)?;
        let body: Body = request.json()?;
        let plan = Plan::parse(
            body.plan
                .as_deref()
                .ok_or_else(|| Error::invalid("plan", "is required"))?,
        )?;
        let context = request.event_context();
        let now = request.now;
        let tenant = self
            .store
            .update(owner.tenant_id, |tenant: &mut Tenant| {
                let (previous_plan, transition) = tenant.change_plan(plan, now)?;
                let payload = TenantPlanChanged {
                    tenant_id: tenant.id,
                    previous_plan,
                    plan,
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        ApiResponse::ok(&MyTenantView::from(&tenant))
    }
}
