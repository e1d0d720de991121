//! `cp-local`: run the control plane on this machine.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, Subcommand};
use cp_local::tokens::{Directory, access_token, sign_in, staff, verified};
use cp_local::{Stack, StackInfo, StackOptions};
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
        /// A managed application running on this machine that back-channel
        /// logout may reach (repeatable; default: the example application
        /// of `examples/sign-in-flask`).
        #[arg(long = "application-origin", default_value = "http://127.0.0.1:8090")]
        application_origins: Vec<String>,
    },
    /// Sign somebody in through the control plane's OpenID Provider, as
    /// `cpctl` does, and print the access token the API accepts.
    Token {
        /// A platform role (workforce directory): Operator, Auditor or Developer.
        #[arg(long, conflicts_with = "email")]
        role: Option<String>,
        /// A member's verified email (customers' directory): they must
        /// have accepted an invitation, or give `--invitation`.
        #[arg(long)]
        email: Option<String>,
        /// The invitation token (from the emailed link) to accept by this sign-in.
        #[arg(long, requires = "email")]
        invitation: Option<String>,
        /// The subject at the directory (default: the role's name,
        /// lower-cased, or the email).
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
            application_origins,
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
                application_origins,
            })
            .await
        }
        Command::Token {
            role,
            email,
            invitation,
            subject,
        } => token(&cli.state_dir, role, email, invitation, subject).await,
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
  API gateway     {gw}   (also the OpenID Provider: {gw}/.well-known/openid-configuration)
  AWS (moto)      {aws}   region {region}
  directories     staff {issuer}, customers {customers}
  endpoints       {state}/stack.json
  logs            {state}/logs/

Try it (in another terminal): an operator signs in through the provider,
as cpctl does, and gets the control plane's access token:

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
        customers = info.customer_issuer,
        state = state_dir.display(),
    );
}

async fn token(
    state_dir: &std::path::Path,
    role: Option<String>,
    email: Option<String>,
    invitation: Option<String>,
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
    let (directory, subject, claims) = match (role, email) {
        (Some(role), _) => {
            if !["Operator", "Auditor", "Developer"].contains(&role.as_str()) {
                return Err("--role must be Operator, Auditor or Developer".into());
            }
            let subject = subject.unwrap_or_else(|| role.to_lowercase());
            let claims = staff(&subject, &[&role]);
            (Directory::Workforce, subject, claims)
        }
        (None, Some(email)) => {
            let subject = subject.unwrap_or_else(|| email.clone());
            (Directory::Customer, subject, verified(&email, &email))
        }
        (None, None) => {
            return Err("give --role Operator|Auditor|Developer or --email <address>".into());
        }
    };
    let extra: Vec<(&str, &str)> = invitation
        .as_deref()
        .map(|token| ("invitation", token))
        .into_iter()
        .collect();
    let tokens = sign_in(&info.gateway_url, directory, &subject, &claims, &extra)
        .await
        .map_err(|e| e.to_string())?;
    let token = access_token(&tokens).map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
