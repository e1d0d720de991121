//! Creates the shared resources in the local AWS (moto) from
//! `terraform/resources.json`, the file terraform creates them from in AWS.
//! A prefix keeps several copies apart in one emulator (tests use that).

use crate::definitions::{Resources, Table};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, SseSpecification, SseType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::{BTreeMap, HashMap};

pub use crate::error::BootstrapError;

fn fail(what: impl Into<String>) -> impl FnOnce(String) -> BootstrapError {
    let what = what.into();
    move |reason| BootstrapError::new(what, reason)
}

macro_rules! sdk_try {
    ($what:expr, $call:expr) => {
        $call.map_err(|e| {
            fail($what)(format!(
                "{}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            ))
        })?
    };
}

/// A queue and its dead-letter queue.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct QueuePair {
    pub url: String,
    pub arn: String,
    pub dead_letter_url: String,
    pub dead_letter_arn: String,
}

/// A dead-letter queue of its own (no source queue).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeadLetterQueue {
    pub url: String,
    pub arn: String,
}

/// What was created, by the names the stack and tests use.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Created {
    pub table: String,
    pub stream_arn: String,
    pub bus: String,
    pub queues: BTreeMap<String, QueuePair>,
    /// The outbox's dead-letter queue: what cannot reach the bus.
    pub outbox_dead_letter: DeadLetterQueue,
    /// Key name → key id.
    pub keys: BTreeMap<String, String>,
    /// Bucket name in resources.json → bucket.
    #[serde(default)]
    pub buckets: BTreeMap<String, String>,
    /// The key that signs the control plane's tokens.
    pub token_signing_key: String,
    /// The keys of a rotation its JWKS also publishes.
    #[serde(default)]
    pub token_published_keys: Vec<String>,
    pub email_sender: String,
    /// The feature flag catalog's AppConfig resources.
    pub flags: crate::appconfig::FlagCatalog,
}

pub async fn create(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
) -> Result<Created, BootstrapError> {
    let keys = create_keys(sdk, resources, prefix).await?;
    let (table, stream_arn) = create_table(sdk, &resources.table, prefix, &keys).await?;
    let queues = create_queues(sdk, resources, prefix, &keys).await?;
    let outbox_dead_letter = create_outbox_dead_letter(sdk, resources, prefix, &keys).await?;
    let bus = create_bus(sdk, resources, prefix, &queues).await?;
    let buckets = create_buckets(sdk, resources, prefix).await?;
    let sesv2 = aws_sdk_sesv2::Client::new(sdk);
    sdk_try!(
        "email identity",
        sesv2
            .create_email_identity()
            .email_identity(&resources.email.sender)
            .send()
            .await
    );
    let flags = crate::appconfig::publish(sdk, &resources.flags, prefix).await?;
    let token_signing_key = keys
        .get(&resources.tokens.signing_key)
        .cloned()
        .ok_or_else(|| fail("token signing key")("not among the keys".into()))?;
    let token_published_keys = resources
        .tokens
        .published_keys
        .iter()
        .map(|name| {
            keys.get(name)
                .cloned()
                .ok_or_else(|| fail("token published key")(format!("{name} is not among the keys")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Created {
        table,
        stream_arn,
        bus,
        queues,
        outbox_dead_letter,
        keys,
        buckets,
        token_signing_key,
        token_published_keys,
        email_sender: resources.email.sender.clone(),
        flags,
    })
}

/// Buckets with their Object Lock default retention and lifecycle expiry,
/// as far as moto keeps them (it enforces the lock on deletes; ADR 0029).
async fn create_buckets(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
) -> Result<BTreeMap<String, String>, BootstrapError> {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
        DefaultRetention, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
        NoncurrentVersionExpiration, ObjectLockConfiguration, ObjectLockEnabled,
        ObjectLockRetentionMode, ObjectLockRule,
    };
    let s3 = aws_sdk_s3::Client::new(sdk);
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let mut names = BTreeMap::new();
    for (name, bucket) in &resources.buckets {
        let full = format!("{prefix}{name}");
        sdk_try!(
            format!("bucket {name}"),
            s3.create_bucket()
                .bucket(&full)
                .create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(region.as_str()))
                        .build()
                )
                .object_lock_enabled_for_bucket(bucket.object_lock.is_some())
                .send()
                .await
        );
        if let Some(lock) = &bucket.object_lock {
            let retention = DefaultRetention::builder()
                .mode(ObjectLockRetentionMode::from(lock.mode.as_str()))
                .years(i32::try_from(lock.years).unwrap_or(i32::MAX))
                .build();
            sdk_try!(
                format!("object lock of bucket {name}"),
                s3.put_object_lock_configuration()
                    .bucket(&full)
                    .object_lock_configuration(
                        ObjectLockConfiguration::builder()
                            .object_lock_enabled(ObjectLockEnabled::Enabled)
                            .rule(
                                ObjectLockRule::builder()
                                    .default_retention(retention)
                                    .build()
                            )
                            .build()
                    )
                    .send()
                    .await
            );
        }
        if let Some(days) = bucket.expire_after_days {
            let days = i32::try_from(days).unwrap_or(i32::MAX);
            let rule = LifecycleRule::builder()
                .id("expire-after-retention")
                .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .expiration(LifecycleExpiration::builder().days(days).build())
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days)
                        .build(),
                )
                .build()
                .map_err(|e| fail(format!("lifecycle of bucket {name}"))(e.to_string()))?;
            sdk_try!(
                format!("lifecycle of bucket {name}"),
                s3.put_bucket_lifecycle_configuration()
                    .bucket(&full)
                    .lifecycle_configuration(
                        BucketLifecycleConfiguration::builder()
                            .rules(rule)
                            .build()
                            .map_err(|e| fail(format!("lifecycle of bucket {name}"))(
                                e.to_string()
                            ))?
                    )
                    .send()
                    .await
            );
        }
        names.insert(name.clone(), full);
    }
    Ok(names)
}

