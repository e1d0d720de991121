//! Deleting a tenant's data after its grace period (FR-OPS-002).
//!
//! Everything of a tenant lives in its partition (`TENANT#<id>`), except a
//! few lookup items elsewhere that its items name: an invitation's token
//! lookup, an identity binding (named by its link in the partition), the
//! tenant's domain guard. A purge step deletes one page of the
//! partition, the lookups its items name first, so that a crash between the
//! two leaves nothing unreachable behind: the next step finds the same items
//! again and deletes what is left. Steps are idempotent, so the purge resumes
//! wherever it stopped. The tenant item itself stays, as a tombstone that
//! answers ERR-RES-410; audit records (`AUDIT#<id>`) are kept until their
//! retention ends (doc/adr/0012-purge-and-retention.md).

use crate::Store;
use crate::error::{corrupt, sdk};
use crate::keys::{self, Key, PK, SK};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use cp_domain::{Error, Tenant, TenantId, TenantStatus};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// BatchWriteItem's limit.
const BATCH: usize = 25;
/// How often unprocessed deletes are sent again before the step gives up
/// (the next run resumes).
const BATCH_ATTEMPTS: u32 = 5;

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn key_of(item: &Item) -> Option<Key> {
    Some(Key {
        pk: text(item, PK)?.to_owned(),
        sk: text(item, SK)?.to_owned(),
    })
}

/// Items outside the partition that `item` names, to be deleted with it.
fn companions(item: &Item) -> Vec<Key> {
    match text(item, "entity") {
        Some("IdentityLink") => {
            let tenant = text(item, PK)
                .and_then(|pk| pk.strip_prefix("TENANT#"))
                .and_then(|id| id.parse().ok());
            match (text(item, "issuer"), text(item, "subject"), tenant) {
                (Some(issuer), Some(subject), Some(tenant)) => {
                    vec![keys::membership(issuer, subject, tenant)]
                }
                _ => Vec::new(),
            }
        }
        Some("Invitation") => text(item, "token_hash")
            .and_then(cp_domain::TokenHash::from_hex)
            .map(|hash| vec![keys::invitation_token(&hash)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl Store {
    /// Tenants pending deletion whose grace period has ended by `now`.
    pub async fn tenants_due_for_purge(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Tenant>, Error> {
        let mut due = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .list_tenants(&crate::TenantQuery {
                    status: Some(TenantStatus::PendingDeletion),
                    domain_prefix: None,
                    limit: cp_domain::PageSize::parse(Some("100"))?,
                    cursor: cursor.as_deref(),
                })
                .await?;
            due.extend(
                page.items
                    .into_iter()
                    .filter(|t| t.purge_at.is_some_and(|at| at <= now)),
            );
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(due),
            }
        }
    }

    /// Deletes up to `limit` items of the tenant's partition (and their
    /// lookups), never the tenant item. Returns how many it deleted; 0 means
    /// nothing is left but the tenant item.
    pub async fn purge_step(&self, tenant: TenantId, limit: u16) -> Result<u64, Error> {
        let partition = keys::tenant(tenant);
        // One more than `limit`: the page may hold the tenant item, skipped.
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(partition.pk.clone()))
            .limit(i32::from(limit) + 1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let items: Vec<Item> = output
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|i| text(i, SK) != Some(partition.sk.as_str()))
            .take(usize::from(limit))
            .collect();
        let companions: Vec<Key> = items.iter().flat_map(companions).collect();
        let own: Vec<Key> = items
            .iter()
            .map(|i| key_of(i).ok_or_else(|| corrupt("tenant item", "no key")))
            .collect::<Result<_, _>>()?;
        self.delete_keys(&companions).await?;
        self.delete_keys(&own).await?;
        Ok(own.len() as u64)
    }

    /// Releases the tenant's domain, so it can be provisioned again.
    pub async fn release_domain(&self, domain: &str) -> Result<(), Error> {
        self.delete_keys(&[keys::domain_guard(domain)]).await
    }

    /// Counts purged items on the tenant item, so progress is visible.
    pub async fn add_purge_progress(&self, tenant: TenantId, deleted: u64) -> Result<(), Error> {
        let key = keys::tenant(tenant);
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(key.pk))
            .key(SK, AttributeValue::S(key.sk))
            .update_expression("ADD purged_items :n")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":n", AttributeValue::N(deleted.to_string()))
            .send()
            .await
            .map_err(|e| sdk("UpdateItem", &e))?;
        Ok(())
    }

    async fn delete_keys(&self, keys: &[Key]) -> Result<(), Error> {
        for chunk in keys.chunks(BATCH) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|k| {
                    let delete = DeleteRequest::builder()
                        .key(PK, AttributeValue::S(k.pk.clone()))
                        .key(SK, AttributeValue::S(k.sk.clone()))
                        .build()
                        .map_err(|e| corrupt("delete request", e))?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<_, Error>>()?;
            for attempt in 1..=BATCH_ATTEMPTS {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests.clone())
                    .send()
                    .await
                    .map_err(|e| sdk("BatchWriteItem", &e))?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                if attempt == BATCH_ATTEMPTS {
                    return Err(Error::Unavailable);
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }
}
