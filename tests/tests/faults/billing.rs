//! Faults on the billing write path that moto cannot produce on demand
//! (aws-smithy-mocks): DynamoDB throttling some of a batch's writes, or
//! committing a write whose answer is lost, and the client's retry that
//! must store each event exactly once.

use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::types::error::{
    ConditionalCheckFailedException, InternalServerError, ProvisionedThroughputExceededException,
};
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use chrono::Utc;
use cp_domain::{ApplicationId, BillingEvent, Error, Recorded, Reporter, TenantId};
use cp_store::Store;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

fn events(n: usize) -> Vec<BillingEvent> {
    let (app, tenant) = (ApplicationId::random(), TenantId::random());
    (0..n)
        .map(|i| BillingEvent {
            reporter: Reporter::Application(app),
            source: "//crm.example/api".into(),
            id: format!("e{i}"),
            tenant_id: tenant,
            event_type: "api_call".into(),
            quantity: 1,
            occurred_at: Utc::now(),
            properties: Default::default(),
        })
        .collect()
}

fn throttled() -> PutItemError {
    PutItemError::ProvisionedThroughputExceededException(
        ProvisionedThroughputExceededException::builder()
            .message("slow down")
            .meta(
                aws_sdk_dynamodb::error::ErrorMetadata::builder()
                    .code("ProvisionedThroughputExceededException")
                    .build(),
            )
            .build(),
    )
}

/// A write DynamoDB committed, answered with an error (a 500, or a
/// connection lost after the commit): the client cannot tell it from a
/// failed one.
fn lost_answer() -> PutItemError {
    PutItemError::InternalServerError(
        InternalServerError::builder()
            .message("internal server error")
            .meta(
                aws_sdk_dynamodb::error::ErrorMetadata::builder()
                    .code("InternalServerError")
                    .build(),
            )
            .build(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Event `e3`'s write is refused: nothing stored.
    Throttle,
    /// Event `e3`'s write is stored, but answered with an error.
    LoseTheAnswer,
}

/// A table of one kind of item that honours `attribute_not_exists(PK)`,
/// with the `fault` on event `e3`'s writes while `faulty` is set.
fn store(table: Arc<Mutex<HashSet<String>>>, faulty: Arc<AtomicBool>, fault: Fault) -> Store {
    let rule = mock!(aws_sdk_dynamodb::Client::put_item).then_compute_response(move |input| {
        let item = input.item().unwrap();
        let pk = item["PK"].as_s().unwrap().clone();
        let hit = item["event_id"].as_s().unwrap() == "e3" && faulty.load(Ordering::SeqCst);
        if hit && fault == Fault::Throttle {
            return MockResponse::Error(throttled());
        }
        assert_eq!(
            input.condition_expression(),
            Some("attribute_not_exists(PK)")
        );
        let stored = table.lock().unwrap().insert(pk);
        if hit && fault == Fault::LoseTheAnswer {
            MockResponse::Error(lost_answer())
        } else if stored {
            MockResponse::Output(PutItemOutput::builder().build())
        } else {
            MockResponse::Error(PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            ))
        }
    });
    // No SDK retries: the mock computes from the request's input, which a
    // retried attempt no longer carries. A throttle here stands for one
    // that outlasted the SDK's retries.
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule], |c| c
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()));
    Store::new(client, "table")
}

#[tokio::test]
async fn fr_bill_001_a_throttled_write_fails_the_request_and_its_retry_stores_each_event_once() {
    let table = Arc::new(Mutex::new(HashSet::new()));
    let throttle = Arc::new(AtomicBool::new(true));
    let store = store(table.clone(), throttle.clone(), Fault::Throttle);
    let batch = events(6);

    // One write stays throttled after the SDK's retries: the request is
    // ERR-SYS-503 (retry), while the other five were stored.
    let err = store
        .record_billing_events(&batch, &Utc::now)
        .await
        .unwrap_err();
    assert_eq!(err, Error::Unavailable);
    assert_eq!(table.lock().unwrap().len(), 5);

    // The client's retry of the whole batch: the five are duplicates, the
    // throttled one is stored now; nothing is stored twice.
    throttle.store(false, Ordering::SeqCst);
    let outcomes = store
        .record_billing_events(&batch, &Utc::now)
        .await
        .unwrap();
    let accepted: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == Recorded::Accepted)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(accepted, [3]);
    assert_eq!(table.lock().unwrap().len(), 6);

    // And once more: all six are duplicates.
    let again = store
        .record_billing_events(&batch, &Utc::now)
        .await
        .unwrap();
    assert!(again.iter().all(|o| *o == Recorded::Duplicate));
}

#[tokio::test]
async fn fr_bill_002_a_write_stored_but_unanswered_is_a_duplicate_on_retry_never_a_second_event() {
    let table = Arc::new(Mutex::new(HashSet::new()));
    let faulty = Arc::new(AtomicBool::new(true));
    let store = store(table.clone(), faulty.clone(), Fault::LoseTheAnswer);
    let batch = events(6);

    // All six are stored, but one answer is an error: the request is
    // ERR-SYS-503, so the client retries.
    let err = store
        .record_billing_events(&batch, &Utc::now)
        .await
        .unwrap_err();
    assert_eq!(err, Error::Unavailable);
    assert_eq!(table.lock().unwrap().len(), 6);

    // The retry: every event, the unanswered one included, is a duplicate;
    // none is stored a second time.
    faulty.store(false, Ordering::SeqCst);
    let outcomes = store
        .record_billing_events(&batch, &Utc::now)
        .await
        .unwrap();
    assert_eq!(outcomes, vec![Recorded::Duplicate; 6]);
    assert_eq!(table.lock().unwrap().len(), 6);
}
