//! The outbox publisher: table stream → EventBridge.
//!
//! Use cases write their events as outbox items in the same transaction as
//! their state change; the table's stream delivers those inserts here. Each
//! event is put on the bus unchanged (source `saas.control-plane`,
//! detail-type = the event type, detail = the envelope), in `PutEvents`
//! calls of up to ten entries.
//!
//! Nothing is dropped:
//!
//! - entries that `PutEvents` reports as failed for a passing reason
//!   (throttling, an internal failure, or anything not known to be about
//!   the entry itself) are put again, alone, with exponential backoff. If
//!   they still fail, the batch reports the stream record of the first
//!   unpublished event as its failure, and Lambda retries from that record
//!   (`ReportBatchItemFailures`). Events after it may then be published
//!   twice; consumers deduplicate on the event id.
//! - an entry the bus refuses for what it is (`InvalidArgument`,
//!   `MalformedDetail`, ...), which no retry can change, and an outbox item
//!   that cannot be read, are set aside: sent with the reason to the
//!   outbox's dead-letter queue, logged, and counted (the
//!   `OutboxRecordsSetAside` metric), so the records behind them flow on.
//!   The health API reports the pipeline degraded while the queue holds
//!   any. If the dead-letter queue cannot be written either, the record is
//!   retried like a passing failure.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use cp_runtime::env::{EVENT_BUS_NAME, OUTBOX_DEAD_LETTER_URL};
use cp_runtime::{ConfigError, FunctionEnv};
use serde::Serialize;
use std::time::Duration;

/// EventBridge takes at most ten entries per `PutEvents`.
const MAX_ENTRIES: usize = 10;

/// Per-entry error codes of `PutEvents` that are about the entry itself:
/// sending it again cannot succeed.
const REFUSED_FOR_WHAT_IT_IS: &[&str] = &[
    "InvalidArgument",
    "MalformedDetail",
    "RedactionFailure",
    "InvalidAccountIdException",
];

/// An outbox record the bus cannot take, as it is set aside.
#[derive(Debug, Serialize)]
pub struct SetAside {
    /// Why, e.g. `entry refused: MalformedDetail` or `not an envelope`.
    pub reason: String,
    /// The stream record's sequence number.
    pub sequence_number: String,
    /// The outbox item's key, to find it in the table (kept a week).
    pub outbox_key: Option<String>,
    pub event_type: Option<String>,
    /// The envelope as written, when it could be read: enough to put the
    /// event on the bus by hand once the cause is fixed.
    pub event: Option<String>,
}

/// Where records the bus cannot take go: the outbox's dead-letter queue.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl DeadLetters {
    pub fn new(sqs: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            sqs,
            url: url.into(),
        }
    }

    /// Sets `record` aside; `Err` if it could not be written.
    pub async fn send(&self, record: &SetAside) -> Result<(), ()> {
        let body = serde_json::to_string(record).map_err(|_| ())?;
        match self
            .sqs
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
        {
            Ok(_) => {
                tracing::error!(
                    reason = %record.reason,
                    sequence_number = %record.sequence_number,
                    event_type = record.event_type.as_deref().unwrap_or("unknown"),
                    "outbox record set aside in the dead-letter queue"
                );
                cp_runtime::metrics::record_set_aside("outbox-publisher", 1, chrono::Utc::now());
                Ok(())
            }
            Err(e) => {
                cp_aws::failure("SendMessage", &e);
                tracing::error!("the dead-letter queue refused a record; it will be retried");
                Err(())
            }
        }
    }
}

/// An event read from the stream, with the record it came from.
#[derive(Debug)]
struct Pending {
    sequence_number: String,
    outbox_key: String,
    event_type: String,
    /// When the change happened: the bus entry's time (archives and
    /// replays go by it), not the time of publishing.
    time: DateTime,
    detail: String,
}

/// The envelope field the publisher needs besides the whole text.
#[derive(serde::Deserialize)]
struct EnvelopeTime {
    time: chrono::DateTime<chrono::Utc>,
}

/// How failed entries are retried within one invocation.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for Backoff {
    /// Five attempts: 0.1 + 0.2 + 0.4 + 0.8 s of waiting at most.
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_millis(100),
        }
    }
}

#[derive(Debug)]
pub struct OutboxPublisher {
    bus: Client,
    bus_name: String,
    dead_letters: DeadLetters,
    backoff: Backoff,
}

/// What became of a stream record that is an outbox insert.
enum Read {
    Event(Pending),
    /// It cannot be published, ever: set it aside.
    Unreadable(SetAside),
}

