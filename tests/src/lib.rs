//! The test harness: one local stack per test run, started on first use.
//!
//! The stack (moto, the OIDC provider, resources, gateway, pollers) runs on
//! a runtime of its own in a background thread, on free ports, so tests run
//! in parallel against it and beside a developer's own stack. Its emulators
//! die with the test process. Each test builds its own clients (a client must
//! not outlive the runtime it was made on) and its own uniquely named data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use aws_config::SdkConfig;
use cp_local::tokens::{self, Directory};
use cp_local::{LocalIdp, Stack, StackInfo, StackOptions};
use cp_runtime::FunctionEnv;
use cp_store::Store;
use std::future::Future;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use cp_testkit::jwt;

static STACK: OnceLock<StackInfo> = OnceLock::new();

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("cp-tests-{}", std::process::id()))
}

/// Everything the stack has logged so far (JSON lines).
pub fn stack_log() -> String {
    std::fs::read_to_string(state_dir().join("stack.log")).unwrap_or_default()
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The running local stack (started on first call).
pub fn stack() -> &'static StackInfo {
    STACK.get_or_init(|| {
        let venv = std::env::var_os("CP_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join(".local/venv"));
        let options = StackOptions {
            venv,
            state_dir: state_dir(),
            gateway_port: 0,
            moto_port: 0,
            oidc_port: 0,
            customer_oidc_port: 0,
            prefix: String::new(),
            console_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../console/dist"),
            application_origins: vec![format!("http://127.0.0.1:{}", example_app_port())],
        };
        // The stack's own logs, for when a test fails.
        std::fs::create_dir_all(&options.state_dir).ok();
        if let Ok(log) = std::fs::File::create(options.state_dir.join("stack.log")) {
            cp_runtime::telemetry::init_with(std::sync::Mutex::new(log));
            eprintln!("local stack logs: {}", options.state_dir.join("stack.log").display());
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                match Stack::start(options).await {
                    Ok(stack) => {
                        sender.send(Ok(stack.info.clone())).ok();
                        // Serve until the test process ends; the emulators
                        // die with it (parent-death signal).
                        std::future::pending::<()>().await;
                        drop(stack);
                    }
                    Err(e) => {
                        sender.send(Err(e.to_string())).ok();
                    }
                }
            });
        });
        match receiver.recv() {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => panic!(
                "the local stack did not start: {e}\n(run scripts/setup-venv.sh first, or scripts/test.sh)"
            ),
            Err(_) => panic!("the local stack thread died"),
        }
    })
}

/// An SDK config for the stack's moto, made on the calling test's runtime.
pub async fn sdk() -> SdkConfig {
    cp_local::stack::local_sdk_config(&stack().aws_endpoint_url).await
}

/// The stack's table.
pub async fn store() -> Store {
    Store::new(
        aws_sdk_dynamodb::Client::new(&sdk().await),
        stack().resources.table.clone(),
    )
}

/// What the stack's functions are configured with.
pub async fn function_env() -> FunctionEnv {
    FunctionEnv::new(sdk().await, stack().function_variables())
}

/// The port the example application (`examples/sign-in-flask`) listens on
/// in the tests: free when the stack starts, and trusted by its egress
/// guard, so back-channel logout reaches it.
pub fn example_app_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| cp_local::processes::free_port().expect("a free port"))
}

/// The workforce directory itself (its own tokens are no good at the API).
pub fn idp() -> LocalIdp {
    let info = stack();
    LocalIdp::new(info.oidc_issuer.clone(), info.client_id.clone())
}

/// Where `scripts/setup-clients.sh` installed the clients the tests drive
/// unchanged: the OpenFeature SDKs and the OpenID Connect relying parties.
pub fn clients() -> std::path::PathBuf {
    std::env::var_os("CP_CLIENTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.local/clients")
        })
}

/// A name no other test (or run) uses, e.g. `acme-3f9a1c2b`.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// An HTTP client for the gateway.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub fn url(path: &str) -> String {
    format!("{}{path}", stack().gateway_url)
}

