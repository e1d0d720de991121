//! Reads, queries and the single-item writes that need no transaction.

use crate::Store;
use crate::cursor::{self, Page};
use crate::error::{self, corrupt, sdk};
use crate::items::*;
use crate::keys::{
    self, GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK, GSI3, GSI3PK, GSI3SK, Key, PK, SK,
};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use chrono::{DateTime, Utc};
use cp_domain::{
    Application, ApplicationId, AuditFilter, AuditRecord, ClientSecret, Error, FlagOverrides,
    Invitation, InvitationId, PageSize, SecretId, Tenant, TenantId, TenantStatus, User, UserId,
};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// How often unprocessed keys of a batch read are asked for again.
const BATCH_ATTEMPTS: u32 = 3;

/// GET /tenants: every tenant, or those in one status, by domain.
#[derive(Debug, Clone, Default)]
pub struct TenantQuery<'a> {
    pub status: Option<TenantStatus>,
    /// Only tenants whose domain starts with this (console search).
    pub domain_prefix: Option<&'a str>,
    pub limit: PageSize,
    pub cursor: Option<&'a str>,
}

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

fn key_attributes(key: &Key) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

fn parse<T: DeserializeOwned>(what: &'static str, item: Item) -> Result<T, Error> {
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

    /// Strongly consistent: following a `Location` right after a 201 finds
    /// the tenant.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, Error> {
        let item = self.get_item(&keys::tenant(id), true).await?;
        item.map(|i| parse::<TenantItem>("tenant", i).map(TenantItem::into_domain))
            .transpose()
    }

    pub async fn tenant_user(&self, tenant: TenantId, user: UserId) -> Result<Option<User>, Error> {
        let item = self
            .get_item(&keys::tenant_user(tenant, user), true)
            .await?;
        item.map(|i| parse::<UserItem>("user", i).map(UserItem::into_domain))
            .transpose()
    }

    pub async fn invitation(
        &self,
        tenant: TenantId,
        id: InvitationId,
    ) -> Result<Option<Invitation>, Error> {
        let Some(item) = self.get_item(&keys::invitation(tenant, id), true).await? else {
            return Ok(None);
        };
        let item: InvitationItem = parse("invitation", item)?;
        item.into_domain()
            .map(Some)
            .ok_or_else(|| corrupt("invitation", "bad token hash"))
    }

    /// Who a verified (issuer, subject) is. Strongly consistent: a binding
    /// written a moment ago is seen.
    pub async fn identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<IdentityBinding>, Error> {
        let item = self
            .get_item(&keys::identity(issuer, subject), true)
            .await?;
        item.map(|i| parse::<IdentityItem>("identity", i).map(|i| i.binding))
            .transpose()
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

    /// A tenant and its flag overrides in one strongly consistent round
    /// trip: all that evaluating its flags reads (FR-FLAG-002).
    pub async fn tenant_and_flags(
        &self,
        id: TenantId,
    ) -> Result<(Option<Tenant>, FlagOverrides), Error> {
        let [tenant, flags]: [Option<Item>; 2] = self
            .batch_get(&[keys::tenant(id), keys::tenant_flags(id)])
            .await?
            .try_into()
            .map_err(|_| Error::Internal)?;
        Ok((
            tenant
                .map(|i| parse::<TenantItem>("tenant", i).map(TenantItem::into_domain))
                .transpose()?,
            match flags {
                Some(i) => parse::<FlagOverridesItem>("flag overrides", i)?.into_domain()?,
                None => FlagOverrides::none(id),
            },
        ))
    }

    /// A tenant user and their tenant in one strongly consistent round trip:
    /// what the principal resolver checks on every request.
    pub async fn user_and_tenant(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<(Option<User>, Option<Tenant>), Error> {
        let [user, tenant]: [Option<Item>; 2] = self
            .batch_get(&[keys::tenant_user(tenant, user), keys::tenant(tenant)])
            .await?
            .try_into()
            .map_err(|_| Error::Internal)?;
        Ok((
            user.map(|i| parse::<UserItem>("user", i).map(UserItem::into_domain))
                .transpose()?,
            tenant
                .map(|i| parse::<TenantItem>("tenant", i).map(TenantItem::into_domain))
                .transpose()?,
        ))
    }

    pub async fn application(&self, id: ApplicationId) -> Result<Option<Application>, Error> {
        let item = self.get_item(&keys::application(id), true).await?;
        item.map(|i| parse::<ApplicationItem>("application", i).map(ApplicationItem::into_domain))
            .transpose()
    }

    /// Several applications by id, in one round trip (unknown ids skipped).
    pub async fn applications(&self, ids: &[ApplicationId]) -> Result<Vec<Application>, Error> {
        let mut found = Vec::with_capacity(ids.len());
        // BatchGetItem takes at most 100 keys.
        for chunk in ids.chunks(100) {
            let keys: Vec<Key> = chunk.iter().map(|id| keys::application(*id)).collect();
            for item in self.batch_get(&keys).await?.into_iter().flatten() {
                found.push(parse::<ApplicationItem>("application", item)?.into_domain());
            }
        }
        Ok(found)
    }

    /// Several tenants by id, strongly consistent, one round trip per 100
    /// (unknown ids skipped): the tenants a batch of billing events names.
    pub async fn tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, Error> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let keys: Vec<Key> = chunk.iter().map(|id| keys::tenant(*id)).collect();
            for item in self.batch_get(&keys).await?.into_iter().flatten() {
                found.push(parse::<TenantItem>("tenant", item)?.into_domain());
            }
        }
        Ok(found)
    }

    /// An application and one of its secrets, in one strongly consistent
    /// round trip: what every application call and token request checks.
    pub async fn application_and_secret(
        &self,
        app: ApplicationId,
        secret: SecretId,
    ) -> Result<(Option<Application>, Option<ClientSecret>), Error> {
        let [app_item, secret_item]: [Option<Item>; 2] = self
            .batch_get(&[keys::application(app), keys::client_secret(app, secret)])
            .await?
            .try_into()
            .map_err(|_| Error::Internal)?;
        Ok((
            app_item
                .map(|i| {
                    parse::<ApplicationItem>("application", i).map(ApplicationItem::into_domain)
                })
                .transpose()?,
            secret_item
                .map(|i| parse::<SecretItem>("client secret", i).and_then(SecretItem::into_domain))
                .transpose()?,
        ))
    }

    /// A page of applications, by name.
    pub async fn list_applications(
        &self,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<Page<Application>, Error> {
        let start = cursor::decode(
            cursor,
            &[PK, SK, GSI1PK, GSI1SK],
            &[(GSI1PK, keys::ALL_APPLICATIONS)],
        )?;
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::ALL_APPLICATIONS.into()))
            .limit(i32::from(limit.get()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| error::query(&e, cursor.is_some()))?;
        page(output, "application", ApplicationItem::into_domain)
    }

    /// Every secret of an application (there are few: at most two active,
    /// plus the revoked and expired ones), oldest first.
    pub async fn secrets(&self, app: ApplicationId) -> Result<Vec<ClientSecret>, Error> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::application(app).pk))
            .expression_attribute_values(":prefix", AttributeValue::S(keys::SECRET_PREFIX.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let mut secrets = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| parse::<SecretItem>("client secret", i).and_then(SecretItem::into_domain))
            .collect::<Result<Vec<_>, _>>()?;
        secrets.sort_by_key(|s| s.created_at);
        Ok(secrets)
    }

    /// A page of tenants, ordered by domain.
    pub async fn list_tenants(&self, q: &TenantQuery<'_>) -> Result<Page<Tenant>, Error> {
        let partition = match q.status {
            None => IndexPartition::gsi1(keys::ALL_TENANTS.to_owned()),
            Some(status) => IndexPartition::gsi2(keys::tenants_in_status(status)),
        };
        let prefix = q.domain_prefix.map(str::to_ascii_lowercase);
        let output = self
            .index_page(partition, prefix, q.limit, q.cursor)?
            .send()
            .await
            .map_err(|e| error::query(&e, q.cursor.is_some()))?;
        page(output, "tenant", TenantItem::into_domain)
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