async fn create_keys(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
) -> Result<BTreeMap<String, String>, BootstrapError> {
    let kms = aws_sdk_kms::Client::new(sdk);
    let mut ids = BTreeMap::new();
    for (name, key) in &resources.keys {
        let created = sdk_try!(
            format!("key {name}"),
            kms.create_key()
                .description(&key.description)
                .key_usage(key.usage.as_str().into())
                .key_spec(key.spec.as_str().into())
                .send()
                .await
        );
        let id = created
            .key_metadata()
            .map(|m| m.key_id().to_owned())
            .ok_or_else(|| fail(format!("key {name}"))("no key id".into()))?;
        if key.rotation {
            sdk_try!(
                format!("key {name} rotation"),
                kms.enable_key_rotation().key_id(&id).send().await
            );
        }
        sdk_try!(
            format!("alias of key {name}"),
            kms.create_alias()
                .alias_name(format!("alias/{prefix}{name}"))
                .target_key_id(&id)
                .send()
                .await
        );
        ids.insert(name.clone(), id);
    }
    Ok(ids)
}

fn key_schema(partition: &str, sort: &str) -> Result<Vec<KeySchemaElement>, BootstrapError> {
    let element = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| fail("key schema")(e.to_string()))
    };
    Ok(vec![
        element(partition, KeyType::Hash)?,
        element(sort, KeyType::Range)?,
    ])
}

async fn create_table(
    sdk: &SdkConfig,
    table: &Table,
    prefix: &str,
    keys: &BTreeMap<String, String>,
) -> Result<(String, String), BootstrapError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let name = format!("{prefix}{}", table.name);
    let mut attributes = vec![table.partition_key.clone(), table.sort_key.clone()];
    let mut indexes = Vec::new();
    for index in &table.indexes {
        attributes.push(index.partition_key.clone());
        attributes.push(index.sort_key.clone());
        indexes.push(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(&index.partition_key, &index.sort_key)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| fail("index")(e.to_string()))?,
        );
    }
    let definitions = attributes
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(a)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| fail("attribute")(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let created = sdk_try!(
        format!("table {name}"),
        dynamodb
            .create_table()
            .table_name(&name)
            .set_key_schema(Some(key_schema(&table.partition_key, &table.sort_key)?))
            .set_attribute_definitions(Some(definitions))
            .set_global_secondary_indexes(Some(indexes))
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(table.stream_view_type.as_str()))
                    .build()
                    .map_err(|e| fail("stream")(e.to_string()))?,
            )
            .sse_specification(
                SseSpecification::builder()
                    .enabled(true)
                    .sse_type(SseType::Kms)
                    .set_kms_master_key_id(keys.get(&table.encryption_key).cloned())
                    .build(),
            )
            .send()
            .await
    );
    let stream_arn = created
        .table_description()
        .and_then(|d| d.latest_stream_arn())
        .ok_or_else(|| fail(format!("table {name}"))("no stream".into()))?
        .to_owned();
    sdk_try!(
        format!("TTL of {name}"),
        dynamodb
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(&table.ttl_attribute)
                    .build()
                    .map_err(|e| fail("ttl")(e.to_string()))?,
            )
            .send()
            .await
    );
    Ok((name, stream_arn))
}

