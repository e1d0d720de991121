//! `cpctl`, the developer CLI (UC-DEV-REGISTER: "via CLI or script").
//!
//! It speaks the control plane's HTTP API with a person's access token of
//! the control plane: from `cpctl login` (the browser, RFC 8252: [`login`])
//! or given with `--token` (e.g. `cargo run -p cp-local -- token --role
//! Developer` locally), so it can do exactly what the API lets that person
//! do, and nothing it does bypasses the API's checks or audit.
//!
//! Exit codes: 0 done; 1 the control plane refused (a 4xx problem, printed
//! to stderr); 2 bad usage (from clap); 3 the control plane failed or could
//! not be reached.

pub mod login;
pub mod verify;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "cpctl",
    version,
    about = "Manage managed applications and their credentials on the control plane."
)]
pub struct Cli {
    /// The control plane's API (locally the gateway the local stack prints).
    #[arg(
        long,
        env = "CP_API_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub api: String,
    /// A bearer token of a Developer or Operator; without one, the sign-in
    /// of `cpctl login`.
    #[arg(long, env = "CP_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Where `cpctl login` keeps its tokens (default
    /// `~/.config/cpctl/credentials.json`).
    #[arg(long, env = "CPCTL_CREDENTIALS", global = true)]
    pub credentials: Option<PathBuf>,
    /// Print the API's JSON instead of a summary.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in through the browser (the control plane's sign-in page); the
    /// tokens are kept for the next commands.
    Login {
        /// The directory to sign in at, without asking: `workforce` (staff)
        /// or `customer`.
        #[arg(long)]
        idp: Option<String>,
        /// Print the URL only; do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// End the sign-in of `cpctl login`: its refresh token is revoked.
    Logout,
    /// Register, list, change and disable applications.
    #[command(subcommand)]
    Apps(Apps),
    /// Issue, list and revoke an application's client secrets.
    #[command(subcommand)]
    Secrets(Secrets),
    /// Fetch a tenant's audit records; verify records against the signed
    /// digests, offline.
    #[command(subcommand)]
    Audit(Audit),
}

#[derive(Debug, Subcommand)]
pub enum Audit {
    /// Write a tenant's audit records (all pages) to a file, as JSON, with
    /// their chain fields: the input of `audit verify`.
    Records {
        /// A tenant id, or `platform`.
        #[arg(long)]
        tenant: String,
        /// RFC 3339; without it, the beginning of the trail.
        #[arg(long, default_value = "2000-01-01T00:00:00Z")]
        from: String,
        /// RFC 3339; without it, now.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check records offline against the digests and the digest key's public
    /// half; report the first record altered, inserted or removed. Needs no
    /// token and no network. Exit code 1 when the check fails.
    Verify {
        /// Records as JSON (an array, a page `{"items": [...]}` or one per
        /// line), e.g. from `audit records`.
        #[arg(long)]
        records: PathBuf,
        /// A folder of digest files, e.g. `aws s3 sync
        /// s3://<digest bucket>/<tenant id>/ digests/`.
        #[arg(long)]
        digests: PathBuf,
        /// The digest key's public key, DER or PEM (`aws kms get-public-key`).
        #[arg(long)]
        public_key: PathBuf,
        /// The records are the tenant's whole trail: every digested record
        /// must be there.
        #[arg(long, conflicts_with = "filtered")]
        whole: bool,
        /// The records were filtered (actor, action, outcome): check each
        /// one, but absent records prove nothing.
        #[arg(long)]
        filtered: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Apps {
    /// Register an application; with --scope, also issue its first client
    /// secret (printed once: store it in your secret manager).
    Register {
        #[arg(long)]
        name: String,
        /// Production, Staging or Development.
        #[arg(long)]
        environment: String,
        /// The developer or team who answers for it.
        #[arg(long)]
        owner: String,
        /// Scopes of the first secret (repeatable): flags:read,
        /// billing:write, billing:read, audit:write, tenants:read.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List applications.
    List,
    /// Show an application and its secrets' metadata.
    Get { app_id: String },
    /// Change an application's settings.
    Update {
        app_id: String,
        #[command(flatten)]
        changes: Changes,
    },
    /// Register the application as an OpenID Connect client, so its users
    /// sign in through the control plane (doc/how-to-sign-in-users.md).
    /// Replaces the whole registration: give every URI it keeps.
    Client {
        app_id: String,
        #[command(flatten)]
        registration: ClientRegistration,
    },
    /// Disable an application: every call with its credentials is refused.
    Disable { app_id: String },
    /// Enable a disabled application again.
    Enable { app_id: String },
}

#[derive(Debug, Args)]
pub struct Changes {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    environment: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// Active or Disabled.
    #[arg(long)]
    status: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClientRegistration {
    /// confidential (a server with a client secret) or public (a native
    /// or browser app, PKCE only).
    #[arg(long = "type", default_value = "confidential")]
    client_type: String,
    /// Where people come back with their code (repeatable; exact, https,
    /// or http on a loopback address).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Where people may be sent after signing out (repeatable).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Where the control plane posts a logout token when a session ends.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// Grants (repeatable): authorization_code, refresh_token,
    /// client_credentials, token_exchange; without any, the control
    /// plane's default.
    #[arg(long = "grant")]
    grants: Vec<String>,
}

impl ClientRegistration {
    /// The body of `PUT /v1/applications/{appId}/client`.
    fn body(&self) -> Value {
        let mut body = json!({
            "client_type": self.client_type,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "backchannel_logout_uri": self.backchannel_logout_uri,
        });
        if !self.grants.is_empty() {
            let grants: Vec<&str> = self
                .grants
                .iter()
                .map(|g| match g.as_str() {
                    "token_exchange" => "urn:ietf:params:oauth:grant-type:token-exchange",
                    other => other,
                })
                .collect();
            body["grants"] = json!(grants);
        }
        body
    }
}

#[derive(Debug, Subcommand)]
pub enum Secrets {
    /// Issue a client secret (printed once). At most two are active: issue
    /// the next, deploy it, then revoke the old one.
    Issue {
        app_id: String,
        /// Repeatable; see `apps register --help`.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// When the secret stops working (RFC 3339), if ever.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List a secret's metadata (never the secrets).
    List { app_id: String },
    /// Revoke a secret; its tokens stop working at once.
    Revoke { app_id: String, secret_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("not signed in: run cpctl login, or pass --token or set CP_TOKEN")]
    NoToken,
    /// The control plane refused the request (4xx).
    #[error("{0}")]
    Refused(String),
    /// The control plane failed (5xx) or could not be reached.
    #[error("{0}")]
    Failed(String),
    /// The audit records or digests did not verify.
    #[error("not verified: {0}")]
    NotVerified(#[from] verify::Finding),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::NoToken | Self::Refused(_) | Self::NotVerified(_) => 1,
            Self::Failed(_) => 3,
        }
    }
}

struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CliError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CliError::Failed(format!("cannot reach {}: {e}", self.base)))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let message = describe_problem(status.as_u16(), &body);
        if status.is_client_error() {
            Err(CliError::Refused(message))
        } else {
            Err(CliError::Failed(message))
        }
    }
}

/// One line for a problem document (or API Gateway's own answer).
fn describe_problem(status: u16, body: &Value) -> String {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    let mut line = match (text("title"), text("detail"), text("message")) {
        (title, detail, _) if !title.is_empty() => format!("{title}: {detail}"),
        (_, _, message) if !message.is_empty() => message,
        _ => format!("HTTP {status}"),
    };
    if let Some(kind) = text("type").rsplit(':').next().filter(|k| !k.is_empty()) {
        line.push_str(&format!(" ({kind})"));
    }
    if let Some(params) = body["invalid_params"].as_array() {
        for p in params {
            line.push_str(&format!(
                "\n  {}: {}",
                p["name"].as_str().unwrap_or("?"),
                p["reason"].as_str().unwrap_or("?")
            ));
        }
    }
    let correlation = text("correlation_id");
    if !correlation.is_empty() {
        line.push_str(&format!("\n  correlation id: {correlation}"));
    }
    line
}

/// `cpctl login`: the URL on stderr (and in a browser unless told not
/// to), then the tokens kept at `path`.
async fn sign_in(
    api: &str,
    idp: Option<&str>,
    no_browser: bool,
    path: &Path,
) -> Result<Value, CliError> {
    use std::io::Write;
    let pending = login::start(api, idp).await?;
    let _ = writeln!(
        std::io::stderr(),
        "Sign in in your browser: {}
(waiting for it to come back to cpctl)",
        pending.url
    );
    if !no_browser {
        // Best effort: without a desktop, the URL above is there to open.
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let _ = std::process::Command::new(opener)
            .arg(&pending.url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let credentials = pending.finish(login::SIGN_IN_TIMEOUT).await?;
    login::save(path, &credentials)?;
    Ok(json!({ "signed_in": true, "api": credentials.api, "credentials": path }))
}

/// Runs a command; returns the JSON to print.
pub async fn execute(cli: &Cli) -> Result<Value, CliError> {
    use reqwest::Method;
    if let Command::Audit(Audit::Verify {
        records,
        digests,
        public_key,
        whole,
        filtered,
    }) = &cli.command
    {
        let scope = match (whole, filtered) {
            (true, _) => verify::Scope::Whole,
            (_, true) => verify::Scope::Filtered,
            _ => verify::Scope::Export,
        };
        return verify_files(records, digests, public_key, scope);
    }
    let credentials = cli
        .credentials
        .clone()
        .or_else(login::default_credentials_path);
    match &cli.command {
        Command::Login { idp, no_browser } => {
            let path = credentials.ok_or(CliError::NoToken)?;
            return sign_in(&cli.api, idp.as_deref(), *no_browser, &path).await;
        }
        Command::Logout => {
            let ended = match &credentials {
                Some(path) => login::logout(path).await?,
                None => false,
            };
            return Ok(json!({ "signed_out": ended }));
        }
        _ => {}
    }
    let token = match (&cli.token, &credentials) {
        (Some(token), _) => token.clone(),
        (None, Some(path)) => login::stored_token(path, &cli.api)
            .await?
            .ok_or(CliError::NoToken)?,
        (None, None) => return Err(CliError::NoToken),
    };
    let api = Api {
        base: cli.api.trim_end_matches('/').to_owned(),
        token,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CliError::Failed(e.to_string()))?,
    };
    let app_path = |id: &str| format!("/v1/applications/{id}");
    match &cli.command {
        Command::Apps(Apps::Register {
            name,
            environment,
            owner,
            scopes,
        }) => {
            let body = json!({"name": name, "environment": environment, "owner": owner});
            let app = api
                .call(Method::POST, "/v1/applications", Some(&body))
                .await?;
            if scopes.is_empty() {
                return Ok(app);
            }
            let id = app["id"].as_str().unwrap_or_default().to_owned();
            let secret = api
                .call(
                    Method::POST,
                    &format!("{}/secrets", app_path(&id)),
                    Some(&json!({ "scopes": scopes })),
                )
                .await?;
            Ok(json!({ "application": app, "secret": secret }))
        }
        Command::Apps(Apps::List) => {
            api.call(Method::GET, "/v1/applications?limit=100", None)
                .await
        }
        Command::Apps(Apps::Get { app_id }) => api.call(Method::GET, &app_path(app_id), None).await,
        Command::Apps(Apps::Client {
            app_id,
            registration,
        }) => {
            let path = format!("{}/client", app_path(app_id));
            api.call(Method::PUT, &path, Some(&registration.body()))
                .await
        }
        Command::Apps(Apps::Update { app_id, changes }) => {
            let mut body = serde_json::Map::new();
            for (key, value) in [
                ("name", &changes.name),
                ("environment", &changes.environment),
                ("owner", &changes.owner),
                ("status", &changes.status),
            ] {
                if let Some(v) = value {
                    body.insert(key.into(), v.clone().into());
                }
            }
            api.call(Method::PATCH, &app_path(app_id), Some(&Value::Object(body)))
                .await
        }
        Command::Apps(Apps::Disable { app_id }) | Command::Apps(Apps::Enable { app_id }) => {
            let status = if matches!(cli.command, Command::Apps(Apps::Disable { .. })) {
                "Disabled"
            } else {
                "Active"
            };
            api.call(
                Method::PATCH,
                &app_path(app_id),
                Some(&json!({ "status": status })),
            )
            .await
        }
        Command::Secrets(Secrets::Issue {
            app_id,
            scopes,
            expires_at,
        }) => {
            let mut body = json!({ "scopes": scopes });
            if let Some(at) = expires_at {
                body["expires_at"] = at.clone().into();
            }
            api.call(
                Method::POST,
                &format!("{}/secrets", app_path(app_id)),
                Some(&body),
            )
            .await
        }
        Command::Secrets(Secrets::List { app_id }) => {
            api.call(Method::GET, &format!("{}/secrets", app_path(app_id)), None)
                .await
        }
        Command::Audit(Audit::Records {
            tenant,
            from,
            to,
            out,
        }) => {
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut query = vec![("tenant_id", tenant.as_str()), ("from", from.as_str())];
                if let Some(to) = to {
                    query.push(("to", to));
                }
                query.push(("limit", "100"));
                if let Some(c) = &cursor {
                    query.push(("cursor", c));
                }
                let path = format!(
                    "/v1/audit-records?{}",
                    query
                        .iter()
                        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
                        .collect::<Vec<_>>()
                        .join("&")
                );
                let page = api.call(Method::GET, &path, None).await?;
                items.extend(page["items"].as_array().cloned().unwrap_or_default());
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            let count = items.len();
            let text = serde_json::to_vec_pretty(&Value::Array(items))
                .map_err(|e| CliError::Failed(e.to_string()))?;
            std::fs::write(out, text)
                .map_err(|e| CliError::Failed(format!("{}: {e}", out.display())))?;
            Ok(json!({ "records": count, "file": out.display().to_string() }))
        }
        // Answered above, before any token is needed.
        Command::Audit(Audit::Verify { .. }) | Command::Login { .. } | Command::Logout => {
            Err(CliError::Failed("unreachable".into()))
        }
        Command::Secrets(Secrets::Revoke { app_id, secret_id }) => {
            api.call(
                Method::DELETE,
                &format!("{}/secrets/{secret_id}", app_path(app_id)),
                None,
            )
            .await
        }
    }
}

/// Query values: unreserved characters as they are, the rest escaped.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `audit verify` on files.
pub fn verify_files(
    records: &Path,
    digests: &Path,
    public_key: &Path,
    scope: verify::Scope,
) -> Result<Value, CliError> {
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| {
        verify::Finding::Unreadable(format!("{}: {e}", path.display()))
    };
    let text = std::fs::read_to_string(records).map_err(|e| unreadable(records, &e))?;
    let records_read = verify::read_records(&text).map_err(|e| unreadable(records, &e))?;
    let mut files = Vec::new();
    verify::read_digests(digests, &mut files).map_err(|e| unreadable(digests, &e))?;
    let key = std::fs::read(public_key).map_err(|e| unreadable(public_key, &e))?;
    let key = verify::public_key_der(&key).map_err(|e| unreadable(public_key, &e))?;
    let verified = verify::verify(records_read, files, &key, scope)?;
    serde_json::to_value(verified).map_err(|e| CliError::Failed(e.to_string()))
}

/// A short human summary of an answer.
pub fn summary(value: &Value) -> String {
    let mut lines = Vec::new();
    summarise(value, "", &mut lines);
    lines.join("\n")
}

fn summarise(value: &Value, prefix: &str, lines: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                summarise(v, &name, lines);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                summarise(v, &format!("{prefix}[{i}]"), lines);
            }
        }
        Value::String(s) => lines.push(format!("{prefix}: {s}")),
        other => lines.push(format!("{prefix}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn uc_dev_register_the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn problems_are_one_readable_message_with_their_id_and_correlation() {
        let body = json!({
            "type": "urn:saas-control-plane:problem:ERR-VAL-400",
            "title": "Invalid input",
            "detail": "Invalid input: name.",
            "correlation_id": "c-1",
            "invalid_params": [{"name": "name", "reason": "must be 1 to 100 characters"}],
        });
        let text = describe_problem(400, &body);
        assert!(text.starts_with("Invalid input: Invalid input: name. (ERR-VAL-400)"));
        assert!(text.contains("name: must be 1 to 100 characters"));
        assert!(text.contains("correlation id: c-1"));
        assert_eq!(
            describe_problem(401, &json!({"message": "Unauthorized"})),
            "Unauthorized"
        );
        assert_eq!(CliError::Refused(String::new()).exit_code(), 1);
        assert_eq!(CliError::Failed(String::new()).exit_code(), 3);
    }

    #[test]
    fn summaries_flatten_the_answer() {
        let s = summary(&json!({"id": "a", "secrets": [{"hint": "abcd"}]}));
        assert_eq!(s, "id: a\nsecrets[0].hint: abcd");
    }
}
