//! Application audit ingestion through the local gateway (FR-LOG-001,
//! UC-SYS-LOG-REPORT, API-LOG), with real application tokens: one event or a
//! batch, deduplicated on the event id, a result per event, into the same
//! pipeline and chain as the control plane's own records; and refused from
//! every side an attacker would try.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use cp_tests::{
    developer, eventually, operator, platform_token, problem, send_json, store, unique,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn event(id: &str) -> Value {
    json!({
        "event_id": id,
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "actor_id": "user-42",
        "event_type": "invoice.download",
        "resource_id": "invoice/2026-05",
        "outcome": "success",
        "ip_address": "203.0.113.7",
        "metadata": {"format": "=HYPERLINK(\"x\")"},
    })
}

async fn report(token: &str, body: &Value) -> reqwest::Response {
    send_json(Method::POST, token, "/v1/audit-events", body).await
}

#[tokio::test]
async fn fr_log_001_an_application_reports_events_once_each_into_the_tenant_s_chain() {
    let dev = developer().await;
    let app = register(&dev).await;
    let issued = secret(&dev, &app, &["audit:write"]).await;
    let p = fixtures::tenant(&store().await).await;
    let tenant = p.tenant.id;
    enable(&operator().await, tenant, &app).await;
    let token = access_token(&issued).await;

    // One event.
    let single_id = unique("evt");
    let mut single = event(&single_id);
    single["tenant_id"] = json!(tenant);
    let answer: Value = report(&token, &single).await.json().await.unwrap();
    assert_eq!(answer["accepted"], 1);
    assert_eq!(answer["results"][0]["status"], "accepted");

    // A batch: a new event, the one before again, the new one twice, and an
    // invalid one; each gets its own result.
    let (new_id, bad_id) = (unique("evt"), unique("evt"));
    let mut bad = event(&bad_id);
    bad["ip_address"] = json!("not an address");
    let batch = json!({
        "tenant_id": tenant,
        "events": [event(&new_id), event(&single_id), event(&new_id), bad],
    });
    let response = report(&token, &batch).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let statuses: Vec<&str> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["accepted", "duplicate", "duplicate", "rejected"]);
    assert_eq!(answer["results"][3]["event_id"], bad_id.as_str());
    assert!(
        answer["results"][3]["error"]
            .as_str()
            .unwrap()
            .contains("ip_address")
    );
    // A retry of the whole batch changes nothing.
    let again: Value = report(&token, &batch).await.json().await.unwrap();
    assert_eq!(
        (again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(3))
    );

    // Both events reach the tenant's trail, once each, as the application
    // reported them, in the same chain as the control plane's records.
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    let records = eventually("the reported events", Duration::from_secs(20), || async {
        let reported: Vec<_> = cp_tests::audit_trail(&auditor, &tenant.to_string(), "")
            .await
            .into_iter()
            .filter(|r| r.source == app.id.to_string())
            .collect();
        (reported.len() >= 2).then_some(reported)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(records.len(), 2, "each event once");
    let record = records
        .iter()
        .find(|r| r.metadata["event_id"] == single_id.as_str())
        .unwrap();
    assert_eq!(record.action, "invoice.download");
    assert_eq!(record.actor_id, "user-42");
    assert_eq!(record.resource, "invoice/2026-05");
    assert_eq!(record.metadata["ip_address"], "203.0.113.7");
    assert!(record.chain.is_some() && record.hash_holds());
}

#[tokio::test]
async fn fr_log_001_reports_are_refused_for_other_tenants_without_the_scope_and_when_suspended() {
    let dev = developer().await;
    let app = register(&dev).await;
    let writer = secret(&dev, &app, &["audit:write"]).await;
    let reader = secret(&dev, &app, &["tenants:read"]).await;
    let store = store().await;
    let (mine, other) = (
        fixtures::tenant(&store).await,
        fixtures::tenant(&store).await,
    );
    let op = operator().await;
    enable(&op, mine.tenant.id, &app).await;
    let token = access_token(&writer).await;
    let body = |tenant: cp_domain::TenantId| json!({"tenant_id": tenant, "events": [event(&unique("evt"))]});

    // Another tenant's id: refused, whatever the tenant.
    problem(
        report(&token, &body(other.tenant.id)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        report(&token, &body(cp_domain::TenantId::random())).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // A token without audit:write.
    let read_only = access_token(&reader).await;
    problem(
        report(&read_only, &body(mine.tenant.id)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // A person's token is not an application's.
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    assert_eq!(
        report(&auditor, &body(mine.tenant.id)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Too many events, or none.
    let too_many: Vec<Value> = (0..101).map(|i| event(&format!("e{i}"))).collect();
    problem(
        report(
            &token,
            &json!({"tenant_id": mine.tenant.id, "events": too_many}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    // A suspended tenant.
    let suspended = send_json(
        Method::POST,
        &op,
        &format!("/v1/tenants/{}/suspend", mine.tenant.id),
        &json!({}),
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::OK);
    problem(
        report(&token, &body(mine.tenant.id)).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
}