async fn create_queues(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
    keys: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, QueuePair>, BootstrapError> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let day = 24 * 3600;
    let mut pairs = BTreeMap::new();
    for (name, queue) in &resources.queues {
        let key = keys.get(&queue.encryption_key).cloned().unwrap_or_default();
        let dead_letter = create_dead_letter_queue(
            &sqs,
            &format!("{prefix}{name}-dlq"),
            queue.dead_letter_retention_days,
            &key,
        )
        .await?;
        let (dead_letter_url, dead_letter_arn) = (dead_letter.url, dead_letter.arn);
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": queue.max_receive_count,
        });
        let queue_name = format!("{prefix}{name}");
        let url = sdk_try!(
            format!("queue {queue_name}"),
            sqs.create_queue()
                .queue_name(&queue_name)
                .attributes(
                    QueueAttributeName::VisibilityTimeout,
                    queue.visibility_timeout_s.to_string(),
                )
                .attributes(
                    QueueAttributeName::MessageRetentionPeriod,
                    (queue.retention_days * day).to_string(),
                )
                .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
                .attributes(QueueAttributeName::KmsMasterKeyId, &key)
                .send()
                .await
        )
        .queue_url
        .unwrap_or_default();
        let arn = queue_arn(&sqs, &url).await?;
        pairs.insert(
            name.clone(),
            QueuePair {
                url,
                arn,
                dead_letter_url,
                dead_letter_arn,
            },
        );
    }
    Ok(pairs)
}

async fn create_outbox_dead_letter(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
    keys: &BTreeMap<String, String>,
) -> Result<DeadLetterQueue, BootstrapError> {
    let key = keys
        .get(&resources.outbox.encryption_key)
        .cloned()
        .unwrap_or_default();
    create_dead_letter_queue(
        &aws_sdk_sqs::Client::new(sdk),
        &format!("{prefix}outbox-dlq"),
        resources.outbox.dead_letter_retention_days,
        &key,
    )
    .await
}

/// A queue that keeps what could not be handled for `retention_days`.
async fn create_dead_letter_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    retention_days: u32,
    key: &str,
) -> Result<DeadLetterQueue, BootstrapError> {
    let url = sdk_try!(
        format!("queue {name}"),
        sqs.create_queue()
            .queue_name(name)
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                (retention_days * 24 * 3600).to_string(),
            )
            .attributes(QueueAttributeName::KmsMasterKeyId, key)
            .send()
            .await
    )
    .queue_url
    .unwrap_or_default();
    let arn = queue_arn(sqs, &url).await?;
    Ok(DeadLetterQueue { url, arn })
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, BootstrapError> {
    let attributes = sdk_try!(
        format!("attributes of {url}"),
        sqs.get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
    );
    attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| fail(url)("no ARN".into()))
}

async fn create_bus(
    sdk: &SdkConfig,
    resources: &Resources,
    prefix: &str,
    queues: &BTreeMap<String, QueuePair>,
) -> Result<String, BootstrapError> {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let bus = format!("{prefix}{}", resources.bus.name);
    sdk_try!(
        format!("bus {bus}"),
        events.create_event_bus().name(&bus).send().await
    );
    for (name, rule) in &resources.rules {
        let rule_name = format!("{prefix}{name}");
        let queue = &queues[&rule.queue];
        let rule_arn = sdk_try!(
            format!("rule {rule_name}"),
            events
                .put_rule()
                .name(&rule_name)
                .event_bus_name(&bus)
                .description(&rule.description)
                .event_pattern(rule.pattern.to_string())
                .send()
                .await
        )
        .rule_arn
        .unwrap_or_default();
        sdk_try!(
            format!("target of {rule_name}"),
            events
                .put_targets()
                .rule(&rule_name)
                .event_bus_name(&bus)
                .targets(
                    aws_sdk_eventbridge::types::Target::builder()
                        .id(format!("{name}-queue"))
                        .arn(&queue.arn)
                        .build()
                        .map_err(|e| fail("target")(e.to_string()))?,
                )
                .send()
                .await
        );
        // As in AWS: the queue admits messages from this rule only.
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "events.amazonaws.com" },
                "Action": "sqs:SendMessage",
                "Resource": queue.arn,
                "Condition": { "ArnEquals": { "aws:SourceArn": rule_arn } }
            }]
        });
        sdk_try!(
            format!("policy of queue {}", rule.queue),
            sqs.set_queue_attributes()
                .queue_url(&queue.url)
                .set_attributes(Some(HashMap::from([(
                    QueueAttributeName::Policy,
                    policy.to_string()
                )])))
                .send()
                .await
        );
    }
    Ok(bus)
}
