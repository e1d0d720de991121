//! What Lambda's event source mappings do in AWS: read the table's stream
//! and the queues, and invoke the functions with the same event shapes,
//! batch sizes, filters and batch-failure semantics.

use crate::pattern;
use audit_consumer::AuditConsumer;
use aws_config::SdkConfig;
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use futures::future::BoxFuture;
use outbox_publisher::OutboxPublisher;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const IDLE: Duration = Duration::from_millis(100);
const RETRY: Duration = Duration::from_millis(500);

/// A queue-triggered function.
pub trait QueueHandler: Send + Sync {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse>;
}

impl QueueHandler for AuditConsumer {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
        Box::pin(self.handle(event))
    }
}

impl QueueHandler for billing_consumer::BillingConsumer {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
        Box::pin(self.handle(event))
    }
}

impl QueueHandler for oauth_backchannel::OauthBackchannel {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
        Box::pin(self.handle(event))
    }
}

impl QueueHandler for export_job::ExportJob {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
        Box::pin(self.handle(event))
    }
}

/// How often one read may fail at a position before the mapping narrows
/// it to one record, and that one record's read before it is set aside.
const READ_ATTEMPTS: u32 = 3;

/// Where the stream mapping reads and what it does with what it cannot read.
#[derive(Debug, Clone)]
pub struct StreamSource {
    pub stream_arn: String,
    pub batch_size: u32,
    pub filter: Value,
    /// The outbox's dead-letter queue: the mapping's failure destination.
    pub dead_letter_url: String,
}

