//! Every function the local stack runs, by the name it has in
//! `functions/functions.json`. The same constructors Lambda's `main`s call
//! build them here, from the same environment variable names.

use cp_runtime::http::HttpFunction;
use cp_runtime::lambda::http_adapter;
use cp_runtime::{Callers, ConfigError, FunctionEnv, HttpAdapter, Route};
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// An HTTP function, type-erased so the gateway can route to any of them.
pub trait HttpHandler: Send + Sync {
    fn call(&self, request: Request) -> BoxFuture<'_, Response<Body>>;
    /// Who the function expects; must match its routes' authorizer.
    fn callers(&self) -> Callers;
    /// The routes the function serves, with their request rules.
    fn routes(&self) -> &'static [Route];
}

impl<F: HttpFunction> HttpHandler for HttpAdapter<F> {
    fn call(&self, request: Request) -> BoxFuture<'_, Response<Body>> {
        Box::pin(HttpAdapter::call(self, request))
    }

    fn callers(&self) -> Callers {
        F::CALLERS
    }

    fn routes(&self) -> &'static [Route] {
        F::ROUTES
    }
}

pub type HttpFunctions = HashMap<&'static str, Arc<dyn HttpHandler>>;

fn add<F: HttpFunction>(
    functions: &mut HttpFunctions,
    env: &FunctionEnv,
    build: fn(&FunctionEnv) -> Result<F, ConfigError>,
) -> Result<(), ConfigError> {
    functions.insert(F::NAME, Arc::new(http_adapter(env, build)?));
    Ok(())
}

/// The HTTP functions, each with its own resolver, as in Lambda.
pub fn http_functions(env: &FunctionEnv) -> Result<HttpFunctions, ConfigError> {
    let mut functions = HttpFunctions::new();
    add(&mut functions, env, member_me::MemberMe::from_env)?;
    add(
        &mut functions,
        env,
        tenant_provision::TenantProvision::from_env,
    )?;
    add(&mut functions, env, tenant_read::TenantRead::from_env)?;
    add(&mut functions, env, audit_read::AuditRead::from_env)?;
    add(&mut functions, env, tenant_suspend::TenantSuspend::from_env)?;
    add(&mut functions, env, tenant_delete::TenantDelete::from_env)?;
    add(
        &mut functions,
        env,
        tenant_applications::TenantApplications::from_env,
    )?;
    add(&mut functions, env, app_register::AppRegister::from_env)?;
    add(&mut functions, env, app_update::AppUpdate::from_env)?;
    add(&mut functions, env, app_read::AppRead::from_env)?;
    add(&mut functions, env, app_secrets::AppSecrets::from_env)?;
    add(&mut functions, env, oauth_token::OauthToken::from_env)?;
    add(
        &mut functions,
        env,
        oauth_authorize::OauthAuthorize::from_env,
    )?;
    add(&mut functions, env, oauth_metadata::OauthMetadata::from_env)?;
    add(
        &mut functions,
        env,
        tenant_read_by_app::TenantReadByApp::from_env,
    )?;
    add(&mut functions, env, health::Health::from_env)?;
    add(
        &mut functions,
        env,
        member_invitations::MemberInvitations::from_env,
    )?;
    add(&mut functions, env, member_users::MemberUsers::from_env)?;
    add(
        &mut functions,
        env,
        member_sessions::MemberSessions::from_env,
    )?;
    add(&mut functions, env, tenant_plan::TenantPlan::from_env)?;
    add(
        &mut functions,
        env,
        tenant_settings::TenantSettings::from_env,
    )?;
    add(&mut functions, env, tenant_sso::TenantSso::from_env)?;
    add(
        &mut functions,
        env,
        flag_overrides::FlagOverridesApi::from_env,
    )?;
    add(&mut functions, env, flag_evaluate::FlagEvaluate::from_env)?;
    add(&mut functions, env, billing_ingest::BillingIngest::from_env)?;
    add(&mut functions, env, billing_export::BillingExport::from_env)?;
    add(&mut functions, env, audit_ingest::AuditIngest::from_env)?;
    add(&mut functions, env, export_request::ExportRequest::from_env)?;
    Ok(functions)
}

/// The queue-triggered functions, by name.
pub fn queue_functions(
    env: &FunctionEnv,
) -> Result<HashMap<&'static str, Arc<dyn crate::pollers::QueueHandler>>, ConfigError> {
    let mut functions: HashMap<&'static str, Arc<dyn crate::pollers::QueueHandler>> =
        HashMap::new();
    functions.insert(
        "audit-consumer",
        Arc::new(audit_consumer::AuditConsumer::from_env(env)?),
    );
    functions.insert(
        "billing-consumer",
        Arc::new(billing_consumer::BillingConsumer::from_env(env)?),
    );
    functions.insert(
        "oauth-backchannel",
        Arc::new(oauth_backchannel::OauthBackchannel::from_env(env)?),
    );
    functions.insert(
        "export-job",
        Arc::new(export_job::ExportJob::from_env(env)?),
    );
    Ok(functions)
}

/// The stream-triggered functions, by name.
pub fn stream_functions(
    env: &FunctionEnv,
) -> Result<HashMap<&'static str, Arc<outbox_publisher::OutboxPublisher>>, ConfigError> {
    Ok(HashMap::from([(
        "outbox-publisher",
        Arc::new(outbox_publisher::OutboxPublisher::from_env(env)?),
    )]))
}

/// The scheduled functions, by name.
pub fn schedule_functions(
    env: &FunctionEnv,
) -> Result<HashMap<&'static str, Arc<dyn crate::pollers::ScheduleHandler>>, ConfigError> {
    let mut functions: HashMap<&'static str, Arc<dyn crate::pollers::ScheduleHandler>> =
        HashMap::new();
    functions.insert(
        "tenant-purge",
        Arc::new(tenant_purge::TenantPurge::from_env(env)?),
    );
    functions.insert(
        "audit-digest",
        Arc::new(audit_digest::AuditDigest::from_env(env)?),
    );
    Ok(functions)
}
