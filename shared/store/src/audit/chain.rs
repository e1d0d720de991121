//! Each tenant's audit records as one hash chain (ADR 0028), and the marks
//! of the signed digests that cover it (ADR 0029).
//!
//! A record is written in one transaction with its chain's head item
//! (`AUDIT#<tenant>` / `CHAIN`): the record on condition that it does not
//! exist (idempotent on the event id), the head on condition that it still
//! is the record the new one was linked after. Two consumers linking after
//! the same head cannot both commit; the loser reads the new head and links
//! again. Sequence numbers therefore have no gaps and no repeats, whatever
//! the concurrency, and the chain never cares what the records say.

use crate::Store;
use crate::audit::{AuditItem, ChainHeadItem};
use crate::error::{corrupt, sdk};
use crate::keys::{self, GSI1, GSI1PK, GSI2, GSI2PK, GSI2SK, PK, SK};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use cp_domain::{AuditRecord, ChainHash, ChainLink, Error, TenantId};
use std::collections::HashMap;
use std::time::Duration;

/// How often a record is linked again after losing the head to another
/// consumer. Past this the message is retried by the queue, never lost.
const LINK_ATTEMPTS: u32 = 12;

/// One audit chain, as its head item tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChain {
    /// `None`: the platform's own records.
    pub tenant: Option<TenantId>,
    /// The last record's sequence number and hash.
    pub head: ChainLink,
    /// The last signed digest, if any.
    pub digest: Option<DigestMark>,
}

/// How far the signed digests of a chain reach: the last digest's last
/// record, its object key and its signature (which the next one chains to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMark {
    pub seq: u64,
    pub key: String,
    pub signature: String,
}

