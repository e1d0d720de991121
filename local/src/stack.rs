//! The whole local stack in one value: emulators, resources, gateway and
//! event source mappings. Dropping it stops everything it started.

use crate::bootstrap::{self, Created};
use crate::console::{Console, ConsoleConfig, security_headers};
use crate::definitions::{self, Trigger};
use crate::gateway::Gateway;
use crate::processes::{self, Managed};
use crate::{pollers, registry};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use cp_auth::{EdgeConfig, JwtVerifier};
use cp_runtime::FunctionEnv;
use cp_runtime::env::{
    AUDIT_DIGEST_BUCKET, AUDIT_DIGEST_KEY, AUDIT_EXPORT_BUCKET, CONSOLE_URL, EMAIL_FROM,
    EVENT_BUS_NAME, FLAG_CATALOG_URL, KEY_IDS, OAUTH_CLIENTS, OUTBOX_DEAD_LETTER_URL, QUEUE_URLS,
    TABLE_NAME, TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_PUBLISHED_KEYS, TOKEN_SIGNING_KEY,
    UPSTREAM_DIRECTORIES,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;

/// The OAuth client id the local stack's tokens are issued to; the gateway
/// accepts it as audience.
pub const CLIENT_ID: &str = "control-plane-local";
/// Tokyo: data stays in Japan or the EU (NFR-DATA-001), locally too.
pub const REGION: &str = "ap-northeast-1";
/// The console's sign-in callback (registered with the OIDC provider).
pub const CONSOLE_CALLBACK: &str = "/callback";
/// The product's own clients of the control plane's OpenID Provider.
pub const CONSOLE_CLIENT_ID: &str = "console";
pub const CLI_CLIENT_ID: &str = "cpctl";
/// Where the upstream directories send people back to the control plane.
pub const UPSTREAM_CALLBACK: &str = "/oauth2/callback";
/// The control plane's client secret at the local directories (which
/// accept any); sealed with the data key as terraform seals the real ones.
const UPSTREAM_SECRET: &str = "local-upstream-secret";

#[derive(Debug, Clone)]
pub struct StackOptions {
    pub venv: PathBuf,
    /// Where logs and `stack.json` go.
    pub state_dir: PathBuf,
    /// 0 picks a free port.
    pub gateway_port: u16,
    pub moto_port: u16,
    /// The workforce directory (and, until the edge trusts only the control
    /// plane, the people issuer the gateway accepts).
    pub oidc_port: u16,
    /// The customers' directory (Entra External ID).
    pub customer_oidc_port: u16,
    /// Prefix of every resource name.
    pub prefix: String,
    /// The built console (`console/dist`), served at the gateway's `/`.
    pub console_dir: PathBuf,
    /// Origins of managed applications running on this machine (e.g.
    /// `examples/`), which back-channel logout may reach although they
    /// listen on loopback.
    pub application_origins: Vec<String>,
}

/// Where everything is; written to `<state dir>/stack.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackInfo {
    pub gateway_url: String,
    pub aws_endpoint_url: String,
    pub region: String,
    pub oidc_issuer: String,
    /// The customers' directory.
    pub customer_issuer: String,
    pub client_id: String,
    /// The OpenID Provider's own clients and upstream directories, as the
    /// functions are configured with them (`OAUTH_CLIENTS`,
    /// `UPSTREAM_DIRECTORIES`).
    pub oauth_clients: String,
    pub upstream_directories: String,
    pub console_url: String,
    /// Where the local back-channel logout receiver listens
    /// ([`crate::receiver`]): register `<it>/backchannel/<name>`.
    pub backchannel_receiver_url: String,
    /// Managed applications on this machine the egress guard lets through.
    #[serde(default)]
    pub application_origins: Vec<String>,
    /// The `iss` and `aud` of applications' access tokens.
    pub token_issuer: String,
    pub token_audience: String,
    /// Where the AppConfig extension's contract is served (in Lambda:
    /// `http://localhost:2772`).
    pub appconfig_extension_url: String,
    pub resources: Created,
}

impl StackInfo {
    /// An SDK config for the local AWS (static test credentials).
    pub async fn sdk_config(&self) -> SdkConfig {
        local_sdk_config(&self.aws_endpoint_url).await
    }

