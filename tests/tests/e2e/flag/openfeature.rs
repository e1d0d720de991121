//! The OpenFeature SDKs (JavaScript, Python and Rust, with their OFREP
//! providers, unchanged) reading a tenant's flags from the local gateway,
//! and the Rust how-to of doc/how-to-read-flags.md kept identical to the
//! code run here.

use crate::support::fixtures;
use crate::support::flags::{reader, set};
use cp_tests::{clients, operator, stack, store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// Runs a client script against the stack: reads its first line, has an
/// operator flip `new-editor` for the tenant, and returns every line.
async fn drive(mut command: tokio::process::Command) -> Vec<Value> {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let (token, p) = reader().await;
    let other = fixtures::tenant(&store().await).await;
    let mut child = command
        .env("OFREP_URL", &stack().gateway_url)
        .env("OFREP_TOKEN", token)
        .env("TENANT_ID", p.tenant.id.to_string())
        .env("OTHER_TENANT_ID", other.tenant.id.to_string())
        .env("POLL_MS", "300")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{e}: run scripts/setup-clients.sh (CP_CLIENTS={})",
                clients().display()
            )
        });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let line: Value = serde_json::from_str(&line).unwrap();
            if line["step"] == "initial" {
                let flipped = !line["value"].as_bool().unwrap();
                let response = set(&operator().await, &p, "new-editor", json!(flipped)).await;
                assert_eq!(response.status(), StatusCode::OK);
            }
            seen.push(line);
        }
    };
    tokio::time::timeout(Duration::from_secs(90), read)
        .await
        .expect("the client finished");
    assert!(
        child.wait().await.unwrap().success(),
        "the client failed: {seen:?}"
    );
    seen
}

fn assert_client_saw_the_flags(lines: &[Value]) {
    let step = |name: &str| {
        lines
            .iter()
            .find(|l| l["step"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {lines:?}"))
    };
    let initial = step("initial");
    assert_eq!(
        (&initial["value"], &initial["reason"], &initial["variant"]),
        (&json!(true), &json!("DEFAULT"), &json!("Pro"))
    );
    assert_eq!(initial["projects"], 50);
    assert_eq!(initial["support"], "standard");
    assert_eq!(initial["limits"], json!({"requests_per_minute": 600}));
    let changed = step("changed");
    assert_eq!(
        (&changed["value"], &changed["reason"], &changed["variant"]),
        (&json!(false), &json!("TARGETING_MATCH"), &json!("override"))
    );
    // Another tenant: the SDK falls back to the code's default, with an error.
    let cross = step("cross-tenant");
    assert_eq!(
        (&cross["value"], &cross["reason"]),
        (&json!(false), &json!("ERROR"))
    );
    assert_eq!(cross["errorCode"], "GENERAL");
    let missing = step("missing");
    assert_eq!(
        (&missing["value"], &missing["errorCode"]),
        (&json!(true), &json!("FLAG_NOT_FOUND"))
    );
}

#[tokio::test]
async fn fr_flag_002_the_openfeature_js_sdk_with_the_ofrep_provider_reads_flags_unchanged() {
    let mut node = tokio::process::Command::new("node");
    node.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/ofrep.cjs"))
        .env("NODE_PATH", clients().join("node_modules"));
    assert_client_saw_the_flags(&drive(node).await);
}

#[tokio::test]
async fn fr_flag_002_the_openfeature_python_sdk_with_the_ofrep_provider_reads_flags_unchanged() {
    let mut python = tokio::process::Command::new(clients().join("venv/bin/python"));
    python.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/ofrep.py"));
    assert_client_saw_the_flags(&drive(python).await);
}

/// The Rust how-to of doc/how-to-read-flags.md, as an application runs it.
/// The lines between the markers are the how-to's lines, word for word
/// (`fr_flag_002_the_rust_how_to_is_the_code_the_tests_run`).
#[rustfmt::skip]
async fn rust_how_to(
    api_url: String,
    token: &str,
    user_id: &str,
    tenant_id: String,
) -> Result<bool, Box<dyn std::error::Error>> {
    use open_feature::{EvaluationContext, OpenFeature};
    use open_feature_ofrep::{OfrepOptions, OfrepProvider};
    use reqwest::header::{AUTHORIZATION, HeaderMap};
    // how-to: begin
    let headers = HeaderMap::from_iter([(AUTHORIZATION, format!("Bearer {token}").parse()?)]);
    let provider = OfrepProvider::new(OfrepOptions { base_url: api_url, headers, ..Default::default() }).await?;
    let mut api = OpenFeature::singleton_mut().await; api.set_provider(provider).await;
    let context = EvaluationContext::default().with_targeting_key(user_id).with_custom_field("tenantId", tenant_id);
    let on = api.create_client().get_bool_value("new-editor", Some(&context), None).await.unwrap_or(false);
    // how-to: end
    Ok(on)
}

#[tokio::test]
async fn fr_flag_002_the_openfeature_rust_sdk_with_the_ofrep_provider_reads_flags_unchanged() {
    use open_feature::{EvaluationContext, EvaluationErrorCode, OpenFeature};
    let (token, p) = reader().await;
    let api_url = stack().gateway_url.clone();
    let tenant = p.tenant.id.to_string();

    // A Pro tenant's default, then the operator's change from the next
    // evaluation on (this provider evaluates each flag on the server).
    let initial = rust_how_to(api_url.clone(), &token, "user-42", tenant.clone()).await;
    assert!(initial.unwrap());
    let response = set(&operator().await, &p, "new-editor", json!(false)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed = rust_how_to(api_url.clone(), &token, "user-42", tenant.clone()).await;
    assert!(!changed.unwrap());

    // With the provider the how-to set: another tenant is refused, and an
    // unknown flag is named; the how-to's `unwrap_or` would give the
    // application its default.
    let client = OpenFeature::singleton().await.create_client();
    let context = |tenant: String| {
        EvaluationContext::default()
            .with_targeting_key("user-42")
            .with_custom_field("tenantId", tenant)
    };
    let other = fixtures::tenant(&store().await).await.tenant.id.to_string();
    let refused = client
        .get_bool_value("new-editor", Some(&context(other)), None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused.code, EvaluationErrorCode::General(_)),
        "{refused:?}"
    );
    let missing = client
        .get_bool_value("no-such-flag", Some(&context(tenant.clone())), None)
        .await
        .unwrap_err();
    assert_eq!(missing.code, EvaluationErrorCode::FlagNotFound);
    let projects = client
        .get_int_value("max-projects", Some(&context(tenant)), None)
        .await
        .unwrap();
    assert_eq!(projects, 50);
}

#[test]
fn fr_flag_002_the_rust_how_to_is_the_code_the_tests_run() {
    let code = include_str!("openfeature.rs");
    let begin = code.find("// how-to: begin\n").unwrap();
    let end = code.find("    // how-to: end").unwrap();
    let ran: Vec<&str> = code[begin..end].lines().skip(1).map(str::trim).collect();
    let doc = include_str!("../../../../doc/how-to-read-flags.md");
    let rust = doc.split("```rust\n").nth(1).unwrap();
    let documented: Vec<&str> = rust[..rust.find("```").unwrap()].lines().collect();
    assert_eq!(documented, ran);
    assert_eq!(ran.len(), 5);
}
