//! All-or-nothing writes: a use case collects its items in a [`WriteSet`] and
//! commits them as one `TransactWriteItems`.
//!
//! Each item carries its condition and what a failed condition means, so a
//! cancelled transaction is reported in the use case's own terms ("domain
//! taken", "modified concurrently") instead of as an opaque error.

use crate::error::{corrupt, is_throttling, sdk};
use crate::items::*;
use crate::keys::{self, Key};
use crate::{Store, items::IdempotencyRecord};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use chrono::{DateTime, Duration, Utc};
use cp_domain::provisioning::Provisioned;
use cp_domain::{
    Application, ApplicationId, ClientSecret, Error, FlagOverrides, Tenant, User, UserId,
};
use cp_events::Envelope;
use serde::Serialize;
use std::collections::HashMap;

/// DynamoDB's limit on items per transaction.
const MAX_ITEMS: usize = 100;
/// How often a transaction cancelled by a concurrent one is tried again.
const CONFLICT_ATTEMPTS: u32 = 4;
/// How long an outbox item is kept (the stream keeps its record a day).
const OUTBOX_RETENTION: Duration = Duration::days(7);

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
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// UC-PROV-001: the tenant and its domain guard, the Owner and the Owner's
    /// email guard, the invitation and its token lookup.
    pub fn provision(&mut self, p: &Provisioned) -> Result<&mut Self, Error> {
        const TAKEN: &str = "a tenant with this domain already exists";
        self.insert(&TenantItem::new(&p.tenant), "tenant id already used")?;
        self.insert(&DomainGuardItem::new(&p.tenant), TAKEN)?;
        self.insert(&UserItem::new(&p.owner), "user id already used")?;
        self.insert(
            &EmailGuardItem::new(&p.owner),
            "a user with this email already exists",
        )?;
        self.insert(
            &InvitationItem::new(&p.invitation),
            "invitation id already used",
        )?;
        self.insert(
            &InvitationTokenItem::new(&p.invitation),
            "invitation token already used",
        )?;
        Ok(self)
    }

    /// Writes `tenant` over the stored one if nobody changed it since it was
    /// read at `tenant.version` (lost-update protection).
    pub fn replace_tenant(&mut self, tenant: &Tenant) -> Result<&mut Self, Error> {
        let mut item = TenantItem::new(tenant);
        item.version = tenant.version + 1;
        self.replace(&item, tenant.version)
    }

    /// Writes `user` over the stored one if unchanged since read.
    pub fn replace_user(&mut self, user: &User) -> Result<&mut Self, Error> {
        let mut item = UserItem::new(user);
        item.version = user.version + 1;
        self.replace(&item, user.version)
    }

    /// FR-FLAG-001: a tenant's overrides, created on the first one, else
    /// written over the stored ones if unchanged since read.
    pub fn save_flag_overrides(&mut self, overrides: &FlagOverrides) -> Result<&mut Self, Error> {
        let mut item = FlagOverridesItem::new(overrides);
        item.version = overrides.version + 1;
        if overrides.version == 0 {
            self.insert(&item, "the overrides were created concurrently; retry")
        } else {
            self.replace(&item, overrides.version)
        }
    }

    /// FR-SYS-001: a newly registered application.
    pub fn insert_application(&mut self, app: &Application) -> Result<&mut Self, Error> {
        self.insert(&ApplicationItem::new(app), "application id already used")
    }

    /// Writes `app` over the stored one if unchanged since read.
    pub fn replace_application(&mut self, app: &Application) -> Result<&mut Self, Error> {
        let mut item = ApplicationItem::new(app);
        item.version = app.version + 1;
        self.replace(&item, app.version)
    }

    /// FR-SYS-002: a new client secret (its hash).
    pub fn insert_secret(&mut self, secret: &ClientSecret) -> Result<&mut Self, Error> {
        self.insert(&SecretItem::new(secret), "secret id already used")
    }

    /// Writes a changed secret (revocation); secrets change only once, from
    /// active to revoked, so the condition is that it was not revoked.
    pub fn revoke_secret(&mut self, secret: &ClientSecret) -> Result<&mut Self, Error> {
        let put = put(&SecretItem::new(secret))?
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(revoked_at)");
        self.push(put, OnConditionFailure::Stale)
    }

    /// Requires the application to exist and be Active when the transaction
    /// commits (enabling it for a tenant); otherwise ERR-VAL-422.
    pub fn require_active_application(&mut self, app: ApplicationId) -> Result<&mut Self, Error> {
        let key = keys::application(app);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .condition_expression("#status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", AttributeValue::S("Active".into()))
            .build()
            .map_err(|e| corrupt("condition check", e))?;
        self.push_op(
            TransactWriteItem::builder().condition_check(check).build(),
            OnConditionFailure::Rule("an application to enable is not registered or not active"),
        )
    }

    /// Links a verified (issuer, subject) to a user, once and for all.
    pub fn bind_identity(
        &mut self,
        issuer: &str,
        subject: &str,
        binding: &IdentityBinding,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        let item = IdentityItem {
            keys: keys::identity(issuer, subject).into(),
            entity: "Identity".into(),
            binding: binding.clone(),
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            created_at: now,
        };
        if let Some(tenant) = binding.tenant_id {
            let link = IdentityLinkItem {
                keys: keys::identity_link(tenant, issuer, subject).into(),
                entity: "IdentityLink".into(),
                user_id: binding.user_id,
                issuer: issuer.to_owned(),
                subject: subject.to_owned(),
            };
            self.insert(&link, "this identity is already bound to a user")?;
        }
        self.insert(&item, "this identity is already bound to a user")
    }

    /// FR-SYS-004: a platform person's User record (tenant NULL) and the
    /// binding of their identity to it.
    pub fn create_platform_user(
        &mut self,
        issuer: &str,
        subject: &str,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        let binding = IdentityBinding {
            kind: IdentityKind::Platform,
            user_id,
            tenant_id: None,
        };
        self.bind_identity(issuer, subject, &binding, now)?;
        let user = PlatformUserItem {
            keys: keys::platform_user(user_id).into(),
            entity: "PlatformUser".into(),
            id: user_id,
            tenant_id: None,
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            created_at: now,
        };
        self.insert(&user, "user id already used")
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
    /// An empty transaction on this table.
    pub fn writes(&self) -> WriteSet {
        WriteSet {
            table: self.table.clone(),
            ops: Vec::new(),
        }
    }

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
