//! Billing events as a managed application reports them and as the
//! designated billing reader exports them.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use cp_api::{ApplicationView, BillingEventView, BillingPageView};
use cp_domain::TenantId;
use cp_domain::tenant::provisioning::Provisioned;
use cp_tests::{developer, http, operator, send_json, store, url};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) const SINGLE: &str = "application/cloudevents+json";
pub(crate) const BATCH: &str = "application/cloudevents-batch+json";

/// A usage event as a managed application reports it.
pub(crate) fn usage(tenant: TenantId, source: &str, id: &str, quantity: u64) -> Value {
    json!({
        "specversion": "1.0", "id": id, "source": source, "type": "api_call",
        "time": chrono::Utc::now().to_rfc3339(),
        "data": {"tenant_id": tenant, "quantity": quantity, "properties": {"endpoint": "/v1/leads"}}
    })
}

pub(crate) async fn post(token: &str, content_type: &str, body: &Value) -> Response {
    http()
        .post(url("/v1/app/billing-events"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

pub(crate) async fn export_raw(token: &str, query: &str) -> Response {
    http()
        .get(url(&format!("/v1/app/billing-events?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn export(token: &str, query: &str) -> BillingPageView {
    let response = export_raw(token, query).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// When a test began, a little early: the feed holds every test's events,
/// so a test's exports start at its own rather than at the beginning.
pub(crate) fn test_start() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::seconds(5)
}

/// Every event the export has for `query` from `since`, following cursors
/// to the horizon, once the horizon has passed `Instant::now()` at call
/// time.
pub(crate) async fn export_all(
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
pub(crate) struct Reporter {
    pub(crate) app: ApplicationView,
    pub(crate) token: String,
    pub(crate) tenants: Vec<Provisioned>,
}

pub(crate) async fn reporter(tenants: usize) -> Reporter {
    let dev = developer().await;
    let app = register(&dev).await;
    let token = access_token(&secret(&dev, &app, &["billing:write"]).await).await;
    let op = operator().await;
    let mut provisioned = Vec::new();
    for _ in 0..tenants {
        let p = fixtures::tenant(&store().await).await;
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
pub(crate) async fn billing_system() -> String {
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
