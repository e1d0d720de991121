//! Billing event ingestion through the local gateway with real application
//! tokens (FR-BILL-002): each event stored once, a result per event of a
//! batch, and refusals from the attacker's side.

use crate::support::applications::{access_token, enable, secret};
use crate::support::billing::{
    BATCH, SINGLE, billing_system, export_all, export_raw, post, reporter, test_start, usage,
};
use crate::support::fixtures;
use cp_domain::TenantId;
use cp_tests::{developer, operator, problem, send_json, store, unique};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn fr_bill_002_an_event_is_stored_once_and_its_retry_is_a_duplicate() {
    let started = test_start();
    let r = reporter(1).await;
    let tenant = r.tenants[0].tenant.id;
    let event = usage(tenant, "//crm.example/api", &unique("req"), 3);

    let response = post(&r.token, SINGLE, &event).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["id"], event["id"]);

    // The retry, and two racing retries: acknowledged, never stored again.
    let response = post(&r.token, SINGLE, &event).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["status"],
        "duplicate"
    );
    let (a, b) = tokio::join!(
        post(&r.token, SINGLE, &event),
        post(&r.token, SINGLE, &event)
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));

    let reader = billing_system().await;
    let items = export_all(
        &reader,
        &format!("tenant_id={tenant}&app_id={}", r.app.id),
        started,
    )
    .await;
    assert_eq!(items.len(), 1, "{items:?}");
    let stored = &items[0];
    assert_eq!(stored.id, event["id"].as_str().unwrap());
    assert_eq!(stored.source, "//crm.example/api");
    assert_eq!(stored.event_type, "api_call");
    assert_eq!(stored.quantity, 3);
    assert_eq!(stored.app_id, Some(r.app.id));
    assert_eq!(stored.properties["endpoint"], "/v1/leads");
    assert!(stored.ingested_at >= stored.occurred_at);
}

#[tokio::test]
async fn fr_bill_002_a_batch_gets_a_result_per_event_and_a_bad_event_drops_no_good_one() {
    let r = reporter(1).await;
    let tenant = r.tenants[0].tenant.id;
    let stranger = fixtures::tenant(&store().await).await.tenant.id;
    let source = "//crm.example/batch";
    let first = usage(tenant, source, &unique("a"), 1);
    let mut bad = usage(tenant, source, &unique("bad"), 1);
    bad["data"]["quantity"] = json!(-5);
    bad["type"] = json!("Not A Type");
    let batch = json!([
        first,
        usage(tenant, source, &unique("b"), 2),
        bad,
        first, // the same (source, id) twice in one batch
        usage(stranger, source, &unique("c"), 4),
        "not an object",
    ]);
    let response = post(&r.token, BATCH, &batch).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let statuses: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "accepted",
            "accepted",
            "rejected",
            "duplicate",
            "rejected",
            "rejected"
        ]
    );
    assert_eq!(
        (
            body["accepted"].clone(),
            body["duplicates"].clone(),
            body["rejected"].clone()
        ),
        (json!(2), json!(1), json!(3))
    );
    let invalid = &body["results"][2]["problem"];
    assert_eq!(
        invalid["type"],
        "urn:saas-control-plane:problem:ERR-VAL-400"
    );
    let names: Vec<&str> = invalid["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["type", "data"]);
    // Another tenant's id: refused like a tenant that did not enable it.
    let refused = &body["results"][4]["problem"];
    assert_eq!(
        refused["type"],
        "urn:saas-control-plane:problem:ERR-AUTH-403"
    );
    assert_eq!(
        refused["detail"],
        "the application is not enabled for this tenant"
    );

    // The whole batch again: everything good is now a duplicate.
    let again: Value = post(&r.token, BATCH, &batch).await.json().await.unwrap();
    assert_eq!(
        (again["accepted"].clone(), again["duplicates"].clone()),
        (json!(0), json!(3))
    );

    // Limits and framing are the request's own errors.
    let too_many: Vec<Value> = (0..101)
        .map(|i| usage(tenant, source, &format!("x{i}"), 1))
        .collect();
    for (content_type, body) in [
        (BATCH, json!(too_many)),
        (BATCH, json!([])),
        (BATCH, json!({"not": "an array"})),
        ("application/json", json!([usage(tenant, source, "y", 1)])),
    ] {
        problem(
            post(&r.token, content_type, &body).await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
    }
}

#[tokio::test]
async fn fr_bill_002_ingestion_from_the_attackers_side() {
    let r = reporter(1).await;
    let tenant = r.tenants[0].tenant.id;
    let event = usage(tenant, "//crm.example/api", &unique("req"), 1);

    // A token without billing:write, and a person's token.
    let dev = developer().await;
    let reader = access_token(&secret(&dev, &r.app, &["billing:read"]).await).await;
    problem(
        post(&reader, SINGLE, &event).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(
        post(&dev, SINGLE, &event).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Another application reusing the same (source, id) cannot shadow the
    // first one's event: deduplication is per application.
    let other = reporter(0).await;
    enable(&operator().await, tenant, &other.app).await;
    assert_eq!(
        post(&other.token, SINGLE, &event).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&r.token, SINGLE, &event).await.status(),
        StatusCode::ACCEPTED
    );

    // A tenant that has not enabled the application, or does not exist.
    let stranger = fixtures::tenant(&store().await).await.tenant.id;
    for t in [stranger, TenantId::random()] {
        let response = post(&r.token, SINGLE, &usage(t, "//x", &unique("s"), 1)).await;
        let p = problem(response, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
        assert_eq!(
            p["detail"],
            "the application is not enabled for this tenant"
        );
    }

    // A suspended tenant is refused clearly, and so is one being deleted.
    let op = operator().await;
    let confirm = json!({"confirm_domain": r.tenants[0].tenant.domain.as_str()});
    for (action, body, detail) in [
        ("suspend", json!({}), "the tenant is suspended"),
        ("resume", json!(null), ""),
        ("delete", confirm, "the tenant is being deleted"),
    ] {
        let response = send_json(
            Method::POST,
            &op,
            &format!("/v1/tenants/{tenant}/{action}"),
            &body,
        )
        .await;
        assert!(response.status().is_success(), "{action}");
        if detail.is_empty() {
            continue;
        }
        let response = post(&r.token, SINGLE, &usage(tenant, "//x", &unique("s"), 1)).await;
        let p = problem(response, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
        assert_eq!(p["detail"], detail);
    }

    // The export needs billing:read.
    problem(
        export_raw(&r.token, "limit=1").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
}
