//! UC-PROV-001 Tenant Provisioning: `POST /v1/tenants`.
//!
//! An operator names the tenant, its domain, its plan and its Owner's email.
//! One transaction writes the Active tenant, the guard that keeps its domain
//! unique, the Owner (Invited), the guard on the Owner's email, the
//! invitation (its token only as a hash), the token lookup and the
//! `tenant.provisioned` event. Then the Owner is emailed the single-use link.
//!
//! The applications to enable may be named (`applications`); each must be
//! registered and Active when the transaction commits (ERR-VAL-422 if not).
//!
//! With an `Idempotency-Key`, a retry answers the first response and writes
//! nothing (CC-DAT-001); the email goes out only after the first commit.
//! If the email cannot be sent, the tenant stands and the invitation can be
//! sent again (UC-TENANT-INVITE-RESEND); see doc/adr/0007-invitation-email.md.

use cp_api::ProvisionedView;
use cp_domain::tenant::provisioning::{NewIds, ProvisionTenant, Provisioned, provision};
use cp_domain::{Error, Scope, SecretToken, Target};
use cp_events::{Envelope, TenantProvisioned};
use cp_mail::Mailer;
use cp_runtime::Route;
use cp_runtime::env::{CONSOLE_URL, EMAIL_FROM};
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use serde::Deserialize;

/// The request body. Every field is optional here so that a missing one is
/// reported by name together with the invalid ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: Option<String>,
    domain: Option<String>,
    plan: Option<String>,
    owner_email: Option<String>,
    /// The managed applications to enable (UC-PROV-001 step 3).
    #[serde(default)]
    applications: Vec<String>,
}

#[derive(Debug)]
pub struct TenantProvision {
    store: Store,
    mailer: Mailer,
    console_url: String,
}

impl TenantProvision {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            mailer: Mailer::new(aws_sdk_sesv2::Client::new(&env.sdk), env.var(EMAIL_FROM)?),
            console_url: env.var(CONSOLE_URL)?.trim_end_matches('/').to_owned(),
        })
    }

    async fn send_invitation(&self, p: &Provisioned, token: &SecretToken) {
        let message = cp_mail::invitation(
            p.tenant.name.as_str(),
            p.invitation.role,
            &cp_mail::invitation_link(&self.console_url, token.expose()),
            p.invitation.expires_at,
        );
        match self.mailer.send(&p.invitation.email, &message).await {
            Ok(()) => tracing::info!(
                tenant_id = %p.tenant.id,
                invitation_id = %p.invitation.id,
                "owner invitation sent"
            ),
            Err(_) => tracing::warn!(
                tenant_id = %p.tenant.id,
                invitation_id = %p.invitation.id,
                "owner invitation not sent; it can be resent"
            ),
        }
    }
}

impl HttpFunction for TenantProvision {
    const NAME: &'static str = "tenant-provision";
    const ROUTES: &'static [Route] = &[Route::new("POST /v1/tenants").json().idempotent()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request
            .principal
            .authorize(Scope::TenantsWrite, Target::Platform)?;
        let body: Body = request.json()?;
        let command = ProvisionTenant::parse(
            body.name.as_deref(),
            body.domain.as_deref(),
            body.plan.as_deref(),
            body.owner_email.as_deref(),
        )?
        .enabling(&body.applications)?;
        let token = SecretToken::generate()?;
        let provisioned = provision(command, NewIds::random(), token.hash(), request.now);
        let event = Envelope::new(
            &TenantProvisioned::from(&provisioned),
            request.event_context(),
        )?;
        let Provisioned {
            tenant,
            owner,
            invitation,
        } = &provisioned;
        let mut writes = self.store.writes();
        writes.provision(&provisioned)?.event(&event)?;
        for app in &tenant.applications {
            writes.require_active_application(*app)?;
        }
        let response = ApiResponse::created(
            &ProvisionedView::new(tenant, owner, invitation),
            format!("/v1/tenants/{}", tenant.id),
        )?;
        let response = request.commit(&self.store, writes, response).await?;
        if !response.replayed {
            tracing::info!(tenant_id = %tenant.id, "tenant provisioned");
            self.send_invitation(&provisioned, &token).await;
        }
        Ok(response)
    }
}
