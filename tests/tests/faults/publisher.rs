//! The outbox publisher under EventBridge and SQS faults: PutEvents partial
//! failures, events the bus refuses, and a dead-letter queue that cannot
//! take a record.

use aws_lambda_events::dynamodb::Event;
use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::types::PutEventsResultEntry;
use aws_sdk_sqs::operation::send_message::{SendMessageError, SendMessageOutput};
use aws_sdk_sqs::types::error::InvalidAddress;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use outbox_publisher::{Backoff, DeadLetters, OutboxPublisher};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fast() -> Backoff {
    Backoff {
        attempts: 3,
        first_delay: Duration::from_millis(1),
    }
}

/// A stream batch of `n` outbox inserts, sequence numbers 100, 101, ...
fn outbox_batch(n: usize) -> Event {
    let records: Vec<_> = (0..n)
        .map(|i| {
            let envelope = json!({
                "id": format!("e{i}"),
                "type": "tenant.provisioned",
                "time": "2026-01-01T00:00:00Z",
            })
            .to_string();
            json!({
                "eventID": format!("r{i}"),
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "awsRegion": "ap-northeast-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_790_000_000.0,
                    "Keys": {"PK": {"S": format!("OUTBOX#e{i}")}, "SK": {"S": "OUTBOX"}},
                    "NewImage": {
                        "PK": {"S": format!("OUTBOX#e{i}")}, "SK": {"S": "OUTBOX"},
                        "event_type": {"S": "tenant.provisioned"},
                        "event": {"S": envelope}
                    },
                    "SequenceNumber": (100 + i).to_string(),
                    "SizeBytes": 100,
                    "StreamViewType": "NEW_IMAGE"
                }
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// A dead-letter queue that records what is set aside in it; `refuse`
/// makes it fail every send.
fn dead_letters(refuse: bool) -> (DeadLetters, Arc<Mutex<Vec<Value>>>) {
    let kept: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = kept.clone();
    let rule = if refuse {
        mock!(aws_sdk_sqs::Client::send_message).then_error(|| {
            SendMessageError::InvalidAddress(InvalidAddress::builder().message("down").build())
        })
    } else {
        mock!(aws_sdk_sqs::Client::send_message).then_compute_output(move |input| {
            let body = serde_json::from_str(input.message_body().unwrap()).unwrap();
            log.lock().unwrap().push(body);
            SendMessageOutput::builder().message_id("m").build()
        })
    };
    let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&rule]);
    (DeadLetters::new(client, "dead-letters"), kept)
}

/// For tests where nothing should be set aside: any send fails them.
fn no_dead_letters() -> DeadLetters {
    let rule = mock!(aws_sdk_sqs::Client::send_message)
        .then_compute_output(|_| -> SendMessageOutput { panic!("nothing is set aside here") });
    DeadLetters::new(
        mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&rule]),
        "dead-letters",
    )
}

fn accepted() -> PutEventsResultEntry {
    PutEventsResultEntry::builder().event_id("ok").build()
}

fn refused() -> PutEventsResultEntry {
    PutEventsResultEntry::builder()
        .error_code("InternalFailure")
        .error_message("try again")
        .build()
}

#[tokio::test]
async fn putevents_partial_failure_retries_only_the_failed_entries() {
    let sent: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let log = sent.clone();
    // First call: entries 2 and 4 of 5 refused. Then everything accepted.
    let rule = mock!(aws_sdk_eventbridge::Client::put_events).then_compute_output(move |input| {
        let details: Vec<String> = input
            .entries()
            .iter()
            .map(|e| e.detail().unwrap_or_default().to_owned())
            .collect();
        let mut log = log.lock().unwrap();
        let first = log.is_empty();
        log.push(details.clone());
        if first {
            PutEventsOutput::builder()
                .failed_entry_count(2)
                .entries(accepted())
                .entries(refused())
                .entries(accepted())
                .entries(refused())
                .entries(accepted())
                .build()
        } else {
            let mut out = PutEventsOutput::builder().failed_entry_count(0);
            for _ in &details {
                out = out.entries(accepted());
            }
            out.build()
        }
    });
    let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule]);
    let publisher = OutboxPublisher::new(client, "bus", no_dead_letters(), fast());
    let response = publisher.handle(outbox_batch(5)).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].len(), 5);
    let retried: Vec<&str> = sent[1].iter().map(String::as_str).collect();
    assert!(
        retried.len() == 2 && retried[0].contains("\"e1\"") && retried[1].contains("\"e3\""),
        "{retried:?}"
    );
}

