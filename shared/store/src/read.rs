//! What every room reads with: a consistent `GetItem`, a `BatchGetItem`
//! that asks again for unprocessed keys, a page of an index partition, and
//! the mapping of items back to domain values.

use crate::Store;
use crate::cursor;
use crate::error::{corrupt, sdk};
use crate::keys::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK, GSI3, GSI3PK, GSI3SK, Key, PK, SK};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use cp_domain::Page;
use cp_domain::{Error, PageSize};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// How often unprocessed keys of a batch read are asked for again.
const BATCH_ATTEMPTS: u32 = 3;

pub(crate) fn key_attributes(key: &Key) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

pub(crate) fn parse<T: DeserializeOwned>(what: &'static str, item: Item) -> Result<T, Error> {
    serde_dynamo::from_item(item).map_err(|e| corrupt(what, e))
}

/// One partition of a global secondary index.
pub(crate) struct IndexPartition {
    index: &'static str,
    pk: &'static str,
    sk: &'static str,
    value: String,
}

impl IndexPartition {
    pub(crate) fn gsi1(value: String) -> Self {
        Self {
            index: GSI1,
            pk: GSI1PK,
            sk: GSI1SK,
            value,
        }
    }

    pub(crate) fn gsi3(value: String) -> Self {
        Self {
            index: GSI3,
            pk: GSI3PK,
            sk: GSI3SK,
            value,
        }
    }

    pub(crate) fn gsi2(value: String) -> Self {
        Self {
            index: GSI2,
            pk: GSI2PK,
            sk: GSI2SK,
            value,
        }
    }
}

/// A query's items as domain values, and the cursor to the next page.
pub(crate) fn page<I: DeserializeOwned, T>(
    output: QueryOutput,
    what: &'static str,
    into_domain: fn(I) -> T,
) -> Result<Page<T>, Error> {
    page_with(output, what, |item: I| Ok(into_domain(item)))
}

/// The same, for items whose conversion can find them corrupt.
pub(crate) fn page_with<I: DeserializeOwned, T>(
    output: QueryOutput,
    what: &'static str,
    into_domain: impl Fn(I) -> Result<T, Error>,
) -> Result<Page<T>, Error> {
    let items = output
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|item| parse::<I>(what, item).and_then(&into_domain))
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next_cursor: cursor::encode(output.last_evaluated_key.as_ref()),
    })
}

impl Store {
    pub(crate) async fn get_item(
        &self,
        key: &Key,
        consistent: bool,
    ) -> Result<Option<Item>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| sdk("GetItem", &e))?;
        Ok(output.item)
    }

    /// The item under `key`, strongly consistent, as a domain value.
    pub(crate) async fn get_one<I: DeserializeOwned, T>(
        &self,
        key: &Key,
        what: &'static str,
        into_domain: impl FnOnce(I) -> T,
    ) -> Result<Option<T>, Error> {
        let item = self.get_item(key, true).await?;
        item.map(|i| parse::<I>(what, i).map(into_domain))
            .transpose()
    }

    /// The items under `keys` that exist, as domain values, strongly
    /// consistent, in one round trip per hundred (BatchGetItem's limit).
    pub(crate) async fn get_many<I: DeserializeOwned, T>(
        &self,
        keys: &[Key],
        what: &'static str,
        into_domain: impl Fn(I) -> T,
    ) -> Result<Vec<T>, Error> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            for item in self.batch_get(chunk).await?.into_iter().flatten() {
                found.push(into_domain(parse::<I>(what, item)?));
            }
        }
        Ok(found)
    }

    /// The items of a fixed set of keys (a user with their tenant, say), in
    /// one strongly consistent round trip, in the order of `keys`.
    pub(crate) async fn batch_get_each<const N: usize>(
        &self,
        keys: [Key; N],
    ) -> Result<[Option<Item>; N], Error> {
        let found = self.batch_get(&keys).await?;
        // `batch_get` answers one entry per key.
        found.try_into().map_err(|_| {
            tracing::error!("a batch read answered another number of items than keys");
            Error::Internal
        })
    }

    /// Items by key in one strongly consistent round trip (BatchGetItem),
    /// in the order of `keys`; `None` where there is no item.
    pub(crate) async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, Error> {
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(keys.iter().map(key_attributes).collect()))
            .consistent_read(true)
            .build()
            .map_err(|e| corrupt("batch request", e))?;
        let mut found: Vec<Item> = Vec::with_capacity(keys.len());
        for attempt in 1..=BATCH_ATTEMPTS {
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request.clone())
                .send()
                .await
                .map_err(|e| sdk("BatchGetItem", &e))?;
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            match output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|u| !u.keys().is_empty())
            {
                None => break,
                Some(rest) if attempt < BATCH_ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
                    request = rest;
                }
                Some(_) => return Err(Error::Unavailable),
            }
        }
        let text = |item: &Item, name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Ok(keys
            .iter()
            .map(|key| {
                let at = found.iter().position(|item| {
                    text(item, PK).as_deref() == Some(key.pk.as_str())
                        && text(item, SK).as_deref() == Some(key.sk.as_str())
                })?;
                Some(found.swap_remove(at))
            })
            .collect())
    }

    /// A query for one page of an index partition in sort-key order: from
    /// `cursor` on, and only the sort keys starting with `prefix` if given.
    pub(crate) fn index_page(
        &self,
        partition: IndexPartition,
        prefix: Option<String>,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<QueryFluentBuilder, Error> {
        let start = cursor::decode(
            cursor,
            &[PK, SK, partition.pk, partition.sk],
            &[(partition.pk, &partition.value)],
        )?;
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(partition.index)
            .expression_attribute_names("#pk", partition.pk)
            .expression_attribute_values(":pk", AttributeValue::S(partition.value))
            .limit(i32::from(limit.get()))
            .set_exclusive_start_key(start);
        Ok(match prefix.filter(|p| !p.is_empty()) {
            Some(prefix) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", partition.sk)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix)),
            None => query.key_condition_expression("#pk = :pk"),
        })
    }
}
