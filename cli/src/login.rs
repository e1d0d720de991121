//! `cpctl login`: a developer signs in through the browser, as a native
//! app does (RFC 8252).
//!
//! `cpctl` is a public client of the control plane's OpenID Provider
//! (`client_id` `cpctl`): it listens on a port of the loopback address that
//! the system picks (§7.3: any port of `http://127.0.0.1` is one registered
//! redirect URI), sends the person's browser to the authorization endpoint
//! with PKCE `S256` and a random `state` (§8.1, §8.9), takes the one request
//! that comes back, and redeems its code. The tokens are kept in a file only
//! its owner can read; the access token is refreshed with the rotating
//! refresh token when it has expired, and `cpctl logout` revokes it.

use crate::CliError;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// `cpctl`'s client id at the control plane.
pub const CLIENT_ID: &str = "cpctl";
/// What `cpctl` asks for: who the person is, and a refresh token.
const SCOPE: &str = "openid profile email offline_access";
/// How long the browser has to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// A request head larger than this is no browser's redirect.
const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// Refresh a little before the access token expires.
const EXPIRY_MARGIN_SECS: u64 = 30;

/// The tokens of a sign-in, as kept on disk for one API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    pub api: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds since the epoch.
    pub expires_at: u64,
}

/// The provider's endpoints (OpenID Connect Discovery 1.0).
#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn http() -> Result<reqwest::Client, CliError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(failed)
}

async fn discover(api: &str) -> Result<Endpoints, CliError> {
    let url = format!("{api}/.well-known/openid-configuration");
    let response = http()?
        .get(&url)
        .send()
        .await
        .map_err(|e| failed(format!("cannot reach {url}: {e}")))?;
    if !response.status().is_success() {
        return Err(failed(format!("{url} answered {}", response.status())));
    }
    response.json().await.map_err(failed)
}

/// 32 random bytes, URL-safe: a PKCE verifier or a `state`.
fn random_token() -> Result<String, CliError> {
    let mut bytes = [0_u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| failed("no randomness"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A sign-in under way: the URL to open, and the loopback listener that
/// waits for the browser.
#[derive(Debug)]
pub struct PendingLogin {
    /// Where the person's browser goes.
    pub url: String,
    api: String,
    endpoints: Endpoints,
    listener: TcpListener,
    redirect_uri: String,
    verifier: String,
    state: String,
}

/// Starts a sign-in at the control plane `api`; `idp` names the directory
/// (`workforce` or `customer`) so the person is not asked.
pub async fn start(api: &str, idp: Option<&str>) -> Result<PendingLogin, CliError> {
    let api = api.trim_end_matches('/').to_owned();
    let endpoints = discover(&api).await?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let verifier = random_token()?;
    let state = random_token()?;
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    let mut url = Url::parse(&endpoints.authorization_endpoint).map_err(failed)?;
    url.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", SCOPE),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]);
    if let Some(idp) = idp {
        url.query_pairs_mut().append_pair("idp", idp);
    }
    Ok(PendingLogin {
        url: url.into(),
        api,
        endpoints,
        listener,
        redirect_uri,
        verifier,
        state,
    })
}

impl PendingLogin {
    /// Waits for the browser's return (at most `timeout`), answers it with
    /// a page, and redeems the code: the tokens.
    pub async fn finish(self, timeout: Duration) -> Result<Credentials, CliError> {
        let code = tokio::time::timeout(timeout, self.code())
            .await
            .map_err(|_| CliError::Refused("nobody came back from the sign-in in time".into()))??;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", self.verifier.as_str()),
            ("client_id", CLIENT_ID),
        ];
        token_request(&self.api, &self.endpoints.token_endpoint, &form).await
    }

    /// The code of the first request to the callback path with our
    /// `state`; other requests (a favicon, a stray visitor) are answered
    /// 404 and ignored, a refusal or a wrong `state` ends the sign-in.
    async fn code(&self) -> Result<String, CliError> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(failed)?;
            let Some(target) = request_target(&mut stream).await else {
                continue;
            };
            let url = Url::parse(&format!("http://127.0.0.1{target}")).map_err(failed)?;
            if url.path() != "/callback" {
                respond(&mut stream, "404 Not Found", "Not found.").await;
                continue;
            }
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            if param("state").as_deref() != Some(self.state.as_str()) {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "This sign-in is not the one cpctl started.",
                )
                .await;
                return Err(CliError::Refused(
                    "the sign-in came back with another state".into(),
                ));
            }
            if let Some(error) = param("error") {
                let description = param("error_description").unwrap_or_default();
                respond(
                    &mut stream,
                    "200 OK",
                    "Sign-in refused. You can close this window.",
                )
                .await;
                return Err(CliError::Refused(format!(
                    "sign-in refused: {error}: {description}"
                )));
            }
            let Some(code) = param("code") else {
                respond(&mut stream, "400 Bad Request", "No code.").await;
                return Err(CliError::Refused(
                    "the sign-in came back without a code".into(),
                ));
            };
            respond(
                &mut stream,
                "200 OK",
                "Signed in to cpctl. You can close this window.",
            )
            .await;
            return Ok(code);
        }
    }
}