/// `GET <path>` on the gateway with a bearer token.
pub async fn get(token: &str, path: &str) -> reqwest::Response {
    http()
        .get(url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// `GET <path>` on the gateway with a bearer token, its body read as `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(token: &str, path: &str) -> T {
    get(token, path).await.json().await.unwrap()
}

/// `DELETE <path>` on the gateway with a bearer token.
pub async fn delete(token: &str, path: &str) -> reqwest::Response {
    send_json(
        reqwest::Method::DELETE,
        token,
        path,
        &serde_json::Value::Null,
    )
    .await
}

/// Asserts an RFC 7807 problem with the given ERR id and returns it.
pub async fn problem(
    response: reqwest::Response,
    status: reqwest::StatusCode,
    err: &str,
) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let correlation = response.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        problem["type"],
        format!("urn:saas-control-plane:problem:{err}")
    );
    assert_eq!(problem["status"], status.as_u16());
    assert_eq!(problem["correlation_id"], correlation);
    assert!(problem["title"].is_string() && problem["detail"].is_string());
    problem
}

/// Every page of the cursor-paged list at `path`, first to last.
pub async fn pages<T: serde::de::DeserializeOwned>(
    token: &str,
    path: &str,
) -> Vec<cp_api::PageView<T>> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: cp_api::PageView<T> = get(token, &format!("{path}{cursor}"))
            .await
            .json()
            .await
            .unwrap();
        let next = page.next_cursor.clone();
        pages.push(page);
        match next {
            Some(next) => cursor = format!("{separator}cursor={next}"),
            None => return pages,
        }
    }
}

/// The audit action of a read of personal data (CON-SEC-002): every
/// listing of a trail adds one to it.
pub const READ_ACTION: &str = "personal_data.read";

/// A trail's records (`trail`: a tenant id or `platform`), newest first,
/// from every page, without the records of reads unless `filters` asks for
/// them: listing a trail adds those, so polling for a change would
/// otherwise push it off the page. `filters` is added to the query (e.g.
/// `&action=tenant.suspend`).
pub async fn audit_trail(token: &str, trail: &str, filters: &str) -> Vec<cp_api::AuditRecordView> {
    let mut records = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: cp_api::PageView<cp_api::AuditRecordView> = get(
            token,
            &format!("/v1/audit-records?tenant_id={trail}&limit=100{filters}{cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
        let reads_asked = filters.contains(READ_ACTION);
        records.extend(
            page.items
                .into_iter()
                .filter(|r| reads_asked || r.action != READ_ACTION),
        );
        match page.next_cursor {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return records,
        }
    }
}

/// Polls `check` until it returns `Some`, for asynchronous effects (the
/// event pipeline). Fails the test after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The emails moto's SES has accepted for `to`, as moto records them.
pub async fn sent_emails(to: &str) -> Vec<serde_json::Value> {
    let data: serde_json::Value =
        reqwest::get(format!("{}/moto-api/data.json", stack().aws_endpoint_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to_string().contains(to))
        .collect()
}

/// A bearer token for a platform person with `roles`: they sign in at the
/// workforce directory through the control plane, as with `cpctl`.
pub async fn platform_token(subject: &str, roles: &[&str]) -> String {
    let tokens = tokens::sign_in(
        &stack().gateway_url,
        Directory::Workforce,
        subject,
        &tokens::staff(subject, roles),
        &[],
    )
    .await
    .unwrap_or_else(|e| panic!("{subject} signs in: {e}"));
    tokens::access_token(&tokens).unwrap()
}

/// `claims` as a JWT (header `typ`) signed with the control plane's own
/// key in KMS, under its `kid`: a token its issuer could have made, for
/// the checks that must hold beyond the signature.
pub async fn signed_by_the_control_plane(typ: &str, claims: &serde_json::Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwks: serde_json::Value = http()
        .get(url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = serde_json::json!({"alg": "RS256", "typ": typ, "kid": jwks["keys"][0]["kid"]});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = cp_aws::SigningKey::new(
        aws_sdk_kms::Client::new(&sdk().await),
        stack().resources.token_signing_key.clone(),
    );
    let signature = key.sign(input.as_bytes()).await.unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// An operator's bearer token.
pub async fn operator() -> String {
    platform_token(&unique("operator"), &["Operator"]).await
}

/// A developer's bearer token (Entra app role `Developer`).
pub async fn developer() -> String {
    platform_token(&unique("developer"), &["Developer"]).await
}

/// `<method> <path>` on the gateway with a bearer token and a JSON body;
/// a `null` body sends none (routes without a body refuse any).
pub async fn send_json(
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    let request = http().request(method, url(path)).bearer_auth(token);
    let request = if body.is_null() {
        request
    } else {
        request.json(body)
    };
    request.send().await.unwrap()
}
