//! Billing events: recorded exactly once per (reporter, source, id), and
//! exported in ingestion order behind a horizon
//! (doc/adr/0024-billing-event-ingestion.md,
//! doc/adr/0025-billing-export-cursor.md).
//!
//! Each event is one item keyed by its dedup key (`BILLING#<key>`), written
//! with the condition "does not exist": a retried event fails it and is a
//! duplicate, also when two retries race (DynamoDB serialises conditional
//! writes to one item). Its export position, `<ingested at>#<key>`, is its
//! GSI1 sort key in one of [`BILLING_SHARDS`] partitions. The events of a
//! batch are written in parallel, one `PutItem` each.
//!
//! The ingestion time is taken just before each write, and a write that has
//! not finished within [`WRITE_DEADLINE`] (SDK retries included) is
//! abandoned: so an event is committed less than [`WRITE_DEADLINE`] after
//! its ingestion time. The export reads only up to [`EXPORT_LAG`] before
//! now, which also covers GSI1's propagation, so it never misses an event
//! committed late.

use crate::Store;
use crate::attributes::Keys;
use crate::error::{corrupt, sdk};
use crate::keys::{self, BILLING_SHARDS, GSI1, GSI1SK};
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use cp_domain::{
    ApplicationId, BillingEvent, Error, Recorded, Reporter, StoredBillingEvent, TenantId,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The longest a write of a billing event may take, SDK retries included.
pub const WRITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
/// How far behind now the export reads: more than [`WRITE_DEADLINE`] plus
/// GSI1's propagation, so every event before the horizon is visible.
pub const EXPORT_LAG: Duration = Duration::seconds(20);

/// How many events a filtered export page may evaluate per shard. DynamoDB
/// applies `Limit` before a filter, so a page of 10 for one tenant of a busy
/// feed would otherwise advance 10 events per shard and come back nearly
/// empty; matches past the page's `limit` are read again by the next page.
const FILTERED_READ: i32 = 1_000;

/// The stored shape of a billing event.
#[derive(Debug, Serialize, Deserialize)]
struct BillingItem {
    #[serde(flatten)]
    keys: Keys,
    /// `BILLING#<shard>` and the export position.
    #[serde(rename = "GSI1PK")]
    shard: String,
    #[serde(rename = "GSI1SK")]
    position: String,
    entity: String,
    /// `control-plane`, or the reporting application's id.
    reporter: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    app_id: Option<ApplicationId>,
    source: String,
    event_id: String,
    tenant_id: TenantId,
    event_type: String,
    quantity: u64,
    /// Fixed-width text, so that the export's period filter compares it.
    occurred_at: String,
    ingested_at: String,
    properties: BTreeMap<String, String>,
    /// CON-DATA-003: DynamoDB deletes the item after this.
    expires_at: i64,
}

const CONTROL_PLANE: &str = "control-plane";

impl BillingItem {
    fn new(event: &BillingEvent, dedup_key: &str, ingested_at: DateTime<Utc>) -> Self {
        let stored = StoredBillingEvent {
            event: event.clone(),
            ingested_at,
        };
        Self {
            keys: keys::billing_event(dedup_key).into(),
            shard: keys::billing_shard(keys::billing_shard_of(dedup_key)),
            position: keys::billing_position(ingested_at, dedup_key),
            entity: "BillingEvent".into(),
            reporter: event
                .reporter
                .app_id()
                .map_or_else(|| CONTROL_PLANE.to_owned(), |id| id.to_string()),
            app_id: event.reporter.app_id(),
            source: event.source.clone(),
            event_id: event.id.clone(),
            tenant_id: event.tenant_id,
            event_type: event.event_type.clone(),
            quantity: event.quantity,
            occurred_at: keys::billing_time(event.occurred_at),
            ingested_at: keys::billing_time(ingested_at),
            properties: event.properties.clone(),
            expires_at: stored.retain_until().timestamp(),
        }
    }

    fn into_domain(self) -> Result<StoredBillingEvent, Error> {
        let time = |what: &'static str, s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| corrupt(what, e))
        };
        Ok(StoredBillingEvent {
            event: BillingEvent {
                reporter: self
                    .app_id
                    .map_or(Reporter::ControlPlane, Reporter::Application),
                source: self.source,
                id: self.event_id,
                tenant_id: self.tenant_id,
                event_type: self.event_type,
                quantity: self.quantity,
                occurred_at: time("billing event occurrence", &self.occurred_at)?,
                properties: self.properties,
            },
            ingested_at: time("billing event ingestion", &self.ingested_at)?,
        })
    }
}