/// The stream mapping: table stream → filter → publisher, in order; a
/// reported failure is retried from its record (`ReportBatchItemFailures`).
///
/// A page that cannot be read (the SDK refuses a record, say one nested
/// deeper than it parses) is never retried for ever: after
/// [`READ_ATTEMPTS`] failures the mapping reads one record at a time, and a
/// single record that still cannot be read is set aside, as Lambda sends a
/// batch it gives up on to the mapping's failure destination: its shard and
/// sequence number go to the outbox's dead-letter queue (which makes the
/// health API report the pipeline degraded), it is logged and counted, and
/// the records after it flow on. moto numbers a shard's records
/// consecutively, so the unreadable record's number is known without
/// reading it: one after the last read, or the shard's first.
pub async fn run_stream(sdk: SdkConfig, source: StreamSource, publisher: Arc<OutboxPublisher>) {
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    let stream_arn = source.stream_arn.as_str();
    let (shard, first_sequence) = loop {
        match streams
            .describe_stream()
            .stream_arn(stream_arn)
            .send()
            .await
        {
            Ok(out) => {
                if let Some(shard) = out.stream_description().and_then(|d| d.shards().first()) {
                    let first = shard
                        .sequence_number_range()
                        .and_then(|r| r.starting_sequence_number())
                        .unwrap_or("0")
                        .to_owned();
                    if let Some(id) = shard.shard_id() {
                        break (id.to_owned(), first);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "describe stream"),
        }
        tokio::time::sleep(RETRY).await;
    };
    // Where reading resumes: after the last record handled, or at a record
    // to retry, or from the start.
    let mut last_read: Option<String> = None;
    let mut retry_at: Option<String> = None;
    let mut limit = source.batch_size;
    let mut failed_reads = 0;
    loop {
        // A fresh iterator for every read. moto rolls a cancelled transaction
        // back by swapping in a copy of the table and its stream shard, which
        // leaves older iterators reading a shard that no longer exists (and
        // showing the rolled-back writes); a fresh one reads the live shard.
        // DynamoDB itself would let us follow `NextShardIterator`.
        let (kind, sequence) = match (&retry_at, &last_read) {
            (Some(s), _) => (ShardIteratorType::AtSequenceNumber, Some(s.clone())),
            (None, Some(s)) => (ShardIteratorType::AfterSequenceNumber, Some(s.clone())),
            (None, None) => (ShardIteratorType::TrimHorizon, None),
        };
        let Some(position) = shard_iterator(&streams, stream_arn, &shard, kind, sequence).await
        else {
            tokio::time::sleep(RETRY).await;
            continue;
        };
        let output = match streams
            .get_records()
            .shard_iterator(&position)
            .limit(limit as i32)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                failed_reads += 1;
                tracing::warn!(error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e), limit, failed_reads, "get records");
                if failed_reads >= READ_ATTEMPTS {
                    failed_reads = 0;
                    if limit > 1 {
                        limit = 1;
                    } else {
                        // The one record at this position cannot be read.
                        let unreadable = match (&retry_at, &last_read) {
                            (Some(at), _) => at.clone(),
                            (None, Some(after)) => next_sequence(after),
                            (None, None) => first_sequence.clone(),
                        };
                        let reason = format!(
                            "stream record cannot be read: {}",
                            aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)
                        );
                        if set_aside(&sqs, &source, &shard, &unreadable, &reason).await {
                            last_read = Some(unreadable);
                            retry_at = None;
                            limit = source.batch_size;
                        }
                        continue;
                    }
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        failed_reads = 0;
        limit = source.batch_size;
        let Some(read_up_to) = output
            .records()
            .last()
            .and_then(|r| r.dynamodb())
            .and_then(|d| d.sequence_number())
            .map(str::to_owned)
        else {
            tokio::time::sleep(IDLE).await;
            continue;
        };
        let mut records = Vec::new();
        for record in output.records() {
            let value = lambda_record(record, stream_arn, &region);
            if !pattern::matches(&source.filter, &value) {
                continue;
            }
            // As Lambda's event: a record its shape does not fit is set
            // aside (and the batch waits until it is), the others go on.
            match serde_json::from_value::<EventRecord>(value) {
                Ok(record) => records.push(record),
                Err(e) => {
                    let sequence = record
                        .dynamodb()
                        .and_then(|d| d.sequence_number())
                        .unwrap_or_default();
                    let reason = format!("stream record not understood: {e}");
                    if !set_aside(&sqs, &source, &shard, sequence, &reason).await {
                        records.clear();
                        break;
                    }
                }
            }
        }
        if !records.is_empty() {
            let mut event = Event::default();
            event.records = records;
            let response = publisher.handle(event).await;
            // Lambda retries the batch from the first failed record.
            if let Some(failed) = response
                .batch_item_failures
                .first()
                .and_then(|f| f.item_identifier.clone())
            {
                retry_at = Some(failed);
                tokio::time::sleep(RETRY).await;
                continue;
            }
        }
        last_read = Some(read_up_to);
        retry_at = None;
    }
}

/// The sequence number after `sequence` (moto numbers records one by one).
fn next_sequence(sequence: &str) -> String {
    sequence
        .parse::<u128>()
        .map_or_else(|_| sequence.to_owned(), |n| (n + 1).to_string())
}

/// Sends a description of an unreadable stream record to the failure
/// destination, in the shape Lambda uses for a stream batch it gave up on;
/// whether it was written.
async fn set_aside(
    sqs: &aws_sdk_sqs::Client,
    source: &StreamSource,
    shard: &str,
    sequence: &str,
    reason: &str,
) -> bool {
    let now = chrono::Utc::now();
    let message = json!({
        "version": "1.0",
        "timestamp": now.to_rfc3339(),
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "condition": "RecordUnreadable",
            "approximateInvokeCount": 0,
        },
        "responseContext": { "statusCode": 0, "executedVersion": "$LATEST" },
        "reason": reason,
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": sequence,
            "endSequenceNumber": sequence,
            "batchSize": 1,
            "streamArn": source.stream_arn,
        },
    });
    match sqs
        .send_message()
        .queue_url(&source.dead_letter_url)
        .message_body(message.to_string())
        .send()
        .await
    {
        Ok(_) => {
            tracing::error!(%sequence, %reason, "stream record set aside in the outbox dead-letter queue");
            cp_runtime::metrics::record_set_aside("outbox-publisher", 1, now);
            true
        }
        Err(e) => {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "dead-letter queue");
            false
        }
    }
}

