//! The event pipeline: outbox item → table stream → publisher → EventBridge
//! rule → SQS → audit consumer → Audit Log, on moto server with the local
//! stack's event source mappings.

use audit_consumer::AuditConsumer;
use aws_lambda_events::sqs::SqsEvent;
use chrono::{Duration, Utc};
use cp_domain::{Actor, AuditFilter, PageSize, TenantId};
use cp_events::{Envelope, EventContext, TenantProvisioned};
use cp_store::AuditQuery;
use cp_tests::{eventually, function_env, store};
use serde_json::json;

fn event(tenant: TenantId, n: usize) -> Envelope {
    Envelope::new(
        &TenantProvisioned {
            tenant_id: tenant,
            name: format!("Tenant {n}"),
            domain: format!("pipeline-{n}"),
            plan: cp_domain::Plan::Free,
            status: cp_domain::TenantStatus::Active,
            owner_user_id: cp_domain::UserId::random(),
            invitation_id: cp_domain::InvitationId::random(),
            invitation_expires_at: Utc::now(),
            applications: vec![],
        },
        EventContext {
            time: Utc::now(),
            actor: Actor::system("pipeline-test"),
            correlation_id: format!("pipeline-{n}"),
        },
    )
    .unwrap()
}

async fn audit_count(tenant: TenantId) -> usize {
    store()
        .await
        .list_audit(&AuditQuery {
            tenant: Some(tenant),
            from: Utc::now() - Duration::hours(1),
            to: Utc::now() + Duration::hours(1),
            limit: PageSize::parse(Some("100")).unwrap(),
            cursor: None,
            filter: &AuditFilter::default(),
        })
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn fr_log_003_every_outbox_event_becomes_one_audit_record() {
    let store = store().await;
    let tenant = TenantId::random();
    // More than one PutEvents call's worth (ten entries each).
    let events: Vec<Envelope> = (0..23).map(|n| event(tenant, n)).collect();
    for chunk in events.chunks(8) {
        let mut writes = store.writes();
        for e in chunk {
            writes.event(e).unwrap();
        }
        store.commit(writes).await.unwrap();
    }
    eventually(
        "23 audit records",
        std::time::Duration::from_secs(30),
        || async { (audit_count(tenant).await == 23).then_some(()) },
    )
    .await;
    // And no more arrive later (each event recorded once).
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(audit_count(tenant).await, 23);
}

fn sqs_message(id: &str, body: &str) -> serde_json::Value {
    json!({
        "messageId": id,
        "receiptHandle": format!("rh-{id}"),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:ap-northeast-1:000000000000:audit",
        "awsRegion": "ap-northeast-1",
    })
}

fn bus_event(envelope: &Envelope) -> String {
    bus_event_from(cp_events::SOURCE, envelope)
}

fn bus_event_from(source: &str, envelope: &Envelope) -> String {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": envelope.event_type,
        "source": source,
        "account": "000000000000",
        "time": envelope.time,
        "region": "ap-northeast-1",
        "resources": [],
        "detail": envelope,
    })
    .to_string()
}

#[tokio::test]
async fn uc_audit_record_cp_the_consumer_is_idempotent_and_reports_only_the_bad_message() {
    let consumer = AuditConsumer::from_env(&function_env().await).unwrap();
    let tenant = TenantId::random();
    let (first, second) = (event(tenant, 1), event(tenant, 2));
    let batch: SqsEvent = serde_json::from_value(json!({
        "Records": [
            sqs_message("m1", &bus_event(&first)),
            sqs_message("m2", &bus_event(&first)),
            sqs_message("m3", "{\"not\": \"an event\"}"),
            sqs_message("m4", &bus_event(&second)),
            sqs_message("m5", &bus_event_from("someone.else", &event(tenant, 3))),
        ]
    }))
    .unwrap();
    let response = consumer.handle(batch).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    // Not an event, and an event from another source: both refused alone.
    assert_eq!(failed, ["m3", "m5"]);
    assert_eq!(
        audit_count(tenant).await,
        2,
        "a redelivered event is recorded once"
    );

    let record = store()
        .await
        .list_audit(&AuditQuery {
            tenant: Some(tenant),
            from: first.time - Duration::seconds(1),
            to: first.time + Duration::seconds(1),
            limit: PageSize::DEFAULT,
            cursor: None,
            filter: &AuditFilter::default(),
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.id == first.id)
        .unwrap();
    assert_eq!(record.id, first.id);
    assert_eq!(record.action, "tenant.create");
    assert_eq!(record.resource, format!("tenant/{tenant}"));
    assert_eq!(record.correlation_id, "pipeline-1");
    assert_eq!(record.actor_id, "pipeline-test");
    assert_eq!(record.metadata, first.data);
}

#[tokio::test]
async fn a_message_the_consumer_cannot_record_ends_in_the_dead_letter_queue() {
    use aws_sdk_sqs::types::QueueAttributeName;
    let config = cp_tests::sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let name = cp_tests::unique("poison");
    let arn_of = |url: String| {
        let sqs = sqs.clone();
        async move {
            sqs.get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .unwrap()
                .attributes
                .unwrap()[&QueueAttributeName::QueueArn]
                .clone()
        }
    };
    let dlq = sqs
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let redrive = json!({"deadLetterTargetArn": arn_of(dlq.clone()).await, "maxReceiveCount": 2});
    let queue = sqs
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    sqs.send_message()
        .queue_url(&queue)
        .message_body("not an event")
        .send()
        .await
        .unwrap();

    // The same event source mapping the stack runs, on this queue.
    let consumer = std::sync::Arc::new(AuditConsumer::from_env(&function_env().await).unwrap());
    let poller = tokio::spawn(cp_local::pollers::run_queue(
        config.clone(),
        queue.clone(),
        arn_of(queue.clone()).await,
        10,
        consumer,
    ));
    let moved = eventually(
        "the poison message in the DLQ",
        std::time::Duration::from_secs(20),
        || {
            let (sqs, dlq) = (sqs.clone(), dlq.clone());
            async move {
                let received = sqs.receive_message().queue_url(dlq).send().await.unwrap();
                received.messages.filter(|m| !m.is_empty())
            }
        },
    )
    .await;
    poller.abort();
    assert_eq!(moved[0].body(), Some("not an event"));
}
