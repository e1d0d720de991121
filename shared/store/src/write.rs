//! All-or-nothing writes: a use case collects its items in a [`WriteSet`] and
//! commits them as one `TransactWriteItems`.
//!
//! The generic machinery every room writes with: the transaction's items
//! (put, insert, replace, update, delete, condition checks), the outbox item
//! of a use case's event, and the record of an `Idempotency-Key`'s outcome.
//!
//! Each item carries its condition and what a failed condition means, so a
//! cancelled transaction is reported in the use case's own terms ("domain
//! taken", "modified concurrently") instead of as an opaque error.

use crate::Store;
use crate::attributes::Keys;
use crate::error::{corrupt, is_throttling, sdk};
use crate::keys::{self, Key, PK, SK};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use chrono::{DateTime, Duration, Utc};
use cp_domain::Error;
use cp_events::Envelope;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// DynamoDB's limit on items per transaction.
const MAX_ITEMS: usize = 100;
/// How often a transaction cancelled by a concurrent one is tried again.
const CONFLICT_ATTEMPTS: u32 = 4;

/// What a failed condition on an item means.
#[derive(Debug, Clone)]
pub(crate) enum OnConditionFailure {
    /// The item exists already: 409 with this message.
    Conflict(&'static str),
    /// The item changed since it was read: 409.
    Stale,
    /// A precondition on another item does not hold: 422 with this message.
    Rule(&'static str),
    /// The caller may not do this in the current state: 403 with this message.
    Refused(&'static str),
    /// What the request names is used up or withdrawn: 410.
    Gone,
    /// The request was made before: replay its stored outcome.
    Replay(Key),
}

/// How long an outbox item is kept (the stream keeps its record a day).
const OUTBOX_RETENTION: Duration = Duration::days(7);

/// A domain event waiting for the publisher. Kept a week (the stream keeps
/// records a day), so a stalled publisher can be replayed from the table.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OutboxItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub event_type: String,
    /// The envelope, as JSON text, exactly as it will be published.
    pub event: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

/// EventBridge takes entries of up to 256 KB. A larger event would be
/// refused by the bus on every retry and hold up the stream shard behind
/// it, so it is refused here, before anything is written.
const MAX_EVENT_BYTES: usize = 240 * 1024;

impl OutboxItem {
    fn new(event: &Envelope) -> Result<Self, Error> {
        let json = serde_json::to_string(event).map_err(|e| corrupt("outbox event", e))?;
        if json.len() > MAX_EVENT_BYTES {
            tracing::error!(
                event_type = %event.event_type,
                bytes = json.len(),
                "event too large for the bus; nothing written"
            );
            return Err(Error::Internal);
        }
        Ok(Self {
            keys: keys::outbox(event.id).into(),
            entity: "Outbox".into(),
            event_type: event.event_type.clone(),
            event: json,
            created_at: event.time,
            expires_at: (event.time + OUTBOX_RETENTION).timestamp(),
        })
    }
}

/// The outcome of a request made with an `Idempotency-Key` (CC-DAT-001),
/// written in the same transaction as the request's effects, so a retry
/// finds either nothing or the finished result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Whose key it is and for which operation, e.g. `tenant-provision:<user id>`.
    pub scope: String,
    pub key: String,
    /// Fingerprint of the request; a reused key with another request is refused.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IdempotencyItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    #[serde(flatten)]
    pub record: IdempotencyRecord,
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// One `Update` of a transaction.
pub(crate) struct UpdateOp<'a> {
    pub key: Key,
    pub set: &'a str,
    pub condition: Option<&'a str>,
    pub names: &'a [(&'a str, &'a str)],
    pub values: Vec<(&'a str, AttributeValue)>,
}

#[derive(Debug)]
struct Op {
    write: TransactWriteItem,
    on_failure: OnConditionFailure,
}

/// The outcome of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// Every item was written.
    Applied,
    /// Nothing was written: the idempotency key was used before, and this is
    /// the outcome recorded then.
    Replayed(IdempotencyRecord),
}

/// The items of one transaction; start one with [`Store::writes`].
#[derive(Debug)]
pub struct WriteSet {
    pub(crate) table: String,
    ops: Vec<Op>,
}

impl WriteSet {
    pub(crate) fn update(
        &mut self,
        op: UpdateOp<'_>,
        on_failure: OnConditionFailure,
    ) -> Result<&mut Self, Error> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(op.key.pk))
            .key(SK, s(op.key.sk))
            .update_expression(op.set)
            .set_condition_expression(op.condition.map(str::to_owned));
        for (name, attribute) in op.names {
            update = update.expression_attribute_names(*name, *attribute);
        }
        for (name, value) in op.values {
            update = update.expression_attribute_values(name, value);
        }
        let update = update.build().map_err(|e| corrupt("update", e))?;
        self.push_op(
            TransactWriteItem::builder().update(update).build(),
            on_failure,
        )
    }

