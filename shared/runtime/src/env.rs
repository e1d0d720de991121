//! A function's configuration: environment variables and the AWS SDK config.
//!
//! Terraform sets the variables on each Lambda; the local gateway hands every
//! function the same names with the local stack's values. Reading them once,
//! at init, means a misconfigured function fails at start, not on a request.

use aws_config::{BehaviorVersion, SdkConfig};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The table every function uses.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The EventBridge bus of domain events.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The verified sender of transactional email.
pub const EMAIL_FROM: &str = "EMAIL_FROM";
/// Where people open the console (invitation links point there).
pub const CONSOLE_URL: &str = "CONSOLE_URL";
/// The `iss` of application access tokens: the control plane's public API
/// URL, under which the token endpoint and JWKS are served.
pub const TOKEN_ISSUER: &str = "TOKEN_ISSUER";
/// The `aud` of application access tokens (the second JWT authorizer's).
pub const TOKEN_AUDIENCE: &str = "TOKEN_AUDIENCE";
/// The asymmetric KMS key (id, ARN or alias) that signs them.
pub const TOKEN_SIGNING_KEY: &str = "TOKEN_SIGNING_KEY";
/// Keys (ids or ARNs, comma-separated) the JWKS publishes beside the
/// signing key without signing with them: the next key of a rotation before
/// it signs, the previous one until its last token has expired (ADR 0042).
pub const TOKEN_PUBLISHED_KEYS: &str = "TOKEN_PUBLISHED_KEYS";
/// The queues by name, with their dead-letter queues, as JSON:
/// `{"audit": {"url": "...", "dead_letter_url": "..."}}` (health); the
/// outbox's dead-letter queue is `"outbox"`, with no `url`.
pub const QUEUE_URLS: &str = "QUEUE_URLS";
/// Where the outbox publisher sets aside what the bus cannot take.
pub const OUTBOX_DEAD_LETTER_URL: &str = "OUTBOX_DEAD_LETTER_URL";
/// The KMS keys by name, as JSON: `{"data": "<key id>"}` (health).
pub const KEY_IDS: &str = "KEY_IDS";
/// The product's own OpenID Connect clients (the console, `cpctl`), as a
/// JSON object of registrations by client id (doc/adr/0042).
pub const OAUTH_CLIENTS: &str = "OAUTH_CLIENTS";
/// The directories people sign in at, as JSON: `{"workforce": {"issuer":
/// ..., "client_id": ..., "client_secret": <KMS ciphertext>}, "customer":
/// {...}}`.
pub const UPSTREAM_DIRECTORIES: &str = "UPSTREAM_DIRECTORIES";
/// The bucket of the audit trail's signed digests (ADR 0029).
pub const AUDIT_DIGEST_BUCKET: &str = "AUDIT_DIGEST_BUCKET";
/// The asymmetric KMS key (id, ARN or alias) that signs them.
pub const AUDIT_DIGEST_KEY: &str = "AUDIT_DIGEST_KEY";

/// The bucket of audit exports' CSV files (FR-LOG-002, ADR 0016).
pub const AUDIT_EXPORT_BUCKET: &str = "AUDIT_EXPORT_BUCKET";

/// Origins (`scheme://host[:port]`, comma-separated) whose requests skip
/// the egress guard's address checks (`cp_egress`, ADR 0015): the local
/// stack's own services on loopback. Only the local stack sets it, never
/// terraform, so no deployed function has it.
pub const EGRESS_TRUSTED_ORIGINS: &str = "EGRESS_TRUSTED_ORIGINS";

/// Where the feature flag catalog is read: the AppConfig Lambda extension's
/// local endpoint for the catalog's application, environment and profile
/// (the local stack serves the same contract; ADR 0032).
pub const FLAG_CATALOG_URL: &str = "FLAG_CATALOG_URL";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
}

/// Looks a variable up by name.
type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything a function's constructor may read.
#[derive(Clone)]
pub struct FunctionEnv {
    pub sdk: SdkConfig,
    vars: Lookup,
    /// Built on first use and shared: one DynamoDB client per function.
    store: Arc<OnceLock<cp_store::Store>>,
}

impl std::fmt::Debug for FunctionEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionEnv").finish_non_exhaustive()
    }
}

impl FunctionEnv {
    /// The Lambda environment: process variables and the default AWS config
    /// chain (which honours `AWS_ENDPOINT_URL`, so a function can be pointed
    /// at an emulator without code).
    pub async fn from_process() -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self {
            sdk,
            vars: Arc::new(|name| std::env::var(name).ok()),
            store: Arc::default(),
        }
    }

    /// A given SDK config and variables (the local gateway, tests).
    pub fn new(sdk: SdkConfig, vars: HashMap<String, String>) -> Self {
        Self {
            sdk,
            vars: Arc::new(move |name| vars.get(name).cloned()),
            store: Arc::default(),
        }
    }

    pub fn var(&self, name: &'static str) -> Result<String, ConfigError> {
        (self.vars)(name)
            .filter(|v| !v.is_empty())
            .ok_or(ConfigError::Missing(name))
    }

    /// The control plane's token issuer, as the `TOKEN_*` variables
    /// configure it: the signing key, the keys of a rotation it publishes
    /// beside it, its issuer URL and the API's audience.
    pub fn token_issuer(&self) -> Result<cp_tokens::TokenIssuer, ConfigError> {
        let kms = aws_sdk_kms::Client::new(&self.sdk);
        Ok(cp_tokens::TokenIssuer::new(
            kms.clone(),
            self.var(TOKEN_SIGNING_KEY)?,
            self.var(TOKEN_ISSUER)?,
            self.var(TOKEN_AUDIENCE)?,
        )
        .publishing(&kms, &self.list(TOKEN_PUBLISHED_KEYS)))
    }

    /// A comma-separated list; empty when unset.
    pub fn list(&self, name: &'static str) -> Vec<String> {
        (self.vars)(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The table, with its client (the same one for every caller).
    pub fn store(&self) -> Result<cp_store::Store, ConfigError> {
        if let Some(store) = self.store.get() {
            return Ok(store.clone());
        }
        let store = cp_store::Store::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            self.var(TABLE_NAME)?,
        );
        Ok(self.store.get_or_init(|| store).clone())
    }
}
