//! FR-FLAG-002 / API-FLAG: managed applications read their tenant's flags
//! over the OpenFeature Remote Evaluation Protocol (OFREP), so any
//! OpenFeature SDK with its OFREP provider works unchanged.
//!
//! - `POST /ofrep/v1/evaluate/flags`: every flag (bulk), with an `ETag`;
//!   `If-None-Match` with the current one answers 304 without a body;
//! - `POST /ofrep/v1/evaluate/flags/{key}`: one flag;
//! - `GET /ofrep/v1/configuration`: what this provider supports.
//!
//! The application authenticates with its access token (scope
//! `flags:read`). The evaluation context names the tenant in `tenantId` and
//! must carry a `targetingKey` (the subject: a user, or the tenant itself
//! for service-level checks). The tenant is checked here, on every request,
//! against the tenants that enabled the application
//! ([`cp_domain::Tenant::admit_application`]): another tenant's flags are a
//! 403, whatever the id, and a suspended or deleted tenant is a 403 that
//! says so. Evaluating reads one item pair (tenant + overrides) in one
//! `BatchGetItem`; the catalog comes from memory ([`cp_flags`]).
//!
//! Errors of the evaluation itself are OFREP's (`errorCode`,
//! `errorDetails`): `PARSE_ERROR` for a body that is not JSON,
//! `INVALID_CONTEXT`, `TARGETING_KEY_MISSING`, and `FLAG_NOT_FOUND` (404).
//! Authentication and authorization failures are the API's problem
//! documents (401, 403), which OFREP providers take by their status.

use cp_domain::{AppScope, ApplicationId, Error, Evaluation, FlagKey, Reason, TenantId};
use cp_flags::{CatalogSource, Published, REFRESH};
use cp_runtime::Route;
use cp_runtime::env::FLAG_CATALOG_URL;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use http::{StatusCode, header};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The evaluation context attribute that names the tenant.
pub const TENANT_ATTRIBUTE: &str = "tenantId";

#[derive(Debug)]
pub struct FlagEvaluate {
    store: Store,
    catalog: Arc<CatalogSource>,
}

impl FlagEvaluate {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            catalog: CatalogSource::new(env.var(FLAG_CATALOG_URL)?),
        })
    }
}

/// OFREP's error codes for a request it cannot evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ParseError,
    TargetingKeyMissing,
    InvalidContext,
    FlagNotFound,
}

/// An evaluation that could not be made, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub details: String,
}

fn failure(code: ErrorCode, details: &str) -> Failure {
    Failure {
        code,
        details: details.to_owned(),
    }
}

/// The tenant an evaluation context names, once it is well formed.
pub fn context_tenant(body: &[u8]) -> Result<TenantId, Failure> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| failure(ErrorCode::ParseError, "the request body is not JSON"))?;
    let context = body
        .get("context")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            failure(
                ErrorCode::InvalidContext,
                "the request needs a context object",
            )
        })?;
    match context.get("targetingKey") {
        Some(Value::String(key)) if !key.is_empty() => {}
        _ => {
            return Err(failure(
                ErrorCode::TargetingKeyMissing,
                "the context needs a targetingKey",
            ));
        }
    }
    context
        .get(TENANT_ATTRIBUTE)
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            failure(
                ErrorCode::InvalidContext,
                "the context needs the tenant's id in tenantId",
            )
        })
}

/// One flag's OFREP evaluation.
pub fn evaluation_json(e: &Evaluation<'_>, catalog_version: &str) -> Value {
    let (reason, variant) = match e.reason {
        Reason::Override => ("TARGETING_MATCH", "override"),
        Reason::PlanDefault => ("DEFAULT", e.plan.as_str()),
        Reason::Static => ("STATIC", "default"),
    };
    json!({
        "key": e.key,
        "value": e.value,
        "reason": reason,
        "variant": variant,
        "metadata": {"catalogVersion": catalog_version, "plan": e.plan.as_str()},
    })
}

/// The bulk evaluation's body: every flag, in key order.
pub fn bulk_json<'a>(
    evaluations: impl Iterator<Item = Evaluation<'a>>,
    catalog_version: &str,
) -> Value {
    let flags: Vec<Value> = evaluations
        .map(|e| evaluation_json(&e, catalog_version))
        .collect();
    json!({"flags": flags, "metadata": {"catalogVersion": catalog_version}})
}

/// A strong validator of a response body.
pub fn etag(body: &str) -> String {
    format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    )
}

/// Whether `If-None-Match` names `etag` (weak or strong, or `*`).
pub fn matches(if_none_match: Option<&str>, etag: &str) -> bool {
    if_none_match.is_some_and(|header| {
        header.split(',').map(str::trim).any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
        })
    })
}

fn cache_control() -> String {
    format!("private, max-age={}", REFRESH.as_secs())
}

fn ofrep_error(status: StatusCode, key: Option<&str>, f: &Failure) -> Result<ApiResponse, Error> {
    let mut body = Map::new();
    if let Some(key) = key {
        body.insert("key".into(), json!(key));
    }
    body.insert("errorCode".into(), json!(f.code));
    body.insert("errorDetails".into(), json!(f.details));
    ApiResponse::json(status, &body)
}