async fn shard_iterator(
    streams: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    shard: &str,
    kind: ShardIteratorType,
    sequence: Option<String>,
) -> Option<String> {
    streams
        .get_shard_iterator()
        .stream_arn(arn)
        .shard_id(shard)
        .shard_iterator_type(kind)
        .set_sequence_number(sequence)
        .send()
        .await
        .map_err(|e| tracing::warn!(error = %e, "shard iterator"))
        .ok()
        .and_then(|o| o.shard_iterator)
}

/// A stream record as Lambda delivers it.
fn lambda_record(record: &Record, stream_arn: &str, region: &str) -> Value {
    let image = |map: Option<
        &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >| {
        map.map(|m| serde_dynamo::Item::from(m.clone()))
            .and_then(|item| serde_json::to_value(item).ok())
    };
    let change = record.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|t| t.secs()),
        "SequenceNumber": change.and_then(|c| c.sequence_number()),
        "SizeBytes": change.and_then(|c| c.size_bytes()),
        "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str().to_owned()),
    });
    for (name, value) in [
        ("Keys", image(change.and_then(|c| c.keys.as_ref()))),
        ("NewImage", image(change.and_then(|c| c.new_image.as_ref()))),
        ("OldImage", image(change.and_then(|c| c.old_image.as_ref()))),
    ] {
        if let Some(value) = value {
            dynamodb[name] = value;
        }
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str().to_owned()),
        "eventVersion": record.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    })
}

/// The queue mapping: long-poll up to `batch_size` messages, invoke, delete
/// what succeeded; failed messages come back after the visibility timeout
/// and, after the queue's maximum receives, move to its dead-letter queue.
pub async fn run_queue(
    sdk: SdkConfig,
    queue_url: String,
    queue_arn: String,
    batch_size: u32,
    handler: Arc<dyn QueueHandler>,
) {
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(batch_size.min(10) as i32)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(r) => r.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "receive message");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        tracing::debug!(queue = %queue_arn, received = messages.len(), "queue messages");
        if messages.is_empty() {
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": queue_arn,
                    "awsRegion": region,
                })
            })
            .collect();
        let event: SqsEvent = match serde_json::from_value(json!({ "Records": records })) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "queue messages not understood");
                continue;
            }
        };
        let response = handler.call(event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| !failed.contains(&m.message_id().unwrap_or_default()))
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if !done.is_empty()
            && let Err(e) = sqs
                .delete_message_batch()
                .queue_url(&queue_url)
                .set_entries(Some(done))
                .send()
                .await
        {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "delete messages");
        }
    }
}

/// How often the local stack runs scheduled functions, whatever their
/// expression says: often enough to see them work.
const SCHEDULE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// A scheduled function, as the local scheduler runs it.
pub trait ScheduleHandler: Send + Sync {
    /// One run; what it did if worth a log line, or why it failed.
    fn run_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'_, Result<Option<String>, String>>;
}

impl ScheduleHandler for tenant_purge::TenantPurge {
    fn run_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'_, Result<Option<String>, String>> {
        Box::pin(async move {
            let report = self.run(now).await.map_err(|e| e.to_string())?;
            let worth = report.items_deleted > 0 || !report.purged.is_empty();
            Ok(worth.then(|| format!("{report:?}")))
        })
    }
}

impl ScheduleHandler for audit_digest::AuditDigest {
    fn run_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'_, Result<Option<String>, String>> {
        Box::pin(async move {
            let report = self.run(now).await.map_err(|e| e.to_string())?;
            Ok((report.digests > 0 || report.failed > 0).then(|| format!("{report:?}")))
        })
    }
}

/// Runs a scheduled function every minute, as EventBridge Scheduler would on
/// its own (coarser) schedule.
pub async fn run_schedule(name: String, function: Arc<dyn ScheduleHandler>) {
    let mut ticks = tokio::time::interval(SCHEDULE_INTERVAL);
    loop {
        ticks.tick().await;
        match function.run_at(chrono::Utc::now()).await {
            Ok(Some(report)) => tracing::info!(function = %name, %report, "scheduled run"),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(function = %name, error = %e, "scheduled run failed; the next run resumes")
            }
        }
    }
}
