//! UC-TENANT-SSO, FR-AUTH-003: a tenant's own identity provider, set by its
//! Owner only. `GET /v1/tenant/sso`; `POST /v1/tenant/sso` {issuer,
//! client_id, client_secret} configures it (a second time is ERR-VAL-409:
//! changing it is explicit); `PUT /v1/tenant/sso` changes it (the secret may
//! be left out to keep it); `DELETE /v1/tenant/sso` removes it.
//!
//! Before anything is saved, the issuer's discovery document is fetched
//! behind an SSRF guard and validated ([`discovery`]); an issuer that fails
//! is ERR-VAL-400 with the reason. The client secret is sealed with KMS
//! envelope encryption, the tenant id in the encryption context
//! ([`cp_aws::Sealer`]), and is never returned or logged. Each change is one
//! transaction with `tenant.sso_changed` (without the secret).

pub mod discovery;

use chrono::{DateTime, Utc};
use cp_aws::Sealer;
use cp_domain::tenant::sso::{check_client_secret, parse_client_id};
use cp_domain::{Error, Scope, SsoConfig, TenantId};
use cp_egress::EgressGuard;
use cp_events::{Envelope, TenantSsoChanged};
use cp_runtime::Route;
use cp_runtime::env::{EGRESS_TRUSTED_ORIGINS, KEY_IDS};
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use discovery::Fetcher;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The configuration as shown: never the secret.
#[derive(Debug, Serialize)]
struct SsoView {
    issuer: String,
    client_id: String,
    client_secret_set: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&SsoConfig> for SsoView {
    fn from(c: &SsoConfig) -> Self {
        Self {
            issuer: c.issuer.clone(),
            client_id: c.client_id.clone(),
            client_secret_set: true,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug)]
pub struct TenantSso {
    store: Store,
    sealer: Sealer,
    fetcher: Fetcher,
}

impl TenantSso {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        let keys: HashMap<String, String> = serde_json::from_str(&env.var(KEY_IDS)?)
            .map_err(|e| ConfigError::Invalid(KEY_IDS, e.to_string()))?;
        let data_key = keys
            .get("data")
            .ok_or_else(|| ConfigError::Invalid(KEY_IDS, "no `data` key".into()))?;
        let guard = env
            .var(EGRESS_TRUSTED_ORIGINS)
            .map(|origins| EgressGuard::from_list(&origins))
            .unwrap_or_default();
        Ok(Self {
            store: env.store()?,
            sealer: Sealer::new(aws_sdk_kms::Client::new(&env.sdk), data_key),
            fetcher: Fetcher::new(guard),
        })
    }

    /// Validates the body's issuer and client id (the issuer by fetching its
    /// discovery document), and seals a given secret.
    async fn prepare(
        &self,
        tenant: TenantId,
        body: &Body,
        secret_required: bool,
    ) -> Result<(String, String, Option<cp_domain::SealedSecret>), Error> {
        let issuer = body
            .issuer
            .as_deref()
            .ok_or_else(|| Error::invalid("issuer", "is required"))?;
        let client_id = parse_client_id(
            body.client_id
                .as_deref()
                .ok_or_else(|| Error::invalid("client_id", "is required"))?,
        )?;
        match body.client_secret.as_deref() {
            Some(secret) => check_client_secret(secret)?,
            None if secret_required => return Err(Error::invalid("client_secret", "is required")),
            None => {}
        }
        let issuer = self.fetcher.issuer(issuer)?;
        let discovery = self.fetcher.discover(&issuer).await?;
        let sealed = match body.client_secret.as_deref() {
            Some(secret) => Some(self.sealer.seal(tenant, secret).await?),
            None => None,
        };
        Ok((discovery.issuer, client_id, sealed))
    }

    fn event(
        request: &ApiRequest,
        tenant: TenantId,
        config: Option<&SsoConfig>,
        secret_changed: bool,
    ) -> Result<Envelope, Error> {
        Envelope::new(
            &TenantSsoChanged {
                tenant_id: tenant,
                issuer: config.map(|c| c.issuer.clone()),
                client_id: config.map(|c| c.client_id.clone()),
                secret_changed,
            },
            request.event_context(),
        )
    }
}

/// Creates the configuration; a second one is ERR-VAL-409 (so a retry is
/// answered by the conflict, and the route takes no `Idempotency-Key`).
pub const CREATE: &str = "POST /v1/tenant/sso";
pub const SHOW: &str = "GET /v1/tenant/sso";
pub const UPDATE: &str = "PUT /v1/tenant/sso";
pub const REMOVE: &str = "DELETE /v1/tenant/sso";

impl HttpFunction for TenantSso {
    const NAME: &'static str = "tenant-sso";
    const ROUTES: &'static [Route] = &[
        Route::new(SHOW),
        Route::new(CREATE).json(),
        Route::new(UPDATE).json(),
        Route::new(REMOVE),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let owner = request.principal.member(Scope::TenantConfigure)?;
        let tenant = owner.tenant_id;
        let mut writes = self.store.writes();
        let (status, config) = match request.route_key() {
            CREATE => {
                let body: Body = request.json()?;
                // Before fetching anything: a second configuration is a
                // conflict whatever its issuer says (the insert's condition
                // still decides a race).
                if self.store.sso(tenant).await?.is_some() {
                    return Err(Error::Conflict(
                        "the tenant has an SSO configuration already; update it instead".into(),
                    ));
                }
                let (issuer, client_id, sealed) = self.prepare(tenant, &body, true).await?;
                let config = SsoConfig {
                    tenant_id: tenant,
                    issuer,
                    client_id,
                    secret: sealed.ok_or(Error::Internal)?,
                    created_at: request.now,
                    updated_at: request.now,
                    version: 1,
                };
                writes.insert_sso(&config)?.event(&Self::event(
                    &request,
                    tenant,
                    Some(&config),
                    true,
                )?)?;
                (StatusCode::CREATED, config)
            }
            UPDATE => {
                let body: Body = request.json()?;
                let mut config = self.store.sso(tenant).await?.ok_or(Error::NotFound)?;
                let (issuer, client_id, sealed) = self.prepare(tenant, &body, false).await?;
                let secret_changed = sealed.is_some();
                config.issuer = issuer;
                config.client_id = client_id;
                if let Some(sealed) = sealed {
                    config.secret = sealed;
                }
                config.updated_at = request.now;
                writes.replace_sso(&config)?.event(&Self::event(
                    &request,
                    tenant,
                    Some(&config),
                    secret_changed,
                )?)?;
                config.version += 1;
                (StatusCode::OK, config)
            }
            REMOVE => {
                let config = self.store.sso(tenant).await?.ok_or(Error::NotFound)?;
                writes
                    .delete_sso(&config)?
                    .event(&Self::event(&request, tenant, None, false)?)?;
                (StatusCode::OK, config)
            }
            SHOW => {
                let config = self.store.sso(tenant).await?.ok_or(Error::NotFound)?;
                return ApiResponse::ok(&SsoView::from(&config));
            }
            _ => return Err(Error::NotFound),
        };
        self.store.commit(writes).await?;
        tracing::info!(tenant_id = %tenant, "SSO configuration changed");
        ApiResponse::json(status, &SsoView::from(&config))
    }
}
