//! The local stack's resources are the ones `terraform/resources.json`
//! defines: what moto reports back equals the definition.

use aws_sdk_dynamodb::types::{KeyType, TimeToLiveStatus};
use aws_sdk_sqs::types::QueueAttributeName;
use cp_local::definitions;
use cp_tests::{sdk, stack};
use serde_json::Value;

#[tokio::test]
async fn the_local_table_is_the_defined_one() {
    let defined = definitions::resources().table;
    let created = &stack().resources;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk().await);
    let table = dynamodb
        .describe_table()
        .table_name(&created.table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> (String, String) {
        let name = |kind: KeyType| {
            schema
                .iter()
                .find(|k| k.key_type == kind)
                .map(|k| k.attribute_name.clone())
                .unwrap()
        };
        (name(KeyType::Hash), name(KeyType::Range))
    };
    assert_eq!(
        keys(table.key_schema()),
        (defined.partition_key.clone(), defined.sort_key.clone())
    );
    let mut indexes: Vec<(String, (String, String))> = table
        .global_secondary_indexes()
        .iter()
        .map(|i| (i.index_name().unwrap().to_owned(), keys(i.key_schema())))
        .collect();
    indexes.sort();
    let expected: Vec<(String, (String, String))> = defined
        .indexes
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                (i.partition_key.clone(), i.sort_key.clone()),
            )
        })
        .collect();
    assert_eq!(indexes, expected);
    let stream = table.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().unwrap().as_str(),
        defined.stream_view_type
    );
    assert_eq!(table.latest_stream_arn(), Some(created.stream_arn.as_str()));
    let ttl = dynamodb
        .describe_time_to_live()
        .table_name(&created.table)
        .send()
        .await
        .unwrap()
        .time_to_live_description
        .unwrap();
    assert_eq!(ttl.attribute_name(), Some(defined.ttl_attribute.as_str()));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test]
async fn the_local_queues_rules_and_keys_are_the_defined_ones() {
    let defined = definitions::resources();
    let created = &stack().resources;
    let config = sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    for (name, queue) in &defined.queues {
        let pair = &created.queues[name];
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&pair.url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        let get = |a: QueueAttributeName| attributes.get(&a).cloned().unwrap_or_default();
        assert_eq!(
            get(QueueAttributeName::VisibilityTimeout),
            queue.visibility_timeout_s.to_string()
        );
        assert_eq!(
            get(QueueAttributeName::MessageRetentionPeriod),
            (queue.retention_days * 86_400).to_string()
        );
        let redrive: Value = serde_json::from_str(&get(QueueAttributeName::RedrivePolicy)).unwrap();
        assert_eq!(
            redrive["deadLetterTargetArn"],
            pair.dead_letter_arn.as_str()
        );
        assert_eq!(
            redrive["maxReceiveCount"].to_string().trim_matches('"'),
            queue.max_receive_count.to_string()
        );
        assert_eq!(
            get(QueueAttributeName::KmsMasterKeyId),
            created.keys[&queue.encryption_key]
        );
    }
    // The outbox's dead-letter queue (ADR 0041).
    let outbox = sqs
        .get_queue_attributes()
        .queue_url(&created.outbox_dead_letter.url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(
        outbox[&QueueAttributeName::MessageRetentionPeriod],
        (defined.outbox.dead_letter_retention_days * 86_400).to_string()
    );
    assert_eq!(
        outbox[&QueueAttributeName::KmsMasterKeyId],
        created.keys[&defined.outbox.encryption_key]
    );
    assert_eq!(
        outbox[&QueueAttributeName::QueueArn],
        created.outbox_dead_letter.arn
    );

    let events = aws_sdk_eventbridge::Client::new(&config);
    for (name, rule) in &defined.rules {
        let described = events
            .describe_rule()
            .name(name)
            .event_bus_name(&created.bus)
            .send()
            .await
            .unwrap();
        let pattern: Value = serde_json::from_str(described.event_pattern().unwrap()).unwrap();
        assert_eq!(pattern, rule.pattern, "rule {name}");
        let targets = events
            .list_targets_by_rule()
            .rule(name)
            .event_bus_name(&created.bus)
            .send()
            .await
            .unwrap();
        let arns: Vec<&str> = targets.targets().iter().map(|t| t.arn()).collect();
        assert_eq!(
            arns,
            [created.queues[&rule.queue].arn.as_str()],
            "rule {name}"
        );
    }

    let kms = aws_sdk_kms::Client::new(&config);
    for (name, key) in &defined.keys {
        let metadata = kms
            .describe_key()
            .key_id(format!("alias/{name}"))
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap();
        assert_eq!(metadata.key_id(), created.keys[name]);
        assert_eq!(metadata.key_usage().unwrap().as_str(), key.usage);
        assert_eq!(metadata.key_spec().unwrap().as_str(), key.spec);
        let rotation = kms
            .get_key_rotation_status()
            .key_id(metadata.key_id())
            .send()
            .await
            .unwrap();
        assert_eq!(rotation.key_rotation_enabled(), key.rotation);
    }

    let sesv2 = aws_sdk_sesv2::Client::new(&config);
    let identity = sesv2
        .get_email_identity()
        .email_identity(&defined.email.sender)
        .send()
        .await
        .unwrap();
    assert!(identity.verified_for_sending_status() || identity.verification_status().is_some());
}
