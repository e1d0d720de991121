//! `GET /v1/applications` (pages, by name) and
//! `GET /v1/applications/{appId}` (with its secrets' metadata, never the
//! secrets). Developers, operators and auditors.

use cp_api::{ApplicationDetailView, ApplicationView, PageView, SecretView};
use cp_domain::{ApplicationId, Error, PageSize, Scope, Target};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

#[derive(Debug)]
pub struct AppRead {
    store: Store,
}

impl AppRead {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

pub const LIST: &str = "GET /v1/applications";
pub const SHOW: &str = "GET /v1/applications/{appId}";

impl HttpFunction for AppRead {
    const NAME: &'static str = "app-read";
    const ROUTES: &'static [Route] = &[Route::new(LIST), Route::new(SHOW)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request
            .principal
            .authorize(Scope::AppsRead, Target::Platform)?;
        if request.route_key() == LIST {
            let page = self
                .store
                .list_applications(
                    PageSize::parse(request.query("limit")?)?,
                    request.query("cursor")?,
                )
                .await?;
            return ApiResponse::ok(&PageView::<ApplicationView>::from(page));
        }
        let id: ApplicationId = request.id_param("appId")?;
        let (app, secrets) = tokio::try_join!(self.store.application(id), self.store.secrets(id))?;
        let app = app.ok_or(Error::NotFound)?;
        ApiResponse::ok(&ApplicationDetailView {
            application: ApplicationView::from(&app),
            secrets: secrets
                .iter()
                .map(|s| SecretView::new(s, request.now))
                .collect(),
        })
    }
}
