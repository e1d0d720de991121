//! The store under DynamoDB faults: throttling, the cancellation reasons
//! of a transaction, and unprocessed keys of a batch read.

use crate::support::fixtures::provisioned;
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::error::{
    ProvisionedThroughputExceededException, TransactionCanceledException,
};
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, KeysAndAttributes};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use chrono::Utc;
use cp_domain::{Error, TenantId, UserId};
use cp_store::{Committed, IdempotencyRecord, Store};
use std::collections::HashMap;

fn cancelled(codes: &[&str]) -> TransactWriteItemsError {
    let mut e = TransactionCanceledException::builder().message("cancelled");
    for code in codes {
        e = e.cancellation_reasons(CancellationReason::builder().code(*code).build());
    }
    TransactWriteItemsError::TransactionCanceledException(e.build())
}

#[tokio::test]
async fn dynamodb_throttling_is_err_sys_503_not_a_500() {
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_error(|| {
        TransactWriteItemsError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("slow down")
                .meta(
                    aws_sdk_dynamodb::error::ErrorMetadata::builder()
                        .code("ProvisionedThroughputExceededException")
                        .build(),
                )
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule], |c| c
        .retry_config(
            aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(2)
        ));
    let store = Store::new(client, "table");
    let mut writes = store.writes();
    writes.provision(&provisioned()).unwrap();
    assert_eq!(store.commit(writes).await, Err(Error::Unavailable));
    assert_eq!(rule.num_calls(), 2, "the SDK retried before giving up");
}

#[tokio::test]
async fn transaction_cancellation_reasons_name_the_item_that_failed() {
    // Items: tenant, domain guard, owner, email guard, invitation, token.
    for (failed, message) in [
        (1, "a tenant with this domain already exists"),
        (3, "a user with this email already exists"),
    ] {
        let mut codes = ["None"; 6];
        codes[failed] = "ConditionalCheckFailed";
        let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_error(move || cancelled(&codes));
        let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
        let store = Store::new(client, "table");
        let mut writes = store.writes();
        writes.provision(&provisioned()).unwrap();
        assert_eq!(
            store.commit(writes).await,
            Err(Error::Conflict(message.into()))
        );
    }
}

#[tokio::test]
async fn a_transaction_cancelled_by_a_concurrent_one_is_tried_again() {
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .sequence()
        .error(|| cancelled(&["TransactionConflict", "None"]))
        .times(2)
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&rule]);
    let store = Store::new(client, "table");
    let mut writes = store.writes();
    writes.provision(&provisioned()).unwrap();
    assert_eq!(store.commit(writes).await, Ok(Committed::Applied));
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test]
async fn cc_dat_001_a_replay_is_read_from_the_cancellation_reason() {
    let now = Utc::now();
    let record = IdempotencyRecord {
        scope: "tenant-provision:u".into(),
        key: "k".into(),
        request_hash: "h".into(),
        status: 201,
        body: "{}".into(),
        location: None,
        created_at: now,
        expires_at: now.timestamp() + 60,
    };
    let stored: HashMap<String, AttributeValue> = {
        // A raw item, as only a test writes one.
        #[allow(clippy::disallowed_methods)]
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&record).unwrap();
        item.insert(
            "PK".into(),
            AttributeValue::S("IDEMPOTENCY#tenant-provision:u#k".into()),
        );
        item.insert("SK".into(), AttributeValue::S("IDEMPOTENCY".into()));
        item.insert("entity".into(), AttributeValue::S("Idempotency".into()));
        item
    };
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_error(move || {
        let mut reasons: Vec<CancellationReason> = (0..6)
            .map(|_| {
                CancellationReason::builder()
                    .code("ConditionalCheckFailed")
                    .build()
            })
            .collect();
        reasons.push(
            CancellationReason::builder()
                .code("ConditionalCheckFailed")
                .set_item(Some(stored.clone()))
                .build(),
        );
        TransactWriteItemsError::TransactionCanceledException(
            TransactionCanceledException::builder()
                .set_cancellation_reasons(Some(reasons))
                .build(),
        )
    });
    let no_reads = mock!(aws_sdk_dynamodb::Client::get_item)
        .then_output(|| aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder().build());
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule, &no_reads]);
    let store = Store::new(client, "table");
    let mut writes = store.writes();
    writes
        .provision(&provisioned())
        .unwrap()
        .idempotency(&record, now)
        .unwrap();
    assert_eq!(store.commit(writes).await, Ok(Committed::Replayed(record)));
    assert_eq!(no_reads.num_calls(), 0);
}

#[tokio::test]
async fn unprocessed_keys_of_the_principal_read_are_asked_for_again() {
    let tenant = TenantId::random();
    let user = UserId::random();
    let rule = mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .sequence()
        .output(move || {
            let key = HashMap::from([
                (
                    "PK".to_owned(),
                    AttributeValue::S(format!("TENANT#{tenant}")),
                ),
                ("SK".to_owned(), AttributeValue::S("TENANT".into())),
            ]);
            BatchGetItemOutput::builder()
                .unprocessed_keys(
                    "table",
                    KeysAndAttributes::builder().keys(key).build().unwrap(),
                )
                .build()
        })
        .output(|| BatchGetItemOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&rule]);
    let store = Store::new(client, "table");
    let (u, t) = store.user_and_tenant(tenant, user).await.unwrap();
    assert_eq!((u, t), (None, None));
    assert_eq!(rule.num_calls(), 2);
}
