//! Operators' overrides of a tenant's flags through the local gateway
//! (FR-FLAG-001): set, cleared and seen with the reason of each value, of
//! any JSON value of the flag's type, by operators only, and kept across a
//! plan change.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use crate::support::flags::{clear, context, flag, flag_of, flags_path, ofrep, reader, set};
use crate::support::members::onboarded;
use cp_tests::{
    developer, eventually, get, http, operator, platform_token, problem, send_json, store, unique,
    url,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

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
    let owner = fixtures::sign_in(&subject).await;
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
