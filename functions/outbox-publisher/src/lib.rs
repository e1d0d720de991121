//! The outbox publisher: table stream → EventBridge.
//!
//! Use cases write their events as outbox items in the same transaction as
//! their state change; the table's stream delivers those inserts here. Each
//! event is put on the bus unchanged (source `saas.control-plane`,
//! detail-type = the event type, detail = the envelope), in `PutEvents`
//! calls of up to ten entries.
//!
//! Nothing is dropped: entries that `PutEvents` reports as failed
//! (`FailedEntryCount`) are put again, alone, with exponential backoff. If
//! they still fail, the batch reports the stream record of the first
//! unpublished event as its failure, and Lambda retries from that record
//! (`ReportBatchItemFailures`). Events after it may then be published twice;
//! consumers deduplicate on the event id.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use cp_runtime::{ConfigError, FunctionEnv, env::EVENT_BUS_NAME};
use std::time::Duration;

/// EventBridge takes at most ten entries per `PutEvents`.
const MAX_ENTRIES: usize = 10;

/// An event read from the stream, with the record it came from.
#[derive(Debug)]
struct Pending {
    sequence_number: String,
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
    backoff: Backoff,
}

impl OutboxPublisher {
    pub fn new(bus: Client, bus_name: impl Into<String>, backoff: Backoff) -> Self {
        Self {
            bus,
            bus_name: bus_name.into(),
            backoff,
        }
    }

    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Client::new(&env.sdk),
            env.var(EVENT_BUS_NAME)?,
            Backoff::default(),
        ))
    }

    /// Publishes the outbox inserts of a stream batch, in stream order.
    pub async fn handle(&self, batch: Event) -> DynamoDbEventResponse {
        let pending: Vec<Pending> = batch.records.iter().filter_map(outbox_event).collect();
        let mut response = DynamoDbEventResponse::default();
        for chunk in pending.chunks(MAX_ENTRIES) {
            if let Err(first_unpublished) = self.publish(chunk).await {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(first_unpublished);
                response.batch_item_failures.push(failure);
                break;
            }
        }
        response
    }

    /// Puts a chunk, retrying failed entries. On giving up, returns the
    /// sequence number of the first event not known to be published.
    async fn publish(&self, chunk: &[Pending]) -> Result<(), String> {
        let mut unpublished: Vec<&Pending> = chunk.iter().collect();
        let mut delay = self.backoff.first_delay;
        for attempt in 1..=self.backoff.attempts {
            unpublished = self.put(&unpublished).await;
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

    /// One `PutEvents`; returns the events that were not accepted.
    async fn put<'a>(&self, events: &[&'a Pending]) -> Vec<&'a Pending> {
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
                .filter(|(_, result)| result.error_code().is_some())
                .map(|(event, result)| {
                    tracing::warn!(
                        event_type = %event.event_type,
                        code = result.error_code().unwrap_or_default(),
                        "entry refused"
                    );
                    *event
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %aws_sdk_eventbridge::error::DisplayErrorContext(&e), "PutEvents failed");
                events.to_vec()
            }
        }
    }
}

/// The event in a stream record, if the record is an outbox insert.
/// Updates, removals (TTL expiry) and other items are not events.
fn outbox_event(record: &EventRecord) -> Option<Pending> {
    if record.event_name != "INSERT" {
        return None;
    }
    let event = match cp_store::outbox_event(record.change.new_image.clone())? {
        Ok(event) => event,
        Err(e) => {
            tracing::error!(error = %e, "outbox item cannot be read; skipped");
            return None;
        }
    };
    // The envelope is published as written; it must at least be an
    // envelope. One that is not was written by a bug: retrying cannot fix
    // it, so it is logged as an error (and alarmed on) and skipped.
    let time = match serde_json::from_str::<EnvelopeTime>(&event.envelope) {
        Ok(e) => DateTime::from_millis(e.time.timestamp_millis()),
        Err(e) => {
            tracing::error!(event_type = %event.event_type, error = %e, "outbox item is not an envelope; skipped");
            return None;
        }
    };
    Some(Pending {
        sequence_number: record.change.sequence_number.clone().unwrap_or_default(),
        event_type: event.event_type,
        time,
        detail: event.envelope,
    })
}
