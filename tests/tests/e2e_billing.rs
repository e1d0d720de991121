//! Billing events through the local gateway with real application tokens:
//! CloudEvents ingestion with deduplication and per-event results
//! (FR-BILL-001/002), the cursor export (FR-BILL-003), the poller that
//! reconciles exactly while writers ingest, and the billing consumer that
//! puts the control plane's own facts in the same feed.

use crate::e2e_applications::{access_token, enable, register, secret};
use crate::e2e_provisioning::problem;
use crate::e2e_tenant_admin::{delete, join, onboarded, patch_user};
use aws_sdk_dynamodb::types::AttributeValue;
use cp_api::{ApplicationView, BillingEventView, BillingPageView};
use cp_domain::provisioning::Provisioned;
use cp_domain::{TenantId, UserId};
use cp_tests::{developer, eventually, http, operator, send_json, stack, store, unique, url};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const SINGLE: &str = "application/cloudevents+json";
const BATCH: &str = "application/cloudevents-batch+json";

/// A usage event as a managed application reports it.
fn usage(tenant: TenantId, source: &str, id: &str, quantity: u64) -> Value {
    json!({
        "specversion": "1.0", "id": id, "source": source, "type": "api_call",
        "time": chrono::Utc::now().to_rfc3339(),
        "data": {"tenant_id": tenant, "quantity": quantity, "properties": {"endpoint": "/v1/leads"}}
    })
}

