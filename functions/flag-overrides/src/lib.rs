//! FR-FLAG-001: operators see and set a tenant's flags.
//!
//! - `GET /v1/tenants/{tenantId}/flags`: every flag of the catalog with the
//!   tenant's effective value and why (`override`, `plan_default`,
//!   `static`), the plan's default and the override, if any;
//! - `PUT /v1/tenants/{tenantId}/flags/{flagKey}` `{"value": ...}`: sets the
//!   tenant's override (of the flag's type);
//! - `DELETE /v1/tenants/{tenantId}/flags/{flagKey}`: clears it, so the
//!   plan's default applies again.
//!
//! A change is one transaction: the overrides item (version condition) and
//! a `tenant.flag_override_changed` event with the value before and after,
//! which the audit trail records. Repeating a change writes nothing. Reading
//! is for operators and auditors, changing for operators.

use cp_domain::{
    Error, Evaluation, FlagKey, FlagOverrides, FlagType, Plan, Reason, Scope, Target, TenantId,
};
use cp_events::TenantFlagOverrideChanged;
use cp_flags::CatalogSource;
use cp_runtime::Route;
use cp_runtime::env::FLAG_CATALOG_URL;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store, TenantFlags};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug)]
pub struct FlagOverridesApi {
    store: Store,
    catalog: Arc<CatalogSource>,
}

impl FlagOverridesApi {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            catalog: CatalogSource::new(env.var(FLAG_CATALOG_URL)?),
        })
    }
}

/// A flag as operators see it for one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantFlagView {
    pub key: String,
    #[serde(rename = "type")]
    pub flag_type: FlagType,
    pub description: String,
    /// What the tenant's applications get.
    pub value: Value,
    pub reason: Reason,
    /// The default of the tenant's plan.
    pub plan_default: Value,
    /// The operator's value for this tenant, if any.
    #[serde(rename = "override")]
    pub override_value: Option<Value>,
}

impl TenantFlagView {
    fn new(e: &Evaluation<'_>, overrides: &FlagOverrides) -> Self {
        Self {
            key: e.key.to_string(),
            flag_type: e.flag.flag_type,
            description: e.flag.description.clone(),
            value: e.value.clone(),
            reason: e.reason,
            plan_default: e.flag.default_for(e.plan).clone(),
            override_value: overrides.values.get(e.key).cloned(),
        }
    }
}

/// `GET /v1/tenants/{tenantId}/flags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantFlagsView {
    pub tenant_id: TenantId,
    pub plan: Plan,
    /// The catalog version the values come from.
    pub catalog_version: String,
    pub flags: Vec<TenantFlagView>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    value: Value,
}

pub const LIST: &str = "GET /v1/tenants/{tenantId}/flags";
pub const SET: &str = "PUT /v1/tenants/{tenantId}/flags/{flagKey}";
pub const CLEAR: &str = "DELETE /v1/tenants/{tenantId}/flags/{flagKey}";

impl HttpFunction for FlagOverridesApi {
    const NAME: &'static str = "flag-overrides";
    const ROUTES: &'static [Route] = &[Route::new(LIST), Route::new(SET).json(), Route::new(CLEAR)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let changing = request.route_key() != LIST;
        let scope = if changing {
            Scope::TenantsWrite
        } else {
            Scope::TenantsRead
        };
        request.principal.authorize(scope, Target::Platform)?;
        let tenant_id: TenantId = request.id_param("tenantId")?;
        let published = self.catalog.current().await?;
        let catalog = &published.catalog;
        if !changing {
            let (tenant, overrides) = self.store.tenant_and_flags(tenant_id).await?;
            let tenant = tenant.ok_or(Error::NotFound)?;
            return ApiResponse::ok(&TenantFlagsView {
                tenant_id,
                plan: tenant.plan,
                catalog_version: published.version.clone(),
                flags: catalog
                    .evaluate_all(tenant.plan, &overrides)
                    .map(|e| TenantFlagView::new(&e, &overrides))
                    .collect(),
            });
        }

        let key = FlagKey::parse(request.path_param("flagKey")?).map_err(|_| Error::NotFound)?;
        let flag = catalog.flag(&key).ok_or(Error::NotFound)?;
        let value = match request.route_key() {
            SET => Some(request.json::<SetBody>()?.value),
            _ => None,
        };
        if let Some(value) = &value {
            flag.flag_type.check("value", value)?;
        }
        let context = request.event_context();
        let now = request.now;
        let TenantFlags { tenant, overrides } = self
            .store
            .update(tenant_id, |current: &mut TenantFlags| {
                let overrides = &mut current.overrides;
                let (transition, change) = match &value {
                    Some(value) => overrides.set(&key, flag, value.clone(), now)?,
                    None => overrides.clear(&key, now),
                };
                let payload = TenantFlagOverrideChanged {
                    tenant_id,
                    flag_key: key.to_string(),
                    previous_value: change.previous,
                    value: change.value,
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        let evaluation = catalog
            .evaluate(&key, tenant.plan, &overrides)
            .ok_or(Error::NotFound)?;
        ApiResponse::ok(&TenantFlagView::new(&evaluation, &overrides))
    }
}
