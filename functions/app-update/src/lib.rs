//! UC-DEV-UPDATE / FR-SYS-003: `PATCH /v1/applications/{appId}` with any of
//! `name`, `environment`, `owner`, `status` (`Active` or `Disabled`).
//!
//! Disabling takes effect at once: every call with the application's tokens
//! reads its status and is refused, and its secrets cannot be exchanged for
//! new tokens. The event carries the settings before and after.

use cp_api::ApplicationView;
use cp_domain::{AppChanges, Application, ApplicationId, Error, Scope, Target};
use cp_events::{ApplicationState, ApplicationUpdated, Envelope};
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

fn state(app: &Application) -> ApplicationState {
    ApplicationState {
        name: app.name.as_str().to_owned(),
        environment: app.environment,
        owner: app.owner.as_str().to_owned(),
        status: app.status,
    }
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

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
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
                let before = state(app);
                if !app.apply(changes.clone(), request.now) {
                    return Ok(Decision::Unchanged);
                }
                let payload = ApplicationUpdated {
                    app_id: id,
                    before,
                    after: state(app),
                };
                Ok(Decision::Changed(Box::new(
                    Envelope::new(&payload, context.clone()).map_err(|_| Error::Internal)?,
                )))
            })
            .await?;
        tracing::info!(app_id = %id, "application updated");
        ApiResponse::ok(&ApplicationView::from(&app))
    }
}