async fn post(token: &str, content_type: &str, body: &Value) -> Response {
    http()
        .post(url("/v1/app/billing-events"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn export_raw(token: &str, query: &str) -> Response {
    http()
        .get(url(&format!("/v1/app/billing-events?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn export(token: &str, query: &str) -> BillingPageView {
    let response = export_raw(token, query).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// When a test began, a little early: the feed holds every test's events,
/// so a test's exports start at its own rather than at the beginning.
fn test_start() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::seconds(5)
}

/// Every event the export has for `query` from `since`, following cursors
/// to the horizon, once the horizon has passed `Instant::now()` at call
/// time.
async fn export_all(
    token: &str,
    query: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> Vec<BillingEventView> {
    let until = chrono::Utc::now();
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let query = format!("{query}&since={since}");
    let query = query.as_str();
    let mut cursor: Option<String> = None;
    let mut items = Vec::new();
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let page = export(token, &q).await;
        items.extend(page.items);
        cursor = Some(page.next_cursor);
        if !page.has_more && page.horizon > until {
            return items;
        }
        if !page.has_more {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// An application with a `billing:write` token, enabled for new tenants.
struct Reporter {
    app: ApplicationView,
    token: String,
    tenants: Vec<Provisioned>,
}

async fn reporter(tenants: usize) -> Reporter {
    let dev = developer().await;
    let app = register(&dev).await;
    let token = access_token(&secret(&dev, &app, &["billing:write"]).await).await;
    let op = operator().await;
    let mut provisioned = Vec::new();
    for _ in 0..tenants {
        let p = crate::fixtures::tenant(&store().await).await;
        enable(&op, p.tenant.id, &app).await;
        provisioned.push(p);
    }
    Reporter {
        app,
        token,
        tenants: provisioned,
    }
}

/// The billing system: an application an operator designated as a billing
/// reader, with a `billing:read` token.
async fn billing_system() -> String {
    let dev = developer().await;
    let app = register(&dev).await;
    let designated = send_json(
        Method::PUT,
        &operator().await,
        &format!("/v1/applications/{}/billing-reader", app.id),
        &Value::Null,
    )
    .await;
    assert_eq!(designated.status(), StatusCode::OK);
    access_token(&secret(&dev, &app, &["billing:read"]).await).await
}

/// FR-BILL-003: the feed holds every tenant's usage, so `billing:read`,
/// which any developer can put on a secret, takes effect only for an
/// application an operator designated; designation and withdrawal are in
/// the platform's trail and take effect from the next request.
#[tokio::test]
async fn fr_bill_003_only_an_application_an_operator_designated_reads_the_billing_feed() {
    let dev = developer().await;
    let app = register(&dev).await;
    let token = access_token(&secret(&dev, &app, &["billing:read"]).await).await;
    problem(
        export_raw(&token, "limit=1").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let designation = format!("/v1/applications/{}/billing-reader", app.id);
    // The developer who owns the application cannot designate it.
    problem(
        send_json(Method::PUT, &dev, &designation, &Value::Null).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let op = operator().await;
    let designated: Value = send_json(Method::PUT, &op, &designation, &Value::Null)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(designated["billing_reader"], true);
    assert_eq!(export_raw(&token, "limit=1").await.status(), StatusCode::OK);

    let withdrawn: Value = send_json(Method::DELETE, &op, &designation, &Value::Null)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(withdrawn["billing_reader"], false);
    problem(
        export_raw(&token, "limit=1").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // Both changes are in the platform's trail, by the operator.
    let resource = format!("application/{}", app.id);
    let trail = eventually(
        "the designation in the trail",
        Duration::from_secs(30),
        || {
            let op = op.clone();
            let resource = resource.clone();
            async move {
                let records: Vec<_> = cp_tests::audit_trail(&op, "platform", "")
                    .await
                    .into_iter()
                    .filter(|r| {
                        r.resource == resource && r.action.starts_with("application.billing_reader")
                    })
                    .collect();
                (records.len() == 2).then_some(records)
            }
        },
    )
    .await;
    let mut actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "application.billing_reader.designate",
            "application.billing_reader.withdraw"
        ]
    );
    assert!(
        trail
            .iter()
            .all(|r| r.actor_type == cp_domain::ActorType::Operator),
        "{trail:?}"
    );
}

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
    let stranger = crate::fixtures::tenant(&store().await).await.tenant.id;
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
    let stranger = crate::fixtures::tenant(&store().await).await.tenant.id;
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

#[tokio::test]
async fn fr_bill_003_the_export_filters_pages_and_speaks_csv() {
    let started = test_start();
    let r = reporter(2).await;
    let (t1, t2) = (r.tenants[0].tenant.id, r.tenants[1].tenant.id);
    let since = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let source = "//crm.example/export";
    let mut old = usage(t1, source, &unique("old"), 7);
    old["time"] = json!("2026-01-15T00:00:00Z");
    let events = json!([
        old,
        usage(t1, source, &unique("a"), 1),
        usage(t1, source, &unique("b"), 2),
        usage(t2, source, &unique("c"), 5),
    ]);
    let body: Value = post(&r.token, BATCH, &events).await.json().await.unwrap();
    assert_eq!(body["accepted"], 4);
    let reader = billing_system().await;
    let app = r.app.id;

    let all = export_all(&reader, &format!("app_id={app}&limit=1"), started).await;
    assert_eq!(all.len(), 4, "pages of one follow each other without loss");
    let of_t1 = export_all(&reader, &format!("app_id={app}&tenant_id={t1}"), started).await;
    assert_eq!(of_t1.iter().map(|e| e.quantity).sum::<u64>(), 10);
    let january = export_all(
        &reader,
        &format!(
            "app_id={app}&occurred_from=2026-01-01T00:00:00Z&occurred_to=2026-02-01T00:00:00Z"
        ),
        started,
    )
    .await;
    assert_eq!(january.len(), 1);
    assert_eq!(january[0].quantity, 7);

    // CSV: a header row, one row per event, the cursor in a header.
    let response = http()
        .get(url(&format!(
            "/v1/app/billing-events?app_id={app}&tenant_id={t2}&since={since}&limit=1000"
        )))
        .bearer_auth(&reader)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let cursor = response.headers()["x-next-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "ingested_at,occurred_at,tenant_id,app_id,type,quantity,source,id,properties"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(&t2.to_string()) && lines[1].contains(",5,"));

    // After the last event, pages are empty but still carry a cursor.
    let page = export(
        &reader,
        &format!("app_id={app}&tenant_id={t2}&cursor={cursor}"),
    )
    .await;
    assert!(page.items.is_empty());
    assert!(!page.next_cursor.is_empty());

    // Bad parameters are named.
    for query in [
        "cursor=bm9wZQ",
        "limit=0",
        "limit=1001",
        "since=yesterday",
        "tenant_id=x",
    ] {
        problem(
            export_raw(&reader, query).await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
    }
}

/// FR-BILL-001/003, the proof: writers ingest thousands of events in
/// batches, with retries, racing retries and duplicates across batches,
/// while a poller follows the export's cursors. At the end every accepted
/// event was exported exactly once and the sums per tenant match.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fr_bill_003_a_poller_polling_while_writers_ingest_reconciles_exactly() {
    const WRITERS: usize = 4;
    const BATCHES: usize = 8;
    const PER_BATCH: usize = 100;
    let r = std::sync::Arc::new(reporter(3).await);
    let reader = billing_system().await;
    let app = r.app.id;
    let run = unique("run");
    // When the last writer finished; the poller stops once its horizon has
    // passed that moment and nothing is left.
    let (done_tx, done_rx) = tokio::sync::watch::channel(None::<chrono::DateTime<chrono::Utc>>);

    let poller = tokio::spawn(async move {
        let mut cursor: Option<String> = None;
        let mut seen: Vec<BillingEventView> = Vec::new();
        let mut pages = 0;
        loop {
            let q = match &cursor {
                Some(c) => format!("app_id={app}&limit=250&cursor={c}"),
                None => format!("app_id={app}&limit=250"),
            };
            let page = export(&reader, &q).await;
            pages += 1;
            seen.extend(page.items);
            cursor = Some(page.next_cursor);
            let done = *done_rx.borrow();
            if !page.has_more && done.is_some_and(|d| page.horizon > d) {
                return (seen, pages);
            }
            if !page.has_more {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    });

    let writers = (0..WRITERS).map(|w| {
        let r = r.clone();
        let run = run.clone();
        tokio::spawn(async move {
            // (tenant, quantity) of every event this writer had accepted.
            let mut accepted: Vec<(TenantId, u64)> = Vec::new();
            let mut previous: Option<Vec<Value>> = None;
            for b in 0..BATCHES {
                let mut batch: Vec<Value> = (0..PER_BATCH)
                    .map(|i| {
                        let tenant = r.tenants[(w + i) % r.tenants.len()].tenant.id;
                        let id = format!("{run}-{b}-{i}");
                        usage(tenant, &format!("//writer/{w}"), &id, (i % 7) as u64 + 1)
                    })
                    .collect();
                // Two events of the previous batch come again in this one.
                if let Some(prev) = &previous {
                    batch[0] = prev[10].clone();
                    batch[1] = prev[20].clone();
                }
                let body = Value::Array(batch.clone());
                // Sent, then sent again twice at once (a client that timed
                // out and retried, racing itself).
                let first = post(&r.token, BATCH, &body).await;
                let (again, racing) =
                    tokio::join!(post(&r.token, BATCH, &body), post(&r.token, BATCH, &body));
                for (n, response) in [first, again, racing].into_iter().enumerate() {
                    assert_eq!(response.status(), StatusCode::OK);
                    let result: Value = response.json().await.unwrap();
                    for (i, outcome) in result["results"].as_array().unwrap().iter().enumerate() {
                        match outcome["status"].as_str().unwrap() {
                            "accepted" => {
                                assert_eq!(n, 0, "a retry was accepted: {outcome}");
                                let data = &batch[i]["data"];
                                accepted.push((
                                    data["tenant_id"].as_str().unwrap().parse().unwrap(),
                                    data["quantity"].as_u64().unwrap(),
                                ));
                            }
                            "duplicate" => {}
                            other => panic!("{other}: {outcome}"),
                        }
                    }
                }
                previous = Some(batch);
            }
            accepted
        })
    });
    let mut accepted = Vec::new();
    for writer in writers {
        accepted.extend(writer.await.unwrap());
    }
    done_tx.send(Some(chrono::Utc::now())).unwrap();
    // Two events of every batch after the first were not new.
    assert_eq!(
        accepted.len(),
        WRITERS * (BATCHES * PER_BATCH - 2 * (BATCHES - 1))
    );

    let (exported, pages) = tokio::time::timeout(Duration::from_secs(300), poller)
        .await
        .expect("the poller reconciles within five minutes")
        .unwrap();

    // Exactly once: no event twice, none missing, sums per tenant equal.
    let keys: HashSet<(&str, &str)> = exported
        .iter()
        .map(|e| (e.source.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(keys.len(), exported.len(), "an event was exported twice");
    assert_eq!(exported.len(), accepted.len(), "after {pages} pages");
    let sums = |events: &mut dyn Iterator<Item = (TenantId, u64)>| {
        let mut sums: HashMap<TenantId, u64> = HashMap::new();
        for (t, q) in events {
            *sums.entry(t).or_default() += q;
        }
        sums
    };
    assert_eq!(
        sums(&mut exported.iter().map(|e| (e.tenant_id, e.quantity))),
        sums(&mut accepted.iter().copied())
    );
    assert!(
        exported
            .windows(2)
            .all(|w| w[0].ingested_at <= w[1].ingested_at),
        "exported in ingestion order"
    );
}

/// FR-BILL-001: the control plane's own facts join the feed, once each.
/// Everything happens through the API as people do it: an operator
/// provisions a tenant and its Owner accepts the emailed invitation, an
/// application is enabled for it, the Owner invites a member who accepts (a
/// seat), makes them an Administrator, disables and removes them, and the
/// operator suspends the tenant. Then one of those domain events is
/// delivered again (EventBridge delivers at least once): the feed keeps it
/// once.
#[tokio::test]
async fn fr_bill_001_the_control_planes_facts_join_the_feed_once() {
    let started = test_start();
    let op = operator().await;
    let org = onboarded().await;
    let tenant = org.tenant_id;
    let app = register(&developer().await).await;
    enable(&op, tenant, &app).await;
    let (_, _, member) = join(&org, "User").await;
    for change in [
        json!({"role": "Administrator"}),
        json!({"status": "Disabled"}),
    ] {
        let response = patch_user(&org.owner_token, member, &change, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{change}");
    }
    let removed = delete(&org.owner_token, &format!("/v1/users/{member}")).await;
    assert_eq!(removed.status(), StatusCode::OK);
    tenant_action(&op, tenant, "suspend").await;

    let reader = billing_system().await;
    let query = format!("tenant_id={tenant}");
    let mut expected = vec![
        "tenant.provisioned",
        "user.activated",
        "tenant.application_enabled",
        "user.activated",
        "user.role_changed",
        "user.status_changed",
        "user.removed",
        "tenant.suspended",
    ];
    let items = feed_of(&reader, &query, started, expected.len()).await;
    assert_eq!(types(&items), sorted(&expected));
    for e in &items {
        assert_eq!(e.source, "urn:saas-control-plane");
        assert_eq!(e.app_id, None);
        assert_eq!(e.quantity, 1);
    }
    let one = |event_type: &str, user: Option<UserId>| {
        items
            .iter()
            .find(|e| {
                e.event_type == event_type
                    && user.is_none_or(|u| e.properties["user_id"] == u.to_string())
            })
            .unwrap_or_else(|| panic!("{event_type} in {items:?}"))
    };
    assert_eq!(one("tenant.provisioned", None).properties["plan"], "Pro");
    assert_eq!(
        one("tenant.application_enabled", None).properties["app_id"],
        app.id.to_string()
    );
    let seat = one("user.activated", Some(member));
    assert_eq!(seat.properties["role"], "User");
    let changed = &one("user.role_changed", Some(member)).properties;
    assert_eq!(
        (&changed["previous_role"][..], &changed["role"][..]),
        ("User", "Administrator")
    );
    assert_eq!(
        one("user.status_changed", Some(member)).properties["status"],
        "Disabled"
    );
    let gone = &one("user.removed", Some(member)).properties;
    assert_eq!(
        (&gone["role"][..], &gone["status"][..]),
        ("Administrator", "Disabled")
    );
    // The billing system counts seats from the feed: the Owner remains.
    let seats: i64 = items
        .iter()
        .map(|e| match e.event_type.as_str() {
            "user.activated" => 1,
            "user.removed" => -1,
            _ => 0,
        })
        .sum();
    assert_eq!(seats, 1);

    // The member's activation, exactly as the outbox published it, is
    // delivered again; then the tenant is resumed. Once the resumption is
    // in the feed, the redelivery has had its turn: the feed holds it once.
    let outbox = aws_sdk_dynamodb::Client::new(&cp_tests::sdk().await)
        .get_item()
        .table_name(&stack().resources.table)
        .key("PK", AttributeValue::S(format!("OUTBOX#{}", seat.id)))
        .key("SK", AttributeValue::S("OUTBOX".into()))
        .send()
        .await
        .unwrap();
    let envelope = outbox.item().unwrap()["event"].as_s().unwrap().clone();
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(&stack().resources.bus)
        .source(cp_events::SOURCE)
        .detail_type("user.activated")
        .detail(envelope)
        .build();
    let bus = aws_sdk_eventbridge::Client::new(&cp_tests::sdk().await);
    let out = bus.put_events().entries(entry).send().await.unwrap();
    assert_eq!(out.failed_entry_count(), 0);
    tenant_action(&op, tenant, "resume").await;
    expected.push("tenant.resumed");
    let items = feed_of(&reader, &query, started, expected.len()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let again = export_all(&reader, &query, started).await;
    assert_eq!(again.len(), items.len(), "{again:?}");
    assert_eq!(types(&again), sorted(&expected));
}

async fn tenant_action(operator: &str, tenant: TenantId, action: &str) {
    let path = format!("/v1/tenants/{tenant}/{action}");
    let response = send_json(Method::POST, operator, &path, &json!(null)).await;
    assert_eq!(response.status(), StatusCode::OK, "{action}");
}

/// The feed of one query once it holds at least `count` events. Each read
/// follows the export to a horizon past its start (20 s behind now), and
/// the consumer shares moto with every other test: hence the long bound.
async fn feed_of(
    reader: &str,
    query: &str,
    since: chrono::DateTime<chrono::Utc>,
    count: usize,
) -> Vec<BillingEventView> {
    eventually(
        "the control plane's facts in the export",
        Duration::from_secs(240),
        || async move {
            let items = export_all(reader, query, since).await;
            (items.len() >= count).then_some(items)
        },
    )
    .await
}

fn types(items: &[BillingEventView]) -> Vec<&str> {
    sorted(
        &items
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
    )
}

fn sorted<'a>(types: &[&'a str]) -> Vec<&'a str> {
    let mut types = types.to_vec();
    types.sort_unstable();
    types
}
