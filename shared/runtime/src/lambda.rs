//! The entry points a function's `main` calls. Init does only what cannot
//! wait: read the configuration and build the SDK clients (no network).

use crate::http::{Callers, HttpAdapter, HttpFunction};
use crate::{ConfigError, FunctionEnv, SystemClock, telemetry};
use cp_auth::PrincipalResolver;
use lambda_http::{Body, Request, Response, service_fn};
use std::convert::Infallible;
use std::sync::Arc;

/// Runs an HTTP use case on Lambda, behind API Gateway.
pub async fn serve_http<F, B>(build: B) -> Result<(), lambda_http::Error>
where
    F: HttpFunction,
    B: FnOnce(&FunctionEnv) -> Result<F, ConfigError>,
{
    telemetry::init();
    let env = FunctionEnv::from_process().await;
    let adapter = http_adapter(&env, build)?;
    let adapter = &adapter;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<Response<Body>, Infallible>(adapter.call(request).await)
    }))
    .await
}

/// The adapter for a use case: its own resolver and the wall clock.
pub fn http_adapter<F, B>(env: &FunctionEnv, build: B) -> Result<HttpAdapter<F>, ConfigError>
where
    F: HttpFunction,
    B: FnOnce(&FunctionEnv) -> Result<F, ConfigError>,
{
    let function = build(env)?;
    let resolver = match F::CALLERS {
        Callers::Anyone => None,
        Callers::People | Callers::Applications | Callers::SignedIn => {
            Some(Arc::new(PrincipalResolver::new(env.store()?)))
        }
    };
    Ok(HttpAdapter::new(function, resolver, Arc::new(SystemClock)))
}

/// Sets up logging and the environment for an event-driven function.
pub async fn init_events() -> FunctionEnv {
    telemetry::init();
    FunctionEnv::from_process().await
}
