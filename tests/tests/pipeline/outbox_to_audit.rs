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

/// An outbox item nested deeper than the SDK reads (DynamoDB itself refuses
/// it, and the store never writes one; a raw write stands in for the
/// record a bug or an emulator lets through).
async fn put_unreadable_outbox_item() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let deep = (0..80).fold(AttributeValue::S("leaf".into()), |inner, _| {
        AttributeValue::M(std::collections::HashMap::from([(
            "next".to_owned(),
            inner,
        )]))
    });
    let id = uuid::Uuid::new_v4();
    aws_sdk_dynamodb::Client::new(&cp_tests::sdk().await)
        .put_item()
        .table_name(&cp_tests::stack().resources.table)
        .item("PK", AttributeValue::S(format!("OUTBOX#{id}")))
        .item("SK", AttributeValue::S("OUTBOX".into()))
        .item("event_type", AttributeValue::S("tenant.provisioned".into()))
        .item("event", AttributeValue::S("{}".into()))
        .item("deep", deep)
        .send()
        .await
        .unwrap();
}

/// What the stream mapping set aside because it could not read it.
async fn set_aside_unreadable() -> Vec<(String, serde_json::Value)> {
    let sqs = aws_sdk_sqs::Client::new(&cp_tests::sdk().await);
    let queue = &cp_tests::stack().resources.outbox_dead_letter.url;
    let received = sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .visibility_timeout(1)
        .send()
        .await
        .unwrap();
    received
        .messages()
        .iter()
        .filter_map(|m| {
            let body: serde_json::Value = serde_json::from_str(m.body()?).ok()?;
            let unreadable = body["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("stream record cannot be read"));
            unreadable.then(|| (m.receipt_handle().unwrap_or_default().to_owned(), body))
        })
        .collect()
}

/// CC-DAT-002: a stream record the local mapping cannot read is never
/// retried for ever: it is set aside in the outbox's dead-letter queue (as
/// Lambda describes a batch it gives up on), the health API reports the
/// pipeline degraded with the reason, and the records after it flow on.
#[tokio::test]
async fn cc_dat_002_a_stream_record_that_cannot_be_read_is_set_aside_and_the_records_after_it_flow()
{
    put_unreadable_outbox_item().await;
    let store = store().await;
    let tenant = TenantId::random();
    let mut writes = store.writes();
    writes.event(&event(tenant, 0)).unwrap();
    store.commit(writes).await.unwrap();
    eventually(
        "the event after the unreadable record audited",
        std::time::Duration::from_secs(30),
        || async { (audit_count(tenant).await == 1).then_some(()) },
    )
    .await;

    let set_aside = eventually(
        "the unreadable record in the dead-letter queue",
        std::time::Duration::from_secs(10),
        || async {
            let found = set_aside_unreadable().await;
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    let info = &set_aside[0].1["DDBStreamBatchInfo"];
    assert_eq!(info["batchSize"], 1);
    assert_eq!(
        info["streamArn"],
        cp_tests::stack().resources.stream_arn.as_str()
    );
    assert!(
        info["startSequenceNumber"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    let op = cp_tests::operator().await;
    let health: serde_json::Value = cp_tests::get(&op, "/v1/health").await.json().await.unwrap();
    let outbox = health["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "queue outbox")
        .cloned()
        .unwrap();
    assert!(
        outbox["dead_letter_depth"].as_u64().unwrap() >= 1,
        "{outbox}"
    );
    assert!(
        outbox["detail"]
            .as_str()
            .unwrap()
            .contains("could not publish were set aside"),
        "{outbox}"
    );
    assert_eq!(health["status"], "degraded");

    // The operator has looked at it: the queue is left as it was found.
    let sqs = aws_sdk_sqs::Client::new(&cp_tests::sdk().await);
    for (receipt, _) in set_aside {
        sqs.delete_message()
            .queue_url(&cp_tests::stack().resources.outbox_dead_letter.url)
            .receipt_handle(receipt)
            .send()
            .await
            .unwrap();
    }
}