impl FlagEvaluate {
    /// The tenant's plan and overrides after checking that the application
    /// may act for it; the catalog.
    async fn admitted(
        &self,
        app: ApplicationId,
        tenant_id: TenantId,
    ) -> Result<(cp_store::TenantFlags, Arc<Published>), Error> {
        let refused = || Error::Refused("the application is not enabled for this tenant".into());
        let ((tenant, overrides), published) = tokio::try_join!(
            self.store.tenant_and_flags(tenant_id),
            self.catalog.current()
        )?;
        let tenant = tenant.ok_or_else(refused)?;
        tenant.admit_application(app)?;
        Ok((cp_store::TenantFlags { tenant, overrides }, published))
    }
}

pub const EVALUATE_ALL: &str = "POST /ofrep/v1/evaluate/flags";
pub const EVALUATE_ONE: &str = "POST /ofrep/v1/evaluate/flags/{key}";
pub const CONFIGURATION: &str = "GET /ofrep/v1/configuration";

impl HttpFunction for FlagEvaluate {
    const NAME: &'static str = "flag-evaluate";
    const CALLERS: Callers = Callers::Applications;
    const ROUTES: &'static [Route] = &[
        Route::new(EVALUATE_ALL).own_body(),
        Route::new(EVALUATE_ONE).own_body(),
        Route::new(CONFIGURATION),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let app = request.principal.authorize_app(AppScope::FlagsRead)?;
        if request.route_key() == CONFIGURATION {
            return ApiResponse::ok(&json!({
                "name": "control-plane",
                "capabilities": {
                    "cacheInvalidation": {"polling": {
                        "enabled": true,
                        "minPollingIntervalMs": REFRESH.as_millis() as u64,
                    }},
                    "flagEvaluation": {"supportedTypes": ["boolean", "string", "int", "float", "object"]},
                },
            }));
        }
        let single = request.path_param("key").ok().map(str::to_owned);
        let tenant_id = match context_tenant(&request.body) {
            Ok(tenant) => tenant,
            Err(f) => return ofrep_error(StatusCode::BAD_REQUEST, single.as_deref(), &f),
        };
        let (flags, published) = self.admitted(app, tenant_id).await?;
        let (plan, overrides) = (flags.tenant.plan, &flags.overrides);
        let version = &published.version;

        let Some(key) = single else {
            let body = serde_json::to_string(&bulk_json(
                published.catalog.evaluate_all(plan, overrides),
                version,
            ))
            .map_err(|_| Error::Internal)?;
            let tag = etag(&body);
            let response = if matches(request.header("if-none-match")?, &tag) {
                ApiResponse {
                    status: StatusCode::NOT_MODIFIED,
                    body: String::new(),
                    location: None,
                    replayed: false,
                    headers: Default::default(),
                }
            } else {
                ApiResponse {
                    body,
                    ..ApiResponse::json(StatusCode::OK, &())?
                }
            };
            return response
                .with_header(header::ETAG, &tag)?
                .with_header(header::CACHE_CONTROL, &cache_control());
        };
        let not_found = || failure(ErrorCode::FlagNotFound, "no flag with this key");
        let evaluation = FlagKey::parse(&key).ok().and_then(|k| {
            published
                .catalog
                .evaluate(&k, plan, overrides)
                .map(|e| evaluation_json(&e, version))
        });
        match evaluation {
            Some(body) => {
                ApiResponse::ok(&body)?.with_header(header::CACHE_CONTROL, &cache_control())
            }
            None => ofrep_error(StatusCode::NOT_FOUND, Some(&key), &not_found()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn api_flag_the_context_names_a_tenant_and_a_targeting_key() {
        let tenant = TenantId::random();
        let ok = json!({"context": {"targetingKey": "user-1", "tenantId": tenant.to_string()}});
        assert_eq!(context_tenant(ok.to_string().as_bytes()), Ok(tenant));
        let code = |body: &str| context_tenant(body.as_bytes()).unwrap_err().code;
        assert_eq!(code("{not json"), ErrorCode::ParseError);
        assert_eq!(code("{}"), ErrorCode::InvalidContext);
        assert_eq!(code(r#"{"context": []}"#), ErrorCode::InvalidContext);
        assert_eq!(
            code(&json!({"context": {"tenantId": tenant.to_string()}}).to_string()),
            ErrorCode::TargetingKeyMissing
        );
        assert_eq!(
            code(r#"{"context": {"targetingKey": "", "tenantId": "x"}}"#),
            ErrorCode::TargetingKeyMissing
        );
        assert_eq!(
            code(r#"{"context": {"targetingKey": "u", "tenantId": "not-a-uuid"}}"#),
            ErrorCode::InvalidContext
        );
        assert_eq!(
            code(r#"{"context": {"targetingKey": "u"}}"#),
            ErrorCode::InvalidContext
        );
    }

    #[test]
    fn api_flag_if_none_match_names_the_current_etag() {
        let tag = etag("{\"flags\":[]}");
        assert!(matches(Some(&tag), &tag));
        assert!(matches(Some(&format!("\"old\", W/{tag}")), &tag));
        assert!(matches(Some("*"), &tag));
        assert!(!matches(Some("\"old\""), &tag));
        assert!(!matches(None, &tag));
        assert_ne!(etag("a"), etag("b"));
    }
}