    pub(crate) fn delete(
        &mut self,
        key: Key,
        condition: Option<(&str, Vec<(&str, AttributeValue)>)>,
        on_failure: OnConditionFailure,
    ) -> Result<&mut Self, Error> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(key.pk))
            .key(SK, s(key.sk));
        if let Some((expression, values)) = condition {
            delete = delete.condition_expression(expression);
            if expression.contains("#status") {
                delete = delete.expression_attribute_names("#status", "status");
            }
            for (name, value) in values {
                delete = delete.expression_attribute_values(name, value);
            }
        }
        let delete = delete.build().map_err(|e| corrupt("delete", e))?;
        self.push_op(
            TransactWriteItem::builder().delete(delete).build(),
            on_failure,
        )
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The outbox item of a domain event; the publisher takes it from the
    /// table's stream.
    pub fn event(&mut self, event: &Envelope) -> Result<&mut Self, Error> {
        self.insert(&OutboxItem::new(event)?, "event id already used")
    }

    /// Records the outcome of an idempotent request with its effects. An
    /// existing, unexpired record for the same key makes the commit a replay.
    pub fn idempotency(
        &mut self,
        record: &IdempotencyRecord,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        let key = keys::idempotency(&record.scope, &record.key);
        let item = IdempotencyItem {
            keys: key.clone().into(),
            entity: "Idempotency".into(),
            record: record.clone(),
        };
        let put = put(&item)?
            .condition_expression("attribute_not_exists(PK) OR expires_at < :now")
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()));
        self.push(put, OnConditionFailure::Replay(key))
    }

    pub(crate) fn insert(
        &mut self,
        item: &impl Serialize,
        conflict: &'static str,
    ) -> Result<&mut Self, Error> {
        let put = put(item)?.condition_expression("attribute_not_exists(PK)");
        self.push(put, OnConditionFailure::Conflict(conflict))
    }

    pub(crate) fn replace(
        &mut self,
        item: &impl Serialize,
        expected_version: u64,
    ) -> Result<&mut Self, Error> {
        let put = put(item)?
            .condition_expression("version = :expected")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(expected_version.to_string()),
            );
        self.push(put, OnConditionFailure::Stale)
    }

    pub(crate) fn push(
        &mut self,
        put: aws_sdk_dynamodb::types::builders::PutBuilder,
        on_failure: OnConditionFailure,
    ) -> Result<&mut Self, Error> {
        let put = put
            .table_name(&self.table)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        self.push_op(
            TransactWriteItem::builder()
                .put(put.build().map_err(|e| corrupt("put", e))?)
                .build(),
            on_failure,
        )
    }

    /// A condition on an item the transaction does not write.
    pub(crate) fn check(
        &mut self,
        key: Key,
        condition: &str,
        on_failure: OnConditionFailure,
    ) -> Result<&mut Self, Error> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(key.pk))
            .key(SK, s(key.sk))
            .condition_expression(condition)
            .build()
            .map_err(|e| corrupt("condition check", e))?;
        self.push_op(
            TransactWriteItem::builder().condition_check(check).build(),
            on_failure,
        )
    }

    pub(crate) fn push_op(
        &mut self,
        write: TransactWriteItem,
        on_failure: OnConditionFailure,
    ) -> Result<&mut Self, Error> {
        if self.ops.len() == MAX_ITEMS {
            tracing::error!("a transaction may hold at most {MAX_ITEMS} items");
            return Err(Error::Internal);
        }
        self.ops.push(Op { write, on_failure });
        Ok(self)
    }
}

pub(crate) fn put(
    item: &impl Serialize,
) -> Result<aws_sdk_dynamodb::types::builders::PutBuilder, Error> {
    let item = crate::attributes::to_item("item", item)?;
    Ok(Put::builder().set_item(Some(item)))
}