    /// What each function is configured with, as terraform would set it.
    pub fn function_variables(&self) -> HashMap<String, String> {
        [
            (TABLE_NAME, self.resources.table.clone()),
            (EVENT_BUS_NAME, self.resources.bus.clone()),
            (EMAIL_FROM, self.resources.email_sender.clone()),
            (CONSOLE_URL, self.console_url.clone()),
            (TOKEN_ISSUER, self.token_issuer.clone()),
            (TOKEN_AUDIENCE, self.token_audience.clone()),
            (TOKEN_SIGNING_KEY, self.resources.token_signing_key.clone()),
            (
                TOKEN_PUBLISHED_KEYS,
                self.resources.token_published_keys.join(","),
            ),
            (OAUTH_CLIENTS, self.oauth_clients.clone()),
            (UPSTREAM_DIRECTORIES, self.upstream_directories.clone()),
            (
                OUTBOX_DEAD_LETTER_URL,
                self.resources.outbox_dead_letter.url.clone(),
            ),
            // The local stack's own services that outbound requests to
            // addresses someone else gave us may reach: they listen on
            // loopback, which the egress guard refuses everywhere else (a
            // comma-separated list of origins). The local identity provider
            // may stand in for a tenant's own (UC-TENANT-SSO); the receiver,
            // and the applications running here (examples/), for an
            // application's back-channel logout endpoint.
            (
                cp_runtime::env::EGRESS_TRUSTED_ORIGINS,
                [&self.oidc_issuer, &self.backchannel_receiver_url]
                    .into_iter()
                    .chain(&self.application_origins)
                    .filter_map(|url| reqwest::Url::parse(url).ok())
                    .map(|url| url.origin().ascii_serialization())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                FLAG_CATALOG_URL,
                format!(
                    "{}{}",
                    self.appconfig_extension_url,
                    self.resources.flags.path()
                ),
            ),
            (
                AUDIT_DIGEST_BUCKET,
                self.resources
                    .buckets
                    .get("audit-digests")
                    .cloned()
                    .unwrap_or_default(),
            ),
            (
                AUDIT_EXPORT_BUCKET,
                self.resources
                    .buckets
                    .get("audit-exports")
                    .cloned()
                    .unwrap_or_default(),
            ),
            (
                AUDIT_DIGEST_KEY,
                self.resources
                    .keys
                    .get("audit")
                    .cloned()
                    .unwrap_or_default(),
            ),
            (
                KEY_IDS,
                serde_json::to_string(&self.resources.keys).unwrap_or_default(),
            ),
            (
                QUEUE_URLS,
                serde_json::to_string(
                    &self
                        .resources
                        .queues
                        .iter()
                        .map(|(name, q)| {
                            let urls = serde_json::json!({
                                "url": q.url, "dead_letter_url": q.dead_letter_url,
                            });
                            (name.clone(), urls)
                        })
                        .chain([(
                            "outbox".to_owned(),
                            serde_json::json!({
                                "dead_letter_url": self.resources.outbox_dead_letter.url,
                            }),
                        )])
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

pub async fn local_sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "local-stack",
        ))
        .load()
        .await
}

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Process(#[from] processes::ProcessError),
    #[error(transparent)]
    Bootstrap(#[from] bootstrap::BootstrapError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The product's own clients: the console (its callback, and its page to
/// come back to after a logout) and `cpctl` (any loopback port, RFC 8252).
fn oauth_clients(gateway_url: &str) -> String {
    serde_json::json!({
        CONSOLE_CLIENT_ID: {
            "client_type": "public",
            "redirect_uris": [format!("{gateway_url}{CONSOLE_CALLBACK}")],
            "post_logout_redirect_uris": [format!("{gateway_url}/")],
        },
        CLI_CLIENT_ID: {
            "client_type": "public",
            "redirect_uris": ["http://127.0.0.1/callback"],
        },
    })
    .to_string()
}

/// The upstream directories, the control plane's client secret at each
/// sealed with the data key, as terraform's `aws_kms_ciphertext` does.
async fn upstream_directories(
    sdk: &SdkConfig,
    resources: &Created,
    directories: &[(&str, &str)],
) -> Result<String, StackError> {
    let kms = aws_sdk_kms::Client::new(sdk);
    let key = resources
        .keys
        .get("data")
        .ok_or_else(|| StackError::Config("no data key".into()))?;
    let mut configured = serde_json::Map::new();
    for (name, issuer) in directories {
        let secret = cp_aws::seal_config_secret(&kms, key, UPSTREAM_SECRET)
            .await
            .map_err(|e| StackError::Config(format!("sealing a client secret: {e}")))?;
        configured.insert(
            (*name).to_owned(),
            serde_json::json!({ "issuer": issuer, "client_id": CLIENT_ID, "client_secret": secret }),
        );
    }
    Ok(serde_json::Value::Object(configured).to_string())
}

/// The running stack.
#[derive(Debug)]
pub struct Stack {
    pub info: StackInfo,
    processes: Vec<Managed>,
    tasks: JoinSet<()>,
}

/// Runs a background part of the stack; if it ever stops (a panic, say),
/// says so loudly instead of leaving a silently dead poller behind.
fn spawn_part<F>(tasks: &mut JoinSet<()>, name: String, part: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    use futures::FutureExt;
    tasks.spawn(async move {
        match std::panic::AssertUnwindSafe(part).catch_unwind().await {
            Ok(()) => tracing::error!(part = %name, "stopped"),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                tracing::error!(part = %name, panic = %message, "crashed");
            }
        }
    });
}

fn port(p: u16) -> std::io::Result<u16> {
    if p == 0 {
        processes::free_port()
    } else {
        Ok(p)
    }
}

impl Stack {
    pub async fn start(options: StackOptions) -> Result<Self, StackError> {
        let logs = options.state_dir.join("logs");
        std::fs::create_dir_all(&logs)?;
        let (gateway_port, moto_port, oidc_port, customer_port) = (
            port(options.gateway_port)?,
            port(options.moto_port)?,
            port(options.oidc_port)?,
            port(options.customer_oidc_port)?,
        );
        let gateway_url = format!("http://127.0.0.1:{gateway_port}");
        // Both directories know the control plane's callback, and the token
        // helper's redirect (a directory's own token, for token exchange and
        // for the edge's tests that it is refused).
        let oidc_client = processes::OidcClient {
            id: CLIENT_ID.to_owned(),
            redirect_uris: vec![
                format!("{gateway_url}{UPSTREAM_CALLBACK}"),
                crate::tokens::REDIRECT_URI.to_owned(),
            ],
        };
        let customer_client = oidc_client.clone();
        let (moto, oidc, customer) = tokio::join!(
            processes::moto(&options.venv, moto_port, &logs),
            processes::oidc(&options.venv, oidc_port, &logs, &oidc_client, "oidc"),
            processes::oidc(
                &options.venv,
                customer_port,
                &logs,
                &customer_client,
                "oidc-customer"
            ),
        );
        let processes = vec![moto?, oidc?, customer?];

        let aws_endpoint_url = format!("http://127.0.0.1:{moto_port}");
        let sdk = local_sdk_config(&aws_endpoint_url).await;
        let definition = definitions::resources();
        let resources = bootstrap::create(&sdk, &definition, &options.prefix).await?;
        let oidc_issuer = format!("http://127.0.0.1:{oidc_port}");
        let customer_issuer = format!("http://127.0.0.1:{customer_port}");
        let upstream_directories = upstream_directories(
            &sdk,
            &resources,
            &[("workforce", &oidc_issuer), ("customer", &customer_issuer)],
        )
        .await?;
        let extension_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let receiver_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let info = StackInfo {
            backchannel_receiver_url: format!("http://{}", receiver_listener.local_addr()?),
            application_origins: options.application_origins.clone(),
            appconfig_extension_url: format!("http://{}", extension_listener.local_addr()?),
            gateway_url: gateway_url.clone(),
            aws_endpoint_url,
            region: REGION.to_owned(),
            oauth_clients: oauth_clients(&gateway_url),
            upstream_directories,
            oidc_issuer,
            customer_issuer,
            client_id: CLIENT_ID.to_owned(),
            console_url: gateway_url.clone(),
            token_issuer: gateway_url,
            token_audience: definition.tokens.audience.clone(),
            resources,
        };
        let env = FunctionEnv::new(sdk.clone(), info.function_variables());
        let config = |e: cp_runtime::ConfigError| StackError::Config(e.to_string());

        let mut tasks = JoinSet::new();
        spawn_part(&mut tasks, "metrics".into(), crate::metrics::forward(&sdk));
        let extension = crate::appconfig::extension(&sdk, info.resources.flags.clone());
        spawn_part(&mut tasks, "appconfig extension".into(), async move {
            if let Err(e) = axum::serve(extension_listener, extension).await {
                tracing::error!(error = %e, "appconfig extension stopped");
            }
        });
        spawn_part(&mut tasks, "back-channel receiver".into(), async move {
            if let Err(e) = axum::serve(receiver_listener, crate::receiver::router()).await {
                tracing::error!(error = %e, "back-channel receiver stopped");
            }
        });
        // The gateway verifies every token against the JWKS it serves itself
        // (oauth-metadata), as API Gateway does against the API's URL: the
        // control plane is the only issuer its API trusts.
        let verifier = Arc::new(JwtVerifier::new(EdgeConfig::new(
            info.token_issuer.clone(),
            vec![info.token_audience.clone()],
        )));
        let definitions = definitions::functions();
        let gateway = Gateway::new(
            &definitions,
            verifier,
            registry::http_functions(&env).map_err(config)?,
        )
        .map_err(StackError::Config)?
        .with_console(
            Console::new(
                &options.console_dir,
                &ConsoleConfig {
                    api_base_url: "",
                    authority: &info.token_issuer,
                    client_id: CONSOLE_CLIENT_ID,
                    scope: "openid profile email",
                    api_token: "access_token",
                },
            ),
            security_headers(),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", gateway_port)).await?;
        let app = gateway
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        spawn_part(&mut tasks, "gateway".into(), async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "gateway stopped");
            }
        });

        let streams = registry::stream_functions(&env).map_err(config)?;
        let queues = registry::queue_functions(&env).map_err(config)?;
        let schedules = registry::schedule_functions(&env).map_err(config)?;
        for (name, function) in &definitions.functions {
            match &function.trigger {
                Trigger::Http { .. } => {}
                Trigger::Schedule { .. } => {
                    let function = schedules
                        .get(name.as_str())
                        .cloned()
                        .ok_or_else(|| StackError::Config(format!("{name} is not registered")))?;
                    spawn_part(
                        &mut tasks,
                        name.clone(),
                        pollers::run_schedule(name.clone(), function),
                    );
                }
                Trigger::Stream {
                    batch_size, filter, ..
                } => {
                    let publisher = streams
                        .get(name.as_str())
                        .cloned()
                        .ok_or_else(|| StackError::Config(format!("{name} is not registered")))?;
                    spawn_part(
                        &mut tasks,
                        name.clone(),
                        pollers::run_stream(
                            sdk.clone(),
                            pollers::StreamSource {
                                stream_arn: info.resources.stream_arn.clone(),
                                batch_size: *batch_size,
                                filter: filter.clone(),
                                dead_letter_url: info.resources.outbox_dead_letter.url.clone(),
                            },
                            publisher,
                        ),
                    );
                }
                Trigger::Queue { queue, batch_size } => {
                    let handler = queues
                        .get(name.as_str())
                        .cloned()
                        .ok_or_else(|| StackError::Config(format!("{name} is not registered")))?;
                    let pair = &info.resources.queues[queue];
                    spawn_part(
                        &mut tasks,
                        name.clone(),
                        pollers::run_queue(
                            sdk.clone(),
                            pair.url.clone(),
                            pair.arn.clone(),
                            *batch_size,
                            handler,
                        ),
                    );
                }
            }
        }

        std::fs::write(
            options.state_dir.join("stack.json"),
            serde_json::to_string_pretty(&info).unwrap_or_default(),
        )?;
        Ok(Self {
            info,
            processes,
            tasks,
        })
    }

    /// Stops the gateway, the pollers and the emulators.
    pub async fn stop(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        for process in self.processes.drain(..) {
            process.stop().await;
        }
    }
}
