//! The control plane's own facts in the billing feed (FR-BILL-001), made
//! through the API and read through the export.

use crate::support::applications::{enable, register};
use crate::support::billing::{billing_system, export_all, test_start};
use crate::support::members::{join, onboarded, patch_user};
use aws_sdk_dynamodb::types::AttributeValue;
use cp_api::BillingEventView;
use cp_domain::{TenantId, UserId};
use cp_tests::{delete, developer, eventually, operator, send_json, stack};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

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
