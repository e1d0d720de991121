//! The feature flag catalog in the local AWS, and the AppConfig Lambda
//! extension's HTTP contract in front of it (ADR 0032).
//!
//! moto has AppConfig's applications, configuration profiles and hosted
//! configuration versions, but neither environments, deployments nor the
//! data plane. In AWS a function reads the deployed version from the
//! extension at `http://localhost:2772/applications/{app}/environments/{env}/configurations/{profile}`;
//! here the stack serves that same path on a port of its own, answering with
//! the newest hosted version in moto (every version counts as deployed at
//! once: there is nothing to deploy with). The functions' code and their
//! `FLAG_CATALOG_URL` shape are the same in both places.

use crate::definitions::{FLAG_CATALOG_JSON, Flags};
use crate::error::BootstrapError;
use aws_config::SdkConfig;
use aws_sdk_appconfig::Client;
use aws_sdk_appconfig::error::DisplayErrorContext;
use aws_sdk_appconfig::primitives::Blob;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// The catalog's AppConfig resources, by name and by the emulator's ids.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FlagCatalog {
    pub application: String,
    pub application_id: String,
    pub environment: String,
    pub profile: String,
    pub profile_id: String,
}

impl FlagCatalog {
    /// The extension's path of this configuration.
    pub fn path(&self) -> String {
        format!(
            "/applications/{}/environments/{}/configurations/{}",
            self.application, self.environment, self.profile
        )
    }
}

fn failed<E: std::error::Error>(what: &'static str) -> impl FnOnce(E) -> BootstrapError {
    move |e| BootstrapError::new(what, DisplayErrorContext(e).to_string())
}

/// Creates the application and the freeform profile and publishes the
/// repository's catalog as its first hosted version.
pub async fn publish(
    sdk: &SdkConfig,
    flags: &Flags,
    prefix: &str,
) -> Result<FlagCatalog, BootstrapError> {
    let appconfig = Client::new(sdk);
    let application = format!("{prefix}{}", flags.application);
    let created = appconfig
        .create_application()
        .name(&application)
        .send()
        .await
        .map_err(failed("appconfig application"))?;
    let application_id = created.id().unwrap_or_default().to_owned();
    let profile = appconfig
        .create_configuration_profile()
        .application_id(&application_id)
        .name(&flags.profile)
        .location_uri("hosted")
        .r#type("AWS.Freeform")
        .send()
        .await
        .map_err(failed("appconfig profile"))?;
    let profile_id = profile.id().unwrap_or_default().to_owned();
    appconfig
        .create_hosted_configuration_version()
        .application_id(&application_id)
        .configuration_profile_id(&profile_id)
        .content_type("application/json")
        .content(Blob::new(FLAG_CATALOG_JSON.as_bytes()))
        .send()
        .await
        .map_err(failed("flag catalog"))?;
    Ok(FlagCatalog {
        application,
        application_id,
        environment: flags.environment.clone(),
        profile: flags.profile.clone(),
        profile_id,
    })
}

struct Extension {
    appconfig: Client,
    catalog: FlagCatalog,
    /// The newest version seen; newer ones are looked for from here.
    latest: AtomicI32,
}

/// The extension's HTTP contract, for the catalog's configuration.
pub fn extension(sdk: &SdkConfig, catalog: FlagCatalog) -> axum::Router {
    let state = Arc::new(Extension {
        appconfig: Client::new(sdk),
        catalog,
        latest: AtomicI32::new(1),
    });
    axum::Router::new()
        .route(
            "/applications/{application}/environments/{environment}/configurations/{profile}",
            axum::routing::get(configuration),
        )
        .with_state(state)
}

async fn configuration(
    State(extension): State<Arc<Extension>>,
    Path((application, environment, profile)): Path<(String, String, String)>,
) -> Response {
    let catalog = &extension.catalog;
    let named = |name: &str, id: &str, asked: &str| asked == name || asked == id;
    if !named(&catalog.application, &catalog.application_id, &application)
        || environment != catalog.environment
        || !named(&catalog.profile, &catalog.profile_id, &profile)
    {
        return (StatusCode::NOT_FOUND, "no such configuration").into_response();
    }
    // moto cannot list versions: look for newer ones past the newest seen.
    let get = |version: i32| {
        extension
            .appconfig
            .get_hosted_configuration_version()
            .application_id(&catalog.application_id)
            .configuration_profile_id(&catalog.profile_id)
            .version_number(version)
            .send()
    };
    let mut version = extension.latest.load(Ordering::Acquire);
    let mut found = match get(version).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %DisplayErrorContext(e), "flag catalog");
            return StatusCode::BAD_GATEWAY.into_response();
        }
    };
    while let Ok(newer) = get(version + 1).await {
        version += 1;
        found = newer;
    }
    extension.latest.fetch_max(version, Ordering::AcqRel);
    let content_type = found
        .content_type()
        .unwrap_or("application/json")
        .to_owned();
    let body = found
        .content()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::HeaderName::from_static("configuration-version"),
                version.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}
