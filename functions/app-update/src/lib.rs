//! UC-DEV-UPDATE / FR-SYS-003: `PATCH /v1/applications/{appId}` with any of
//! `name`, `environment`, `owner`, `status` (`Active` or `Disabled`).
//!
//! Disabling takes effect at once: every call with the application's tokens
//! reads its status and is refused, and its secrets cannot be exchanged for
//! new tokens. The event carries the settings before and after.
//!
//! FR-BILL-003: `PUT /v1/applications/{appId}/billing-reader` designates the
//! application as a billing reader, `DELETE` withdraws it; operators only.
//! Only a designated application's `billing:read` takes effect (the billing
//! feed holds every tenant's usage), from its next request on; each change
//! is an event, and so in the platform's audit trail.
//!
//! `PUT /v1/applications/{appId}/client` registers the application as an
//! OpenID Connect client of the control plane (its users sign in through
//! it): client type, redirect URIs, post-logout redirect URIs, back-channel
//! logout URI, grants; validated strictly (https but on loopback, no
//! wildcard, fragment or user information; doc/adr/0042). It replaces the
//! whole registration; the same again changes nothing.

use cp_api::ApplicationView;
use cp_domain::oauth::{ClientConfig, ClientRegistration};
use cp_domain::{AppChanges, Application, ApplicationId, Error, Scope, Target};
use cp_events::{
    ApplicationBillingReaderDesignated, ApplicationBillingReaderWithdrawn,
    ApplicationClientRegistered, ApplicationState, ApplicationUpdated, Envelope,
};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Decision, Store};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: Option<String>,
    environment: Option<String>,
    owner: Option<String>,
    status: Option<String>,
}

#[derive(Debug)]
pub struct AppUpdate {
    store: Store,
}

impl AppUpdate {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for AppUpdate {
    const NAME: &'static str = "app-update";
    const ROUTES: &'static [Route] = &[
        Route::new(UPDATE).json(),
        Route::new(DESIGNATE_BILLING_READER),
        Route::new(WITHDRAW_BILLING_READER),
        Route::new(REGISTER_CLIENT).json(),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        match request.route_key() {
            UPDATE => self.update(&request).await,
            DESIGNATE_BILLING_READER => self.billing_reader(&request, true).await,
            WITHDRAW_BILLING_READER => self.billing_reader(&request, false).await,
            REGISTER_CLIENT => self.register_client(&request).await,
            _ => Err(Error::NotFound),
        }
    }
}

impl AppUpdate {
    async fn update(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id: ApplicationId = request.id_param("appId")?;
        request
            .principal
            .authorize(Scope::AppsWrite, Target::Platform)?;
        let body: Body = request.json()?;
        let changes = AppChanges::parse(
            body.name.as_deref(),
            body.environment.as_deref(),
            body.owner.as_deref(),
            body.status.as_deref(),
        )?;
        let context = request.event_context();
        let app = self
            .store
            .update(id, |app: &mut Application| {
                let before = ApplicationState::from(&*app);
                if !app.apply(changes.clone(), request.now) {
                    return Ok(Decision::Unchanged);
                }
                let payload = ApplicationUpdated {
                    app_id: id,
                    before,
                    after: ApplicationState::from(&*app),
                };
                Ok(Decision::Changed(Box::new(Envelope::new(
                    &payload,
                    context.clone(),
                )?)))
            })
            .await?;
        tracing::info!(app_id = %id, "application updated");
        ApiResponse::ok(&ApplicationView::from(&app))
    }

    async fn register_client(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id: ApplicationId = request.id_param("appId")?;
        request
            .principal
            .authorize(Scope::AppsWrite, Target::Platform)?;
        let client = ClientConfig::parse(request.json::<ClientRegistration>()?)?;
        let context = request.event_context();
        let app = self
            .store
            .update(id, |app: &mut Application| {
                let transition = app.register_client(client.clone(), request.now);
                let payload = ApplicationClientRegistered {
                    app_id: id,
                    client: client.clone(),
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        tracing::info!(app_id = %id, "client registration replaced");
        ApiResponse::ok(&ApplicationView::from(&app))
    }

    async fn billing_reader(
        &self,
        request: &ApiRequest,
        designated: bool,
    ) -> Result<ApiResponse, Error> {
        let id: ApplicationId = request.id_param("appId")?;
        request
            .principal
            .authorize(Scope::BillingAdminister, Target::Platform)?;
        let context = request.event_context();
        let app = self
            .store
            .update(id, |app: &mut Application| {
                let transition = app.designate_billing_reader(designated, request.now);
                if designated {
                    Decision::of(
                        transition,
                        &ApplicationBillingReaderDesignated { app_id: id },
                        &context,
                    )
                } else {
                    Decision::of(
                        transition,
                        &ApplicationBillingReaderWithdrawn { app_id: id },
                        &context,
                    )
                }
            })
            .await?;
        tracing::info!(app_id = %id, designated, "billing reader designation set");
        ApiResponse::ok(&ApplicationView::from(&app))
    }
}

pub const UPDATE: &str = "PATCH /v1/applications/{appId}";
pub const DESIGNATE_BILLING_READER: &str = "PUT /v1/applications/{appId}/billing-reader";
pub const WITHDRAW_BILLING_READER: &str = "DELETE /v1/applications/{appId}/billing-reader";
pub const REGISTER_CLIENT: &str = "PUT /v1/applications/{appId}/client";
