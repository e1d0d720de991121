//! UC-DEV-REGISTER / FR-SYS-001: `POST /v1/applications`. Developers (and
//! operators) register a managed application by name, environment and
//! owner, and get its id, which is also its OAuth `client_id`. Its client
//! secret is issued separately (`POST /v1/applications/{appId}/secrets`), so
//! that a secret is never stored for an idempotent replay; the CLI's
//! `apps register` does both in one command.

use cp_api::ApplicationView;
use cp_domain::{Application, ApplicationId, Error, RegisterApp, Scope, Target};
use cp_events::{ApplicationRegistered, Envelope};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: Option<String>,
    environment: Option<String>,
    owner: Option<String>,
}

#[derive(Debug)]
pub struct AppRegister {
    store: Store,
}

impl AppRegister {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for AppRegister {
    const NAME: &'static str = "app-register";
    const ROUTES: &'static [Route] = &[Route::new("POST /v1/applications").json().idempotent()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request
            .principal
            .authorize(Scope::AppsWrite, Target::Platform)?;
        let body: Body = request.json()?;
        let command = RegisterApp::parse(
            body.name.as_deref(),
            body.environment.as_deref(),
            body.owner.as_deref(),
        )?;
        let app = Application::register(ApplicationId::random(), command, request.now);
        let event = Envelope::new(&ApplicationRegistered::from(&app), request.event_context())?;
        let mut writes = self.store.writes();
        writes.insert_application(&app)?.event(&event)?;
        let response = ApiResponse::created(
            &ApplicationView::from(&app),
            format!("/v1/applications/{}", app.id),
        )?;
        let response = request.commit(&self.store, writes, response).await?;
        if !response.replayed {
            tracing::info!(app_id = %app.id, "application registered");
        }
        Ok(response)
    }
}
