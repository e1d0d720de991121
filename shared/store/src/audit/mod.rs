//! The audit room: audit records, each tenant's hash chain ([`chain`]) and
//! the heads the digest job reads.

pub mod chain;

use crate::Store;
use crate::attributes::{Keys, epoch};
use crate::cursor;
use crate::error;
use crate::keys::{self, PK, SK};
use crate::read::{Item, parse};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use cp_domain::{AuditFilter, AuditRecord, ChainHash, ChainLink, Error, Page, PageSize, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Audit records of one tenant (or of the platform) in `[from, to)`,
/// newest first.
#[derive(Debug, Clone)]
pub struct AuditQuery<'a> {
    pub tenant: Option<TenantId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub limit: PageSize,
    pub cursor: Option<&'a str>,
    /// Only the records this admits (actor, action, outcome).
    pub filter: &'a AuditFilter,
}

/// How many records a filtered page of audit records may evaluate. DynamoDB
/// applies `Limit` before a filter, so a page of 50 of a rare action would
/// otherwise come back nearly empty; matches past the page are read again
/// by the next page.
const FILTERED_READ: i32 = 1_000;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AuditItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    #[serde(flatten)]
    pub record: AuditFields,
    /// The record's place in its chain, and the chain's order (GSI2).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainFields>,
    /// Retention (CON-DATA-002): DynamoDB deletes the item after this.
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChainFields {
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    pub seq: u64,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

/// The stored shape of an audit record; metadata is kept as the exact JSON
/// text it arrived as.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AuditFields {
    pub id: cp_domain::EventId,
    pub timestamp: DateTime<Utc>,
    pub tenant_id: Option<TenantId>,
    pub actor_id: String,
    pub actor_type: cp_domain::ActorType,
    pub action: String,
    pub resource: String,
    pub outcome: cp_domain::Outcome,
    pub metadata: String,
    pub correlation_id: String,
    pub source: String,
}

impl AuditItem {
    pub fn new(r: &AuditRecord) -> Self {
        Self {
            keys: keys::audit_record(r.tenant_id, r.timestamp, r.id).into(),
            entity: "AuditRecord".into(),
            record: AuditFields {
                id: r.id,
                timestamp: r.timestamp,
                tenant_id: r.tenant_id,
                actor_id: r.actor_id.clone(),
                actor_type: r.actor_type,
                action: r.action.clone(),
                resource: r.resource.clone(),
                outcome: r.outcome,
                metadata: r.metadata.to_string(),
                correlation_id: r.correlation_id.clone(),
                source: r.source.clone(),
            },
            chain: r.chain.map(|c| ChainFields {
                gsi2pk: keys::audit_chain(r.tenant_id),
                gsi2sk: keys::chain_position(c.seq),
                seq: c.seq,
                previous_hash: c.previous_hash,
                hash: c.hash,
            }),
            expires_at: epoch(r.retain_until()),
        }
    }

    pub fn into_domain(self) -> Result<AuditRecord, cp_domain::Error> {
        let f = self.record;
        let metadata = serde_json::from_str(&f.metadata)
            .map_err(|e| crate::error::corrupt("audit record metadata", e))?;
        Ok(AuditRecord {
            id: f.id,
            timestamp: f.timestamp,
            tenant_id: f.tenant_id,
            actor_id: f.actor_id,
            actor_type: f.actor_type,
            action: f.action,
            resource: f.resource,
            outcome: f.outcome,
            metadata,
            correlation_id: f.correlation_id,
            source: f.source,
            chain: self.chain.map(|c| ChainLink {
                seq: c.seq,
                previous_hash: c.previous_hash,
                hash: c.hash,
            }),
        })
    }
}

/// The head of a tenant's (or the platform's) audit chain: its last record,
/// and how far the signed digests reach. Listed in GSI1 for the digest job.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChainHeadItem {
    #[serde(flatten)]
    pub keys: Keys,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub tenant_id: Option<TenantId>,
    pub seq: u64,
    pub hash: ChainHash,
    #[serde(default)]
    pub digest_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest_signature: Option<String>,
}

impl Store {
    /// A page of audit records, newest first.
    pub async fn list_audit(&self, q: &AuditQuery<'_>) -> Result<Page<AuditRecord>, Error> {
        let partition = keys::audit_partition(q.tenant);
        let start = cursor::decode(q.cursor, &[PK, SK], &[(PK, &partition)])?;
        let limit = i32::from(q.limit.get());
        let mut filters = Vec::new();
        let mut values = HashMap::from([
            (":pk".to_owned(), AttributeValue::S(partition)),
            // Sort keys are `<time>#<event id>`: BETWEEN from AND to covers
            // [from, to), since every key at `to` sorts after the bare `to`.
            (
                ":from".to_owned(),
                AttributeValue::S(keys::sortable_time(q.from)),
            ),
            (
                ":to".to_owned(),
                AttributeValue::S(keys::sortable_time(q.to)),
            ),
        ]);
        let mut names = HashMap::new();
        let mut filter = |attribute: &str, value: Option<String>| {
            if let Some(value) = value {
                filters.push(format!("#{attribute} = :{attribute}"));
                names.insert(format!("#{attribute}"), attribute.to_owned());
                values.insert(format!(":{attribute}"), AttributeValue::S(value));
            }
        };
        filter("actor_id", q.filter.actor_id.clone());
        filter("action", q.filter.action.clone());
        filter("outcome", q.filter.outcome.map(|o| o.as_str().to_owned()));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            .limit(if filters.is_empty() {
                limit
            } else {
                FILTERED_READ.max(limit)
            })
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| error::query(&e, q.cursor.is_some()))?;
        let mut items = output.items.unwrap_or_default();
        // More matches than the page holds: the next page starts after the
        // last one it shows, not after the last one evaluated.
        let next = if items.len() > usize::from(q.limit.get()) {
            items.truncate(usize::from(q.limit.get()));
            items.last().map(|last| {
                [PK, SK]
                    .iter()
                    .filter_map(|k| last.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                    .collect::<Item>()
            })
        } else {
            output.last_evaluated_key
        };
        Ok(Page {
            items: items
                .into_iter()
                .map(|item| parse::<AuditItem>("audit record", item)?.into_domain())
                .collect::<Result<_, _>>()?,
            next_cursor: cursor::encode(next.as_ref()),
        })
    }
}
