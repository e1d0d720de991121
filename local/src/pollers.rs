//! What Lambda's event source mappings do in AWS: read the table's stream
//! and the queues, and invoke the functions with the same event shapes,
//! batch sizes, filters and batch-failure semantics.

use crate::pattern;
use audit_consumer::AuditConsumer;
use aws_config::SdkConfig;
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

impl QueueHandler for audit_export_job::AuditExportJob {
    fn call(&self, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
        Box::pin(self.handle(event))
    }
}

/// The stream mapping: table stream → filter → publisher, in order; a
/// reported failure is retried from its record (`ReportBatchItemFailures`).
pub async fn run_stream(
    sdk: SdkConfig,
    stream_arn: String,
    batch_size: u32,
    filter: Value,
    publisher: Arc<OutboxPublisher>,
) {
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    let shard = loop {
        match streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .send()
            .await
        {
            Ok(out) => {
                if let Some(id) = out
                    .stream_description()
                    .and_then(|d| d.shards().first())
                    .and_then(|s| s.shard_id())
                {
                    break id.to_owned();
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
        let Some(position) = shard_iterator(&streams, &stream_arn, &shard, kind, sequence).await
        else {
            tokio::time::sleep(RETRY).await;
            continue;
        };
        let output = match streams
            .get_records()
            .shard_iterator(&position)
            .limit(batch_size as i32)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e), "get records");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
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
        let records: Vec<Value> = output
            .records()
            .iter()
            .map(|r| lambda_record(r, &stream_arn, &region))
            .filter(|r| pattern::matches(&filter, r))
            .collect();
        if !records.is_empty() {
            let event = match serde_json::from_value(json!({ "Records": records })) {
                Ok(event) => event,
                Err(e) => {
                    tracing::error!(error = %e, "stream records not understood");
                    last_read = Some(read_up_to);
                    retry_at = None;
                    continue;
                }
            };
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