impl Store {
    /// Writes the set atomically: all of it, or none of it.
    /// An event that changes no state of its own (CON-SEC-002: somebody
    /// read personal data): its outbox item alone, in one `PutItem` rather
    /// than a transaction. Fresh event ids never collide, so no condition.
    pub async fn emit(&self, event: &Envelope) -> Result<(), Error> {
        let item = crate::attributes::to_item("outbox event", &OutboxItem::new(event)?)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk("PutItem", &e))?;
        Ok(())
    }

    /// An empty transaction on this table.
    pub fn writes(&self) -> WriteSet {
        WriteSet {
            table: self.table.clone(),
            ops: Vec::new(),
        }
    }

    pub async fn commit(&self, set: WriteSet) -> Result<Committed, Error> {
        let writes: Vec<TransactWriteItem> = set.ops.iter().map(|op| op.write.clone()).collect();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(Committed::Applied),
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                err.as_service_error()
            else {
                return Err(sdk("TransactWriteItems", &err));
            };
            let reasons = cancelled.cancellation_reasons();
            let codes: Vec<Option<&str>> = reasons.iter().map(|r| r.code()).collect();

            // A replay wins over any other failed condition: the first request
            // created those very items.
            for (op, reason) in set.ops.iter().zip(reasons) {
                if let OnConditionFailure::Replay(key) = &op.on_failure
                    && reason.code() == Some("ConditionalCheckFailed")
                {
                    return self
                        .replay(key, reason.item())
                        .await
                        .map(Committed::Replayed);
                }
            }
            for (op, reason) in set.ops.iter().zip(reasons) {
                if reason.code() == Some("ConditionalCheckFailed") {
                    return Err(match &op.on_failure {
                        OnConditionFailure::Conflict(message) => Error::Conflict((*message).into()),
                        OnConditionFailure::Rule(message) => Error::BusinessRule((*message).into()),
                        OnConditionFailure::Refused(message) => Error::Refused((*message).into()),
                        OnConditionFailure::Gone => Error::Gone,
                        OnConditionFailure::Stale | OnConditionFailure::Replay(_) => {
                            Error::Conflict(
                                "the resource was modified concurrently; read it again and retry"
                                    .into(),
                            )
                        }
                    });
                }
            }
            if codes.contains(&Some("TransactionConflict")) && attempt < CONFLICT_ATTEMPTS {
                // Another transaction held one of our items; ours may well
                // succeed (or turn into a replay) a moment later.
                tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await; // 50, 100, 200 ms
                continue;
            }
            if codes.contains(&Some("TransactionConflict")) {
                return Err(Error::Conflict(
                    "the resource is being modified concurrently; retry".into(),
                ));
            }
            if codes.iter().any(|c| is_throttling(*c)) {
                tracing::warn!(?codes, "transaction throttled");
                return Err(Error::Unavailable);
            }
            tracing::error!(?codes, "transaction cancelled");
            return Err(Error::Internal);
        }
    }

    /// The stored outcome for an idempotency key, from the cancellation
    /// reason when DynamoDB returned it, else read back.
    async fn replay(
        &self,
        key: &Key,
        old: Option<&HashMap<String, AttributeValue>>,
    ) -> Result<IdempotencyRecord, Error> {
        let item = match old {
            Some(item) if !item.is_empty() => item.clone(),
            _ => self.get_item(key, true).await?.ok_or(Error::Conflict(
                "the request is being processed; retry".into(),
            ))?,
        };
        let item: IdempotencyItem =
            serde_dynamo::from_item(item).map_err(|e| corrupt("idempotency record", e))?;
        Ok(item.record)
    }
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use cp_domain::{Actor, TenantId};
    use cp_events::{EventContext, PersonalData, PersonalDataRead};

    fn read_of(subjects: usize) -> Envelope {
        let read = PersonalDataRead {
            tenant_id: Some(TenantId::random()),
            data: PersonalData::Members,
            resource: "tenant/t/users".into(),
            subjects: (0..subjects)
                .map(|_| uuid::Uuid::new_v4().to_string())
                .collect(),
            count: subjects as u64,
            query: Default::default(),
        };
        let context = EventContext {
            time: chrono::Utc::now(),
            actor: Actor::system("test"),
            correlation_id: "c".into(),
        };
        Envelope::new(&read, context).unwrap()
    }

    #[test]
    fn an_event_the_bus_would_refuse_is_never_written() {
        assert!(OutboxItem::new(&read_of(100)).is_ok());
        assert_eq!(
            OutboxItem::new(&read_of(10_000)).err(),
            Some(Error::Internal)
        );
    }
}