impl AuditChain {
    /// Records written since the last digest.
    pub fn undigested(&self) -> u64 {
        self.head.seq - self.digest.as_ref().map_or(0, |d| d.seq)
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl Store {
    /// Writes an audit record as the next link of its chain, unless it was
    /// recorded before. Returns whether it was new: a redelivered event finds
    /// its record and writes nothing.
    pub async fn record_audit(&self, record: &AuditRecord) -> Result<bool, Error> {
        for attempt in 0..LINK_ATTEMPTS {
            let head = self.chain_head(record.tenant_id).await?;
            let linked = record.clone().linked_after(head.as_ref());
            match self.link(&linked, head.map(|h| h.seq)).await? {
                Linked::Written => return Ok(true),
                Linked::Duplicate => return Ok(false),
                Linked::HeadMoved => {
                    // Spread the racing consumers out before they read again.
                    let jitter = u64::from(getrandom::u32().unwrap_or(0) % 20);
                    let wait = 10 * u64::from(attempt + 1) + jitter;
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
            }
        }
        tracing::warn!("audit chain head contended; the message will be retried");
        Err(Error::Unavailable)
    }

    async fn chain_head(&self, tenant: Option<TenantId>) -> Result<Option<ChainLink>, Error> {
        let key = keys::audit_chain_head(tenant);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(key.pk))
            .key(SK, s(key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk("GetItem", &e))?;
        output
            .item
            .map(|item| {
                serde_dynamo::from_item::<_, ChainHeadItem>(item)
                    .map(|h| ChainLink {
                        seq: h.seq,
                        previous_hash: ChainHash::GENESIS,
                        hash: h.hash,
                    })
                    .map_err(|e| corrupt("audit chain head", e))
            })
            .transpose()
    }

    /// One attempt: the record and the head, in one transaction.
    async fn link(&self, record: &AuditRecord, after: Option<u64>) -> Result<Linked, Error> {
        let chain = record.chain.ok_or(Error::Internal)?;
        let item = crate::attributes::to_item("audit record", &AuditItem::new(record))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(|e| corrupt("audit record", e))?;
        let head = keys::audit_chain_head(record.tenant_id);
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(head.pk))
            .key(SK, s(head.sk))
            .update_expression(
                "SET seq = :seq, #hash = :hash, GSI1PK = :chains, GSI1SK = :partition, tenant_id = :tenant",
            )
            .expression_attribute_names("#hash", "hash")
            .expression_attribute_values(":seq", n(chain.seq))
            .expression_attribute_values(":hash", s(chain.hash.to_string()))
            .expression_attribute_values(":chains", s(keys::ALL_AUDIT_CHAINS))
            .expression_attribute_values(":partition", s(keys::audit_partition(record.tenant_id)))
            .expression_attribute_values(
                ":tenant",
                record
                    .tenant_id
                    .map_or(AttributeValue::Null(true), |t| s(t.to_string())),
            );
        update = match after {
            Some(seq) => update
                .condition_expression("seq = :after")
                .expression_attribute_values(":after", n(seq)),
            None => update.condition_expression("attribute_not_exists(PK)"),
        };
        let update = update.build().map_err(|e| corrupt("audit chain head", e))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(update).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(Linked::Written),
            Err(e) => e,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            err.as_service_error()
        else {
            return Err(sdk("TransactWriteItems", &err));
        };
        let codes: Vec<Option<&str>> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code())
            .collect();
        match codes.as_slice() {
            [Some("ConditionalCheckFailed"), ..] => Ok(Linked::Duplicate),
            // The head moved, or another transaction held it: link again.
            [_, Some("ConditionalCheckFailed" | "TransactionConflict")]
            | [Some("TransactionConflict"), _] => Ok(Linked::HeadMoved),
            _ => Err(sdk("TransactWriteItems", &err)),
        }
    }

    /// Every audit chain (the digest job's work list), one page at a time
    /// internally.
    pub async fn audit_chains(&self) -> Result<Vec<AuditChain>, Error> {
        let mut chains = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", GSI1PK)
                .expression_attribute_values(":pk", s(keys::ALL_AUDIT_CHAINS))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk("Query", &e))?;
            for item in output.items.unwrap_or_default() {
                let head: ChainHeadItem =
                    serde_dynamo::from_item(item).map_err(|e| corrupt("audit chain head", e))?;
                chains.push(AuditChain {
                    tenant: head.tenant_id,
                    head: ChainLink {
                        seq: head.seq,
                        previous_hash: ChainHash::GENESIS,
                        hash: head.hash,
                    },
                    digest: match (head.digest_key, head.digest_signature) {
                        (Some(key), Some(signature)) => Some(DigestMark {
                            seq: head.digest_seq,
                            key,
                            signature,
                        }),
                        _ => None,
                    },
                });
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(chains);
            }
        }
    }

    /// Up to `limit` records of a chain after sequence number `after`, in
    /// chain order, stopping at the first gap: the index is eventually
    /// consistent, and a digest covers only records it has seen all of.
    pub async fn chain_records(
        &self,
        tenant: Option<TenantId>,
        after: u64,
        limit: u16,
    ) -> Result<Vec<AuditRecord>, Error> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("#pk = :pk AND #sk > :after")
            .expression_attribute_names("#pk", GSI2PK)
            .expression_attribute_names("#sk", GSI2SK)
            .expression_attribute_values(":pk", s(keys::audit_chain(tenant)))
            .expression_attribute_values(":after", s(keys::chain_position(after)))
            .limit(i32::from(limit))
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let mut records = Vec::new();
        for item in output.items.unwrap_or_default() {
            let record = serde_dynamo::from_item::<_, AuditItem>(item)
                .map_err(|e| corrupt("audit record", e))?
                .into_domain()?;
            let expected = after + records.len() as u64 + 1;
            if record.chain.map(|c| c.seq) != Some(expected) {
                break;
            }
            records.push(record);
        }
        Ok(records)
    }

    /// Notes a new digest on the chain's head, on condition that the last one
    /// is still `previous` (two digest runs never cover the same records).
    /// Returns false when another run got there first.
    pub async fn mark_digest(
        &self,
        tenant: Option<TenantId>,
        previous: Option<&DigestMark>,
        mark: &DigestMark,
    ) -> Result<bool, Error> {
        let head = keys::audit_chain_head(tenant);
        let mut values = HashMap::from([
            (":seq".to_owned(), n(mark.seq)),
            (":key".to_owned(), s(&mark.key)),
            (":signature".to_owned(), s(&mark.signature)),
        ]);
        let condition = match previous {
            Some(p) => {
                values.insert(":previous".to_owned(), n(p.seq));
                "digest_seq = :previous"
            }
            None => "attribute_exists(PK) AND attribute_not_exists(digest_seq)",
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(head.pk))
            .key(SK, s(head.sk))
            .update_expression(
                "SET digest_seq = :seq, digest_key = :key, digest_signature = :signature",
            )
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk("UpdateItem", &e)),
        }
    }
}

enum Linked {
    Written,
    Duplicate,
    HeadMoved,
}
