//! `cp-local`: run the control plane on this machine.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, Subcommand};
use cp_local::{LocalIdp, Stack, StackInfo, StackOptions};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    version,
    about = "The SaaS control plane on one machine: AWS emulator, OIDC provider, gateway and event plumbing."
)]
struct Cli {
    /// Where logs and stack.json live.
    #[arg(long, global = true, default_value = ".local", env = "CP_STATE_DIR")]
    state_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start everything and serve until Ctrl-C.
    Up {
        /// The virtualenv with moto[server] and oidc-provider-mock.
        #[arg(long, default_value = ".local/venv", env = "CP_VENV")]
        venv: PathBuf,
        /// 0 picks a free port.
        #[arg(long, default_value_t = 8080)]
        gateway_port: u16,
        #[arg(long, default_value_t = 5000)]
        moto_port: u16,
        #[arg(long, default_value_t = 9400)]
        oidc_port: u16,
        /// The customers' directory.
        #[arg(long, default_value_t = 9401)]
        customer_oidc_port: u16,
        /// The built console, served at the gateway's `/`.
        #[arg(long, default_value = "console/dist")]
        console_dir: PathBuf,
    },
    /// Print a bearer token from the running stack's OIDC provider.
    Token {
        /// A platform role: Operator, Auditor or Developer.
        #[arg(long, conflicts_with = "user")]
        role: Option<String>,
        /// A tenant user's subject (no platform role).
        #[arg(long)]
        user: Option<String>,
        /// The subject for a platform role (default: the role's name, lower-cased).
        #[arg(long)]
        subject: Option<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cp_runtime::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Up {
            venv,
            gateway_port,
            moto_port,
            oidc_port,
            customer_oidc_port,
            console_dir,
        } => {
            up(StackOptions {
                venv,
                state_dir: cli.state_dir,
                gateway_port,
                moto_port,
                oidc_port,
                customer_oidc_port,
                prefix: String::new(),
                console_dir,
            })
            .await
        }
        Command::Token {
            role,
            user,
            subject,
        } => token(&cli.state_dir, role, user, subject).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cp-local: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn up(options: StackOptions) -> Result<(), String> {
    let stack = Stack::start(options.clone())
        .await
        .map_err(|e| e.to_string())?;
    print_welcome(&stack.info, &options.state_dir);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    println!("\nStopping the local stack…");
    stack.stop().await;
    let _ = std::fs::remove_file(options.state_dir.join("stack.json"));
    Ok(())
}

fn print_welcome(info: &StackInfo, state_dir: &std::path::Path) {
    let gw = &info.gateway_url;
    println!(
        r#"
The control plane is running.

  console         {gw}/   (sign in as any subject; see README "The console")
  API gateway     {gw}
  AWS (moto)      {aws}   region {region}
  OIDC provider   {issuer}   client id {client}
  endpoints       {state}/stack.json
  logs            {state}/logs/

Try it (in another terminal):

  TOKEN=$(cargo run -q -p cp-local -- token --role Operator)
  curl -s {gw}/v1/me -H "Authorization: Bearer $TOKEN"
  curl -s {gw}/v1/tenants -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' -H "Idempotency-Key: $(uuidgen)" \
       -d '{{"name":"Acme","domain":"acme","plan":"Pro","owner_email":"owner@acme.example"}}'
  curl -s "{gw}/v1/tenants?status=Active" -H "Authorization: Bearer $TOKEN"

The audit trail of a tenant (a second or two after the change):

  curl -s "{gw}/v1/audit-records?tenant_id=<tenant id>" -H "Authorization: Bearer $TOKEN"

Ctrl-C stops everything."#,
        aws = info.aws_endpoint_url,
        region = info.region,
        issuer = info.oidc_issuer,
        client = info.client_id,
        state = state_dir.display(),
    );
}

async fn token(
    state_dir: &std::path::Path,
    role: Option<String>,
    user: Option<String>,
    subject: Option<String>,
) -> Result<(), String> {
    let path = state_dir.join("stack.json");
    let info: StackInfo = std::fs::read_to_string(&path)
        .map_err(|_| {
            format!(
                "{} not found: start the stack with scripts/local-stack.sh",
                path.display()
            )
        })
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))?;
    let idp = LocalIdp::new(info.oidc_issuer, info.client_id);
    let token = match (role, user) {
        (Some(role), _) => {
            if !["Operator", "Auditor"].contains(&role.as_str()) {
                return Err("--role must be Operator or Auditor".into());
            }
            let subject = subject.unwrap_or_else(|| role.to_lowercase());
            idp.platform_token(&subject, &[&role]).await
        }
        (None, Some(user)) => idp.user_token(&user).await,
        (None, None) => return Err("give --role Operator|Auditor or --user <subject>".into()),
    }
    .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