/// The request target of an HTTP/1.1 request head (`GET <target> ...`).
async fn request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() + read > MAX_REQUEST_BYTES {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = std::str::from_utf8(&head).ok()?.lines().next()?.to_owned();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_owned()),
        _ => None,
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let body = format!("<!doctype html><title>cpctl</title><p>{text}</p>");
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn token_request(
    api: &str,
    token_endpoint: &str,
    form: &[(&str, &str)],
) -> Result<Credentials, CliError> {
    let response = http()?
        .post(token_endpoint)
        .form(form)
        .send()
        .await
        .map_err(|e| failed(format!("cannot reach {token_endpoint}: {e}")))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let error = body["error"].as_str().unwrap_or("unknown");
        let message = format!("the token endpoint refused: {error} (sign in again: cpctl login)");
        return Err(if status.is_client_error() {
            CliError::Refused(message)
        } else {
            CliError::Failed(message)
        });
    }
    let access_token = body["access_token"]
        .as_str()
        .ok_or_else(|| failed("no access token in the answer"))?
        .to_owned();
    Ok(Credentials {
        api: api.to_owned(),
        access_token,
        refresh_token: body["refresh_token"].as_str().map(str::to_owned),
        expires_at: now() + body["expires_in"].as_u64().unwrap_or(0),
    })
}

/// Where the tokens are kept: `$XDG_CONFIG_HOME/cpctl/credentials.json`,
/// else `~/.config/cpctl/credentials.json`.
pub fn default_credentials_path() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|base| base.join("cpctl").join("credentials.json"))
}

/// Keeps `credentials` at `path`, readable by its owner only.
pub fn save(path: &Path, credentials: &Credentials) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let text = serde_json::to_string_pretty(credentials).map_err(failed)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)
}

fn load(path: &Path) -> Option<Credentials> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The stored access token for `api`, refreshed (and kept) when it has
/// expired; `None` when nobody signed in to that API.
pub async fn stored_token(path: &Path, api: &str) -> Result<Option<String>, CliError> {
    let api = api.trim_end_matches('/');
    let Some(stored) = load(path).filter(|c| c.api == api) else {
        return Ok(None);
    };
    if stored.expires_at > now() + EXPIRY_MARGIN_SECS {
        return Ok(Some(stored.access_token));
    }
    let Some(refresh_token) = stored.refresh_token.as_deref() else {
        return Err(CliError::Refused(
            "the sign-in has expired: cpctl login".into(),
        ));
    };
    let endpoints = discover(api).await?;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", CLIENT_ID),
    ];
    let refreshed = token_request(api, &endpoints.token_endpoint, &form).await?;
    save(path, &refreshed)?;
    Ok(Some(refreshed.access_token))
}

/// Ends the stored sign-in: its refresh token revoked at the control
/// plane (RFC 7009), the file removed. Whether there was one.
pub async fn logout(path: &Path) -> Result<bool, CliError> {
    let Some(stored) = load(path) else {
        return Ok(false);
    };
    if let Some(refresh_token) = &stored.refresh_token {
        let endpoints = discover(&stored.api).await?;
        if let Some(revocation) = &endpoints.revocation_endpoint {
            let response = http()?
                .post(revocation)
                .form(&[
                    ("token", refresh_token.as_str()),
                    ("token_type_hint", "refresh_token"),
                    ("client_id", CLIENT_ID),
                ])
                .send()
                .await
                .map_err(failed)?;
            if !response.status().is_success() {
                return Err(failed(format!("revocation answered {}", response.status())));
            }
        }
    }
    std::fs::remove_file(path).map_err(failed)?;
    Ok(true)
}
