//! The emulators the local stack runs: moto server (AWS) and
//! oidc-provider-mock (Entra ID), from the project's virtualenv, on
//! 127.0.0.1 only. They die with the stack: killed when dropped, and by the
//! kernel if the stack itself is killed (parent-death signal).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{0} not found: create the virtualenv first (scripts/setup-venv.sh), or set CP_VENV")]
    NotInstalled(PathBuf),
    #[error("{name} did not start: {reason}")]
    Start { name: &'static str, reason: String },
}

/// A child process that is stopped when this value is dropped.
#[derive(Debug)]
pub struct Managed {
    pub name: &'static str,
    child: Child,
}

impl Managed {
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn command(venv: &Path, program: &str, log: &Path) -> Result<Command, ProcessError> {
    let path = venv.join("bin").join(program);
    if !path.exists() {
        return Err(ProcessError::NotInstalled(path));
    }
    let log = std::fs::File::create(log).map_err(|e| ProcessError::Start {
        name: "log file",
        reason: e.to_string(),
    })?;
    let err = log.try_clone().map_err(|e| ProcessError::Start {
        name: "log file",
        reason: e.to_string(),
    })?;
    let mut cmd = Command::new(path);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(err))
        .kill_on_drop(true);
    die_with_parent(&mut cmd);
    Ok(cmd)
}

/// Asks the kernel to SIGTERM the child if this process dies, so that a
/// killed stack (or test run) leaves no emulator behind.
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: `prctl(PR_SET_PDEATHSIG)` is async-signal-safe and touches only
    // the child's own process attributes between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// moto server's launcher (DynamoDB calls serialized, see the file).
const MOTO_LAUNCHER: &str = include_str!("../moto_server.py");

/// `python <launcher>` from the virtualenv, the launcher written beside the
/// logs (it is compiled into the stack), logging to `<logs>/<log>`.
fn launcher(
    venv: &Path,
    logs: &Path,
    name: &'static str,
    (file, source): (&str, &str),
    log: &str,
) -> Result<Command, ProcessError> {
    let path = logs.join(file);
    std::fs::write(&path, source).map_err(|e| ProcessError::Start {
        name,
        reason: e.to_string(),
    })?;
    let mut cmd = command(venv, "python", &logs.join(log))?;
    cmd.arg(path);
    Ok(cmd)
}

/// Starts moto server on `port`.
pub async fn moto(venv: &Path, port: u16, logs: &Path) -> Result<Managed, ProcessError> {
    let launcher_file = ("moto_server.py", MOTO_LAUNCHER);
    let mut cmd = launcher(venv, logs, "moto", launcher_file, "moto.log")?;
    cmd.args(["127.0.0.1", &port.to_string()]);
    let mut managed = spawn("moto", cmd)?;
    let url = format!("http://127.0.0.1:{port}/moto-api/");
    wait_ready(&mut managed, &url, &logs.join("moto.log")).await?;
    Ok(managed)
}

/// oidc-provider-mock's launcher (the control plane's client registered).
const OIDC_LAUNCHER: &str = include_str!("../oidc_server.py");

/// The control plane's OAuth client at a directory: its id and the redirect
/// URIs registered for it.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub id: String,
    pub redirect_uris: Vec<String>,
}

/// Starts an OIDC provider on `port`, logging to `<log>.log`; its issuer is
/// `http://127.0.0.1:<port>`.
pub async fn oidc(
    venv: &Path,
    port: u16,
    logs: &Path,
    client: &OidcClient,
    log: &str,
) -> Result<Managed, ProcessError> {
    let launcher_file = ("oidc_server.py", OIDC_LAUNCHER);
    let log_file = format!("{log}.log");
    let mut cmd = launcher(venv, logs, "oidc-provider-mock", launcher_file, &log_file)?;
    cmd.args(["127.0.0.1", &port.to_string(), &client.id])
        .args(&client.redirect_uris);
    let mut managed = spawn("oidc-provider-mock", cmd)?;
    let url = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
    wait_ready(&mut managed, &url, &logs.join(&log_file)).await?;
    Ok(managed)
}

fn spawn(name: &'static str, mut cmd: Command) -> Result<Managed, ProcessError> {
    let child = cmd.spawn().map_err(|e| ProcessError::Start {
        name,
        reason: e.to_string(),
    })?;
    Ok(Managed { name, child })
}

/// How long an emulator may take to answer: moto imports every service it
/// emulates, which takes seconds on an idle machine and minutes on a busy
/// one (a build beside the tests).
const READY_WITHIN: Duration = Duration::from_secs(180);

/// Waits for `url` to answer; a process that died meanwhile (a missing
/// package, a taken port) fails at once with the end of its log.
async fn wait_ready(process: &mut Managed, url: &str, log: &Path) -> Result<(), ProcessError> {
    let name = process.name;
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < READY_WITHIN {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(ProcessError::Start {
                name,
                reason: format!(
                    "exited ({status}) before answering; the end of {}:\n{}",
                    log.display(),
                    tail.join("\n")
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(ProcessError::Start {
        name,
        reason: format!(
            "{url} did not answer within {} s (see .local/logs)",
            READY_WITHIN.as_secs()
        ),
    })
}