impl OutboxPublisher {
    pub fn new(
        bus: Client,
        bus_name: impl Into<String>,
        dead_letters: DeadLetters,
        backoff: Backoff,
    ) -> Self {
        Self {
            bus,
            bus_name: bus_name.into(),
            dead_letters,
            backoff,
        }
    }

    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Client::new(&env.sdk),
            env.var(EVENT_BUS_NAME)?,
            DeadLetters::new(
                aws_sdk_sqs::Client::new(&env.sdk),
                env.var(OUTBOX_DEAD_LETTER_URL)?,
            ),
            Backoff::default(),
        ))
    }

    /// Publishes the outbox inserts of a stream batch, in stream order.
    pub async fn handle(&self, batch: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        let mut fail_from = |sequence_number: String| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence_number);
            response.batch_item_failures.push(failure);
        };
        // In stream order: the events up to an unreadable record are put
        // before it is set aside, so nothing overtakes what it follows.
        let mut pending: Vec<Pending> = Vec::new();
        for read in batch.records.iter().filter_map(outbox_event) {
            match read {
                Read::Event(event) => pending.push(event),
                Read::Unreadable(record) => {
                    if let Err(first) = self.publish_all(&std::mem::take(&mut pending)).await {
                        fail_from(first);
                        return response;
                    }
                    if self.dead_letters.send(&record).await.is_err() {
                        fail_from(record.sequence_number);
                        return response;
                    }
                }
            }
        }
        if let Err(first) = self.publish_all(&pending).await {
            fail_from(first);
        }
        response
    }

    /// Puts events in chunks, in order; on giving up, the sequence number
    /// of the first event not known to be published.
    async fn publish_all(&self, pending: &[Pending]) -> Result<(), String> {
        for chunk in pending.chunks(MAX_ENTRIES) {
            self.publish(chunk).await?;
        }
        Ok(())
    }

    /// Puts a chunk, retrying entries that failed for a passing reason and
    /// setting aside those refused for what they are. On giving up, returns
    /// the sequence number of the first event not known to be published.
    async fn publish(&self, chunk: &[Pending]) -> Result<(), String> {
        let mut unpublished: Vec<&Pending> = chunk.iter().collect();
        let mut delay = self.backoff.first_delay;
        for attempt in 1..=self.backoff.attempts {
            let failed = self.put(&unpublished).await;
            unpublished = Vec::new();
            for (event, code) in failed {
                let permanent = code
                    .as_deref()
                    .is_some_and(|c| REFUSED_FOR_WHAT_IT_IS.contains(&c));
                if permanent {
                    let record = SetAside {
                        reason: format!("entry refused: {}", code.unwrap_or_default()),
                        sequence_number: event.sequence_number.clone(),
                        outbox_key: Some(event.outbox_key.clone()),
                        event_type: Some(event.event_type.clone()),
                        event: Some(event.detail.clone()),
                    };
                    if self.dead_letters.send(&record).await.is_ok() {
                        continue;
                    }
                }
                unpublished.push(event);
            }
            if unpublished.is_empty() {
                return Ok(());
            }
            tracing::warn!(
                attempt,
                failed = unpublished.len(),
                "PutEvents entries failed"
            );
            if attempt < self.backoff.attempts {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        tracing::error!(
            failed = unpublished.len(),
            "events not published; the stream will redeliver them"
        );
        Err(unpublished[0].sequence_number.clone())
    }

    /// One `PutEvents`; returns the events that were not accepted, with
    /// the entry's error code (`None` when the whole call failed).
    async fn put<'a>(&self, events: &[&'a Pending]) -> Vec<(&'a Pending, Option<String>)> {
        let entries: Vec<PutEventsRequestEntry> = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus_name)
                    .source(cp_events::SOURCE)
                    .detail_type(&e.event_type)
                    .detail(&e.detail)
                    .time(e.time)
                    .build()
            })
            .collect();
        match self
            .bus
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) if output.failed_entry_count() == 0 => Vec::new(),
            // Entries answer in request order; failed ones carry an error code.
            Ok(output) => events
                .iter()
                .zip(output.entries())
                .filter_map(|(event, result)| {
                    let code = result.error_code()?;
                    tracing::warn!(event_type = %event.event_type, code, "entry refused");
                    Some((*event, Some(code.to_owned())))
                })
                .collect(),
            Err(e) => {
                cp_aws::failure("PutEvents", &e);
                events.iter().map(|e| (*e, None)).collect()
            }
        }
    }
}

/// The event in a stream record, if the record is an outbox insert.
/// Updates, removals (TTL expiry) and other items are not events.
fn outbox_event(record: &EventRecord) -> Option<Read> {
    if record.event_name != "INSERT" {
        return None;
    }
    let sequence_number = record.change.sequence_number.clone().unwrap_or_default();
    let outbox_key = record.change.keys.get("PK").and_then(|pk| match pk {
        serde_dynamo::AttributeValue::S(s) => Some(s.clone()),
        _ => None,
    });
    let unreadable = |reason: String, event_type: Option<String>, event: Option<String>| {
        Some(Read::Unreadable(SetAside {
            reason,
            sequence_number: sequence_number.clone(),
            outbox_key: outbox_key.clone(),
            event_type,
            event,
        }))
    };
    let event = match cp_store::outbox_event(record.change.new_image.clone())? {
        Ok(event) => event,
        Err(e) => return unreadable(format!("outbox item cannot be read: {e}"), None, None),
    };
    // The envelope is published as written; it must at least be an
    // envelope. One that is not was written by a bug: retrying cannot fix
    // it.
    let time = match serde_json::from_str::<EnvelopeTime>(&event.envelope) {
        Ok(e) => DateTime::from_millis(e.time.timestamp_millis()),
        Err(e) => {
            return unreadable(
                format!("outbox item is not an envelope: {e}"),
                Some(event.event_type),
                Some(event.envelope),
            );
        }
    };
    Some(Read::Event(Pending {
        sequence_number,
        outbox_key: outbox_key.unwrap_or_default(),
        event_type: event.event_type,
        time,
        detail: event.envelope,
    }))
}