/// A page of the export, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingPage {
    /// In ingestion order.
    pub items: Vec<StoredBillingEvent>,
    /// Where to resume; there is always one, also after an empty page.
    pub cursor: String,
    /// Whether events before the horizon are known to be left: poll again
    /// at once rather than after the polling interval.
    pub more: bool,
}

/// FR-BILL-003: billing events in ingestion order, after a cursor (or from
/// `since`), filtered by tenant, application and occurrence period.
#[derive(Debug, Clone, Default)]
pub struct BillingQuery<'a> {
    pub cursor: Option<&'a str>,
    /// Where to start without a cursor: events ingested at or after this.
    pub since: Option<DateTime<Utc>>,
    pub tenant: Option<TenantId>,
    pub app: Option<ApplicationId>,
    /// Occurrence period `[from, to)`.
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_to: Option<DateTime<Utc>>,
    pub limit: u16,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    after: String,
}

fn encode_cursor(after: String) -> String {
    let json = serde_json::to_vec(&Cursor { after }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// A position is a fixed-width time, optionally followed by `#<dedup key>`.
fn decode_cursor(cursor: &str) -> Result<String, Error> {
    let invalid = || Error::invalid("cursor", "is not a cursor this export returned");
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let Cursor { after } = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let (time, key) = after
        .split_once('#')
        .map_or((after.as_str(), None), |(t, k)| (t, Some(k)));
    let time_ok = time.len() == 27 && DateTime::parse_from_rfc3339(time).is_ok();
    let key_ok = key.is_none_or(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()));
    if time_ok && key_ok {
        Ok(after)
    } else {
        Err(invalid())
    }
}

/// One shard's answer: its events, and the position up to which it was read.
struct ShardRead {
    items: Vec<(String, StoredBillingEvent)>,
    read_to: Option<String>,
}

impl Store {
    /// FR-BILL-001: records billing events, each exactly once, and says per
    /// event whether it was new or a duplicate. `now` is asked for each
    /// write's ingestion time.
    ///
    /// ERR-SYS-503 if DynamoDB throttles: some events may then be stored,
    /// and a retry of the same events finds them as duplicates.
    pub async fn record_billing_events(
        &self,
        events: &[BillingEvent],
        now: &(dyn Fn() -> DateTime<Utc> + Sync),
    ) -> Result<Vec<Recorded>, Error> {
        let writes = events
            .iter()
            .map(|event| self.record_billing_event(event, now));
        // Every write runs to its end, also when one fails: what can be
        // stored is, and the client's retry has only the rest left to do.
        futures::future::join_all(writes)
            .await
            .into_iter()
            .collect()
    }

    async fn record_billing_event(
        &self,
        event: &BillingEvent,
        now: &(dyn Fn() -> DateTime<Utc> + Sync),
    ) -> Result<Recorded, Error> {
        let item = BillingItem::new(event, &event.dedup_key(), now());
        let item = crate::attributes::to_item("billing event", &item)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default().timeout_config(
                    TimeoutConfig::builder()
                        .operation_timeout(WRITE_DEADLINE)
                        .build(),
                ),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Recorded::Accepted),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(Recorded::Duplicate)
            }
            Err(e) => Err(sdk("PutItem", &e)),
        }
    }

    /// FR-BILL-003: one page of the export, read up to `horizon` (exclusive;
    /// callers pass now minus [`EXPORT_LAG`]). One query of GSI1 per shard,
    /// in parallel.
    pub async fn export_billing_events(
        &self,
        q: &BillingQuery<'_>,
        horizon: DateTime<Utc>,
    ) -> Result<BillingPage, Error> {
        let horizon = keys::billing_time(horizon);
        let after = match q.cursor {
            Some(cursor) => Some(decode_cursor(cursor)?),
            None => None,
        };
        // Positions are fixed-width and use no character below '#', so
        // "after + ' '" is the first key after `after`, and a bare time
        // sorts before every key at that time.
        let from = match (&after, q.since) {
            (Some(after), _) => format!("{after} "),
            (None, Some(since)) => keys::billing_time(since),
            (None, None) => "0".to_owned(),
        };
        if from.as_str() >= horizon.as_str() {
            // Nothing is exported past the horizon yet: resume here.
            let at = after.unwrap_or_else(|| from.trim_end().to_owned());
            return Ok(BillingPage {
                items: Vec::new(),
                cursor: encode_cursor(at),
                more: false,
            });
        }
        let reads = (0..BILLING_SHARDS).map(|shard| self.read_shard(shard, q, &from, &horizon));
        let reads = futures::future::try_join_all(reads).await?;

        // Every shard was read up to its own point; all of them up to the
        // lowest. Events past it wait for the next page.
        let safe = reads
            .iter()
            .filter_map(|r| r.read_to.clone())
            .min()
            .unwrap_or_else(|| horizon.clone());
        let more = reads.iter().any(|r| r.read_to.is_some());
        let mut items: Vec<(String, StoredBillingEvent)> = reads
            .into_iter()
            .flat_map(|r| r.items)
            .filter(|(position, _)| *position <= safe)
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let limit = usize::from(q.limit);
        let (cursor, more) = if items.len() > limit {
            items.truncate(limit);
            (items[limit - 1].0.clone(), true)
        } else {
            (safe, more)
        };
        Ok(BillingPage {
            items: items.into_iter().map(|(_, e)| e).collect(),
            cursor: encode_cursor(cursor),
            more,
        })
    }

    async fn read_shard(
        &self,
        shard: u8,
        q: &BillingQuery<'_>,
        from: &str,
        horizon: &str,
    ) -> Result<ShardRead, Error> {
        let mut filters = Vec::new();
        let mut values = HashMap::from([
            (
                ":pk".to_owned(),
                AttributeValue::S(keys::billing_shard(shard)),
            ),
            (":from".to_owned(), AttributeValue::S(from.to_owned())),
            (":horizon".to_owned(), AttributeValue::S(horizon.to_owned())),
        ]);
        let mut filter = |expression: &str, name: &str, value: String| {
            filters.push(expression.to_owned());
            values.insert(name.to_owned(), AttributeValue::S(value));
        };
        if let Some(tenant) = q.tenant {
            filter("tenant_id = :tenant", ":tenant", tenant.to_string());
        }
        if let Some(app) = q.app {
            filter("app_id = :app", ":app", app.to_string());
        }
        if let Some(t) = q.occurred_from {
            filter(
                "occurred_at >= :occurred_from",
                ":occurred_from",
                keys::billing_time(t),
            );
        }
        if let Some(t) = q.occurred_to {
            filter(
                "occurred_at < :occurred_to",
                ":occurred_to",
                keys::billing_time(t),
            );
        }
        let read = if filters.is_empty() {
            i32::from(q.limit)
        } else {
            FILTERED_READ.max(i32::from(q.limit))
        };
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("GSI1PK = :pk AND GSI1SK BETWEEN :from AND :horizon")
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .set_expression_attribute_values(Some(values))
            .limit(read)
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let read_to = output
            .last_evaluated_key
            .as_ref()
            .and_then(|k| k.get(GSI1SK))
            .and_then(|v| v.as_s().ok())
            .cloned();
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let item: BillingItem =
                    serde_dynamo::from_item(item).map_err(|e| corrupt("billing event", e))?;
                Ok((item.position.clone(), item.into_domain()?))
            })
            .collect::<Result<_, Error>>()?;
        Ok(ShardRead { items, read_to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_bill_003_cursors_carry_a_position_and_nothing_else() {
        let key = "a".repeat(64);
        for after in [
            format!("2026-11-23T12:00:00.000000Z#{key}"),
            "2026-11-23T12:00:00.000000Z".to_owned(),
        ] {
            let cursor = encode_cursor(after.clone());
            assert!(!cursor.contains("2026"));
            assert_eq!(decode_cursor(&cursor).unwrap(), after);
        }
        for bad in [
            encode_cursor("2026-11-23".into()),
            encode_cursor(format!("2026-11-23T12:00:00.000000Z#{}", "g".repeat(64))),
            encode_cursor("TENANT#x".into()),
            "!!".into(),
            "e30".into(),
        ] {
            assert!(decode_cursor(&bad).is_err(), "{bad}");
        }
    }
}
