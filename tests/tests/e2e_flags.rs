//! Feature flags through the local gateway: operators' overrides
//! (FR-FLAG-001), OFREP delivery to managed applications (FR-FLAG-002,
//! API-FLAG) with the catalog read through the AppConfig extension's
//! contract, isolation from the attacker's side, and the OpenFeature SDKs
//! (JavaScript and Python, with their OFREP providers, unchanged).

use crate::e2e_applications::{access_token, enable, register, secret};
use crate::e2e_provisioning::problem;
use crate::e2e_tenant_admin::onboarded;
use crate::fixtures;
use cp_domain::provisioning::Provisioned;
use cp_tests::{
    developer, eventually, get, http, idp, operator, platform_token, send_json, stack, store,
    unique, url,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

fn flags_path(p: &Provisioned) -> String {
    format!("/v1/tenants/{}/flags", p.tenant.id)
}

async fn set(token: &str, p: &Provisioned, key: &str, value: Value) -> Response {
    send_json(
        Method::PUT,
        token,
        &format!("{}/{key}", flags_path(p)),
        &json!({ "value": value }),
    )
    .await
}

async fn clear(token: &str, p: &Provisioned, key: &str) -> Response {
    http()
        .delete(url(&format!("{}/{key}", flags_path(p))))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The operator's view of one flag of a tenant.
async fn flag(token: &str, p: &Provisioned, key: &str) -> Value {
    let response = get(token, &flags_path(p)).await;
    assert_eq!(response.status(), StatusCode::OK);
    flag_of(&response.json().await.unwrap(), key)
}

/// One flag of a list of flags (the operator's view, OFREP's bulk answer).
fn flag_of(body: &Value, key: &str) -> Value {
    body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} in {body}"))
}

/// An OFREP request with an application's token.
async fn ofrep(token: &str, path: &str, body: &Value, etag: Option<&str>) -> Response {
    let mut request = http()
        .post(url(&format!("/ofrep/v1/evaluate/flags{path}")))
        .bearer_auth(token)
        .json(body);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

fn context(p: &Provisioned) -> Value {
    json!({"context": {"targetingKey": "user-1", "tenantId": p.tenant.id.to_string()}})
}

/// An application with a `flags:read` token, enabled for a new (Pro) tenant.
async fn reader() -> (String, Provisioned) {
    let dev = developer().await;
    let app = register(&dev).await;
    let issued = secret(&dev, &app, &["flags:read"]).await;
    let p = fixtures::tenant(&store().await).await;
    enable(&operator().await, p.tenant.id, &app).await;
    (access_token(&issued).await, p)
}

#[tokio::test]
async fn fr_flag_001_operators_set_and_clear_overrides_and_see_each_value_with_its_reason() {
    let p = fixtures::tenant(&store().await).await; // a Pro tenant
    let op = operator().await;

    // The catalog (flags/catalog.json, published into AppConfig) with the
    // Pro plan's defaults.
    let listed: Value = get(&op, &flags_path(&p)).await.json().await.unwrap();
    assert_eq!(listed["plan"], "Pro");
    assert_eq!(listed["catalog_version"], "1");
    assert_eq!(listed["flags"].as_array().unwrap().len(), 6);
    let editor = flag(&op, &p, "new-editor").await;
    assert_eq!(
        (&editor["value"], &editor["reason"], &editor["override"]),
        (&json!(true), &json!("plan_default"), &Value::Null)
    );
    assert_eq!(flag(&op, &p, "theme").await["reason"], "static");

    // Set: the override wins, and says so.
    let response = set(&op, &p, "new-editor", json!(false)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(
        (&view["value"], &view["reason"], &view["plan_default"]),
        (&json!(false), &json!("override"), &json!(true))
    );
    let limits = json!({"requests_per_minute": 42});
    assert_eq!(
        set(&op, &p, "rate-limits", limits.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(flag(&op, &p, "rate-limits").await["value"], limits);
    // Repeating it changes nothing.
    assert_eq!(
        set(&op, &p, "new-editor", json!(false)).await.status(),
        StatusCode::OK
    );

    // Wrong type, unknown flag, unknown tenant.
    problem(
        set(&op, &p, "new-editor", json!("yes")).await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    problem(
        set(&op, &p, "no-such-flag", json!(true)).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    let stranger = fixtures::tenant(&store().await).await;
    let missing = format!("/v1/tenants/{}/flags", cp_domain::TenantId::random());
    problem(
        get(&op, &missing).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;

    // Clear: the plan's default applies again.
    let response = clear(&op, &p, "new-editor").await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(
        (&view["value"], &view["reason"]),
        (&json!(true), &json!("plan_default"))
    );
    // Other tenants were never touched.
    assert_eq!(
        flag(&op, &stranger, "new-editor").await["reason"],
        "plan_default"
    );

    // Every change is audited with the value before and after; the repeat
    // is not a change.
    let tenant = p.tenant.id.to_string();
    let changes = eventually("flag changes audited", Duration::from_secs(20), || async {
        let changes: Vec<Value> = cp_tests::audit_trail(&op, &tenant, "&action=tenant.flag.update")
            .await
            .into_iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        (changes.len() == 3).then_some(changes)
    })
    .await;
    let editor_changes: Vec<(Value, Value)> = changes
        .iter()
        .filter(|r| r["metadata"]["flag_key"] == "new-editor")
        .map(|r| {
            (
                r["metadata"]["previous_value"].clone(),
                r["metadata"]["value"].clone(),
            )
        })
        .collect();
    assert!(editor_changes.contains(&(Value::Null, json!(false))));
    assert!(editor_changes.contains(&(json!(false), Value::Null)));
    assert!(changes.iter().all(|r| {
        r["actor_type"] == "Operator"
            && r["resource"]
                .as_str()
                .unwrap()
                .starts_with(&format!("tenant/{tenant}/flag/"))
    }));
}

/// Any JSON value of a flag's type is kept exactly, also numbers and
/// nesting that DynamoDB's own number and map attributes cannot hold
/// (overrides are stored as JSON text); each change reaches the tenant's
/// trail through the pipeline, which stays live, and OFREP serves the
/// value. A body nested past what the API parses is a clean ERR-VAL-400.
#[tokio::test]
async fn fr_flag_001_any_json_value_of_the_flags_type_is_kept_exactly() {
    let (token, p) = reader().await;
    let op = operator().await;
    let deep = (0..40).fold(json!("leaf"), |inner, _| json!({ "next": inner }));
    let values = [
        ("max-projects", json!(1e308)),
        ("max-projects", json!(-1e130)),
        ("max-projects", json!(1.5e-131)),
        ("max-projects", json!(u64::MAX)),
        (
            "rate-limits",
            json!({ "burst": [1e-200, -0.0, 2], "deep": deep }),
        ),
    ];
    for (key, value) in &values {
        let response = set(&op, &p, key, value.clone()).await;
        assert_eq!(response.status(), StatusCode::OK, "{key} = {value}");
        assert_eq!(&flag(&op, &p, key).await["override"], value);
        let served: Value = ofrep(&token, &format!("/{key}"), &context(&p), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(&served["value"], value, "{key}");
    }
    let too_deep = format!(r#"{{"value": {}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let response = http()
        .put(url(&format!("{}/rate-limits", flags_path(&p))))
        .bearer_auth(&op)
        .header("content-type", "application/json")
        .body(too_deep)
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;

    // Every change, the deep one too, reached the tenant's trail.
    let tenant = p.tenant.id.to_string();
    let expected = values.len();
    eventually("the changes in the trail", Duration::from_secs(30), || {
        let op = op.clone();
        let tenant = tenant.clone();
        async move {
            let changes = cp_tests::audit_trail(&op, &tenant, "&action=tenant.flag.update").await;
            (changes.len() == expected).then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn fr_flag_001_only_operators_change_flags_and_tenant_users_see_none() {
    let (p, subject) = fixtures::tenant_owner().await;
    let owner = idp().user_token(&subject).await.unwrap();
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    let dev = developer().await;
    problem(
        set(&auditor, &p, "new-editor", json!(false)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        set(&owner, &p, "new-editor", json!(false)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        clear(&dev, &p, "new-editor").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        get(&owner, &flags_path(&p)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // Auditors read.
    assert_eq!(
        flag(&auditor, &p, "new-editor").await["reason"],
        "plan_default"
    );
    // Nothing changed.
    assert_eq!(
        flag(&operator().await, &p, "new-editor").await["override"],
        Value::Null
    );
}

#[tokio::test]
async fn fr_flag_002_an_application_reads_its_tenants_flags_over_ofrep_with_etag_and_304() {
    let (token, p) = reader().await;
    let op = operator().await;

    let response = ofrep(&token, "", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, max-age=30");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let flags = body["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 6);
    let editor = flags.iter().find(|f| f["key"] == "new-editor").unwrap();
    assert_eq!(
        (&editor["value"], &editor["reason"], &editor["variant"]),
        (&json!(true), &json!("DEFAULT"), &json!("Pro"))
    );
    let theme = flags.iter().find(|f| f["key"] == "theme").unwrap();
    assert_eq!(theme["reason"], "STATIC");

    // Unchanged: 304 without a body.
    let response = ofrep(&token, "", &context(&p), Some(&etag)).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    assert!(response.bytes().await.unwrap().is_empty());

    // An operator's change is a new ETag and the new value at once.
    assert_eq!(
        set(&op, &p, "max-projects", json!(7)).await.status(),
        StatusCode::OK
    );
    let response = ofrep(&token, "", &context(&p), Some(&etag)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = response.json().await.unwrap();
    let projects = body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "max-projects")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &projects["value"],
            &projects["reason"],
            &projects["variant"]
        ),
        (&json!(7), &json!("TARGETING_MATCH"), &json!("override"))
    );

    // One flag.
    let response = ofrep(&token, "/support-tier", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let one: Value = response.json().await.unwrap();
    assert_eq!(
        (&one["key"], &one["value"]),
        (&json!("support-tier"), &json!("standard"))
    );

    // The provider's configuration.
    let response = get(&token, "/ofrep/v1/configuration").await;
    assert_eq!(response.status(), StatusCode::OK);
    let configuration: Value = response.json().await.unwrap();
    assert_eq!(
        configuration["capabilities"]["cacheInvalidation"]["polling"]["minPollingIntervalMs"],
        30000
    );
}

/// FR-FLAG-001: a tenant's flags follow its plan. The Owner changes the
/// plan through the API (`tenant.plan_changed`): the new plan's defaults
/// apply from the next evaluation on, with a new `ETag`, and the operator's
/// override stays.
#[tokio::test]
async fn fr_flag_001_a_plan_change_moves_the_defaults_and_keeps_the_overrides() {
    let org = onboarded().await;
    let dev = developer().await;
    let app = register(&dev).await;
    let token = access_token(&secret(&dev, &app, &["flags:read"]).await).await;
    let op = operator().await;
    enable(&op, org.tenant_id, &app).await;
    let path = format!("/v1/tenants/{}/flags/max-projects", org.tenant_id);
    let set = send_json(Method::PUT, &op, &path, &json!({ "value": 7 })).await;
    assert_eq!(set.status(), StatusCode::OK);
    let context = json!({"context": {"targetingKey": "user-1", "tenantId": org.tenant_id}});

    let before = ofrep(&token, "", &context, None).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let before: Value = before.json().await.unwrap();
    assert_eq!(flag_of(&before, "support-tier")["variant"], "Pro");

    let changed = send_json(
        Method::PUT,
        &org.owner_token,
        "/v1/tenant/plan",
        &json!({ "plan": "Free" }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let after = ofrep(&token, "", &context, Some(&etag)).await;
    assert_eq!(after.status(), StatusCode::OK, "a new plan is a new ETag");
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    let after: Value = after.json().await.unwrap();
    let support = flag_of(&after, "support-tier");
    assert_eq!(
        (&support["value"], &support["reason"], &support["variant"]),
        (&json!("community"), &json!("DEFAULT"), &json!("Free"))
    );
    let projects = flag_of(&after, "max-projects");
    assert_eq!(
        (&projects["value"], &projects["variant"]),
        (&json!(7), &json!("override"))
    );
}

#[tokio::test]
async fn api_flag_ofrep_reasons_and_error_codes() {
    let (token, p) = reader().await;
    let tenant = p.tenant.id.to_string();
    let cases = [
        (
            "/new-editor",
            json!({"context": {"tenantId": tenant}}),
            "TARGETING_KEY_MISSING",
        ),
        (
            "/new-editor",
            json!({"context": {"targetingKey": "u", "tenantId": "nope"}}),
            "INVALID_CONTEXT",
        ),
        (
            "/new-editor",
            json!({"context": {"targetingKey": "u"}}),
            "INVALID_CONTEXT",
        ),
        ("", json!({}), "INVALID_CONTEXT"),
        (
            "",
            json!({"context": {"targetingKey": "", "tenantId": tenant}}),
            "TARGETING_KEY_MISSING",
        ),
    ];
    for (path, body, code) in cases {
        let response = ofrep(&token, path, &body, None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["errorCode"], code, "{body}");
        assert!(error["errorDetails"].is_string());
        assert_eq!(error.get("key").is_some(), !path.is_empty());
    }
    let response = http()
        .post(url("/ofrep/v1/evaluate/flags"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errorCode"],
        "PARSE_ERROR"
    );

    let response = ofrep(&token, "/no-such-flag", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        (&error["key"], &error["errorCode"]),
        (&json!("no-such-flag"), &json!("FLAG_NOT_FOUND"))
    );
}

#[tokio::test]
async fn fr_flag_002_isolation_an_application_never_reads_another_tenants_flags() {
    let (token, p) = reader().await;
    let op = operator().await;
    // A tenant that did not enable the application, and one that does not
    // exist: the same refusal.
    let other = fixtures::tenant(&store().await).await;
    assert_eq!(
        set(&op, &other, "new-editor", json!(false)).await.status(),
        StatusCode::OK
    );
    for tenant in [other.tenant.id, cp_domain::TenantId::random()] {
        let body = json!({"context": {"targetingKey": "u", "tenantId": tenant.to_string()}});
        for path in ["", "/new-editor"] {
            let refused = problem(
                ofrep(&token, path, &body, None).await,
                StatusCode::FORBIDDEN,
                "ERR-AUTH-403",
            )
            .await;
            assert_eq!(
                refused["detail"],
                "the application is not enabled for this tenant"
            );
        }
    }
    // A token without flags:read, and no token.
    let dev = developer().await;
    let app = register(&dev).await;
    let tenants_only = secret(&dev, &app, &["tenants:read"]).await;
    enable(&op, p.tenant.id, &app).await;
    let tenants_token = access_token(&tenants_only).await;
    problem(
        ofrep(&tenants_token, "", &context(&p), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let anonymous = http()
        .post(url("/ofrep/v1/evaluate/flags"))
        .json(&context(&p))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A person's token is not an application's.
    let response = ofrep(&op, "", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // A suspended tenant is refused, and told why.
    let suspend = send_json(
        Method::POST,
        &op,
        &format!("/v1/tenants/{}/suspend", p.tenant.id),
        &json!({}),
    )
    .await;
    assert_eq!(suspend.status(), StatusCode::OK);
    let refused = problem(
        ofrep(&token, "", &context(&p), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(refused["detail"], "the tenant is suspended");
}

/// Where `scripts/setup-clients.sh` installed the OpenFeature clients.
fn clients() -> PathBuf {
    std::env::var_os("CP_CLIENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.local/clients"))
}

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
    let code = include_str!("e2e_flags.rs");
    let begin = code.find("// how-to: begin\n").unwrap();
    let end = code.find("    // how-to: end").unwrap();
    let ran: Vec<&str> = code[begin..end].lines().skip(1).map(str::trim).collect();
    let doc = include_str!("../../doc/how-to-read-flags.md");
    let rust = doc.split("```rust\n").nth(1).unwrap();
    let documented: Vec<&str> = rust[..rust.find("```").unwrap()].lines().collect();
    assert_eq!(documented, ran);
    assert_eq!(ran.len(), 5);
}