#[tokio::test]
async fn putevents_that_keep_failing_are_handed_back_to_the_stream_not_dropped() {
    // Twelve events: the first call (ten) succeeds; the second chunk's
    // entries keep failing.
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let rule = mock!(aws_sdk_eventbridge::Client::put_events).then_compute_output(move |input| {
        let mut n = counter.lock().unwrap();
        *n += 1;
        let mut out = PutEventsOutput::builder();
        if *n == 1 {
            for _ in input.entries() {
                out = out.entries(accepted());
            }
            out.failed_entry_count(0).build()
        } else {
            for _ in input.entries() {
                out = out.entries(refused());
            }
            out.failed_entry_count(input.entries().len() as i32).build()
        }
    });
    let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule]);
    let response = OutboxPublisher::new(client, "bus", no_dead_letters(), fast())
        .handle(outbox_batch(12))
        .await;
    let failures: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    // Lambda retries from the first unpublished record: the eleventh.
    assert_eq!(failures, ["110"]);
    assert_eq!(*calls.lock().unwrap(), 1 + fast().attempts);
}

#[tokio::test]
async fn the_publisher_publishes_nothing_but_outbox_inserts() {
    let rule = mock!(aws_sdk_eventbridge::Client::put_events)
        .then_output(|| PutEventsOutput::builder().failed_entry_count(0).build());
    let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule]);
    let mut batch = outbox_batch(2);
    batch.records[0].event_name = "REMOVE".into();
    let tenant_item = json!({"PK": {"S": "TENANT#x"}, "SK": {"S": "TENANT"}});
    batch.records[1].change.new_image = serde_json::from_value(tenant_item).unwrap();
    let response = OutboxPublisher::new(client, "bus", no_dead_letters(), fast())
        .handle(batch)
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(rule.num_calls(), 0);
}

fn refused_for(code: &str) -> PutEventsResultEntry {
    PutEventsResultEntry::builder()
        .error_code(code)
        .error_message("no")
        .build()
}

/// The details (envelopes) of the entries of each `PutEvents` call.
type Calls = Arc<Mutex<Vec<Vec<String>>>>;

/// A bus that answers every entry for which `refuse` gives an error code
/// with that code, and accepts the others; `calls` records each call.
fn bus(
    refuse: impl Fn(&str) -> Option<&'static str> + Send + Sync + 'static,
) -> (aws_sdk_eventbridge::Client, Calls) {
    let calls: Calls = Arc::default();
    let log = calls.clone();
    let rule = mock!(aws_sdk_eventbridge::Client::put_events).then_compute_output(move |input| {
        let details: Vec<String> = input
            .entries()
            .iter()
            .map(|e| e.detail().unwrap_or_default().to_owned())
            .collect();
        let mut out = PutEventsOutput::builder();
        let mut failed = 0;
        for detail in &details {
            match refuse(detail) {
                Some(code) => {
                    failed += 1;
                    out = out.entries(refused_for(code));
                }
                None => out = out.entries(accepted()),
            }
        }
        log.lock().unwrap().push(details);
        out.failed_entry_count(failed).build()
    });
    (
        mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule]),
        calls,
    )
}

#[tokio::test]
async fn an_event_the_bus_refuses_for_what_it_is_is_set_aside_and_the_others_flow() {
    // The third of five is malformed in the bus's eyes: no retry can help.
    let (client, calls) = bus(|detail| detail.contains("\"e2\"").then_some("MalformedDetail"));
    let (dead_letters, kept) = dead_letters(false);
    let response = OutboxPublisher::new(client, "bus", dead_letters, fast())
        .handle(outbox_batch(5))
        .await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    // One call: the refused entry is not sent again.
    assert_eq!(calls.lock().unwrap().len(), 1);
    let kept = kept.lock().unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["reason"], "entry refused: MalformedDetail");
    assert_eq!(kept[0]["sequence_number"], "102");
    assert_eq!(kept[0]["outbox_key"], "OUTBOX#e2");
    assert!(kept[0]["event"].as_str().unwrap().contains("\"e2\""));
}

#[tokio::test]
async fn an_outbox_item_that_is_not_an_envelope_is_set_aside_after_the_events_before_it() {
    let (client, calls) = bus(|_| None);
    let (dead_letters, kept) = dead_letters(false);
    let mut batch = outbox_batch(3);
    let broken = json!({
        "PK": {"S": "OUTBOX#e1"}, "SK": {"S": "OUTBOX"},
        "event_type": {"S": "tenant.provisioned"}, "event": {"S": "not json"}
    });
    batch.records[1].change.new_image = serde_json::from_value(broken).unwrap();
    let response = OutboxPublisher::new(client, "bus", dead_letters, fast())
        .handle(batch)
        .await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    // The first event went out before the broken one was set aside, the
    // third after it.
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0][0].contains("\"e0\"") && calls[1][0].contains("\"e2\""));
    let kept = kept.lock().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["sequence_number"], "101");
    assert!(
        kept[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("outbox item is not an envelope"),
        "{kept:?}"
    );
}

#[tokio::test]
async fn a_record_the_dead_letter_queue_cannot_take_is_handed_back_to_the_stream() {
    let (client, _) = bus(|detail| detail.contains("\"e1\"").then_some("InvalidArgument"));
    let (dead_letters, _) = dead_letters(true);
    let response = OutboxPublisher::new(client, "bus", dead_letters, fast())
        .handle(outbox_batch(3))
        .await;
    let failures: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    // Neither published nor set aside: the stream delivers it again.
    assert_eq!(failures, ["101"]);
}
