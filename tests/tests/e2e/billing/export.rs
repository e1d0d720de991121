//! The billing export through the local gateway (FR-BILL-003): only the
//! designated billing reader reads it, filtered, paged and as CSV, and a
//! poller reconciles exactly while writers ingest.

use crate::support::applications::{access_token, register, secret};
use crate::support::billing::{
    BATCH, billing_system, export, export_all, export_raw, post, reporter, test_start, usage,
};
use cp_api::BillingEventView;
use cp_domain::TenantId;
use cp_tests::{developer, eventually, http, operator, problem, send_json, unique, url};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

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
