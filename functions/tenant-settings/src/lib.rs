//! A tenant's settings, for its Owners and Administrators (FR-TENANT-001,
//! FR-AUTH-006, CON-SEC-001): `GET /v1/tenant/settings` and
//! `PATCH /v1/tenant/settings` {invitation_ttl_days?, password_policy?}.
//!
//! Values are validated within safe bounds (invitations 1–30 days;
//! passwords 8–128 characters) and stored on the tenant with
//! `tenant.settings_changed` (before and after). How the password policy is
//! enforced with Entra External ID doing the sign-in:
//! doc/adr/0014-password-policy.md.

use cp_domain::{Error, PasswordPolicy, Scope, Tenant};
use cp_events::TenantSettingsChanged;
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    invitation_ttl_days: Option<u8>,
    password_policy: Option<PasswordPolicy>,
}

#[derive(Debug)]
pub struct TenantSettings {
    store: Store,
}

impl TenantSettings {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

pub const SHOW: &str = "GET /v1/tenant/settings";
pub const CHANGE: &str = "PATCH /v1/tenant/settings";

impl HttpFunction for TenantSettings {
    const NAME: &'static str = "tenant-settings";
    const ROUTES: &'static [Route] = &[Route::new(SHOW), Route::new(CHANGE).json()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let me = request.principal.member(Scope::MembersManage)?;
        if request.route_key() == SHOW {
            let tenant = self
                .store
                .tenant(me.tenant_id)
                .await?
                .ok_or(Error::NotFound)?;
            return ApiResponse::ok(&tenant.settings);
        }
        let body: Body = request.json()?;
        let context = request.event_context();
        let now = request.now;
        let tenant = self
            .store
            .update(me.tenant_id, |tenant: &mut Tenant| {
                let next = tenant
                    .settings
                    .with(body.invitation_ttl_days, body.password_policy)?;
                let (before, transition) = tenant.change_settings(next, now);
                let payload = TenantSettingsChanged {
                    tenant_id: tenant.id,
                    before,
                    after: next,
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        ApiResponse::ok(&tenant.settings)
    }
}
