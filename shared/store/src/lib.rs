//! The control plane's single DynamoDB table.
//!
//! This crate is the only code that knows the table's key design
//! ([`keys`]); everything else speaks domain types. Writes go through a
//! [`WriteSet`], committed as one `TransactWriteItems`: uniqueness is a
//! condition on a guard item, lost updates are prevented by a version
//! condition, and a use case's event is an outbox item in the same
//! transaction. The access patterns and their keys are listed in
//! `doc/spec/data-access.md`.

// The generic machinery: the key table, items and their limits, reads,
// transactions with their outbox and idempotency records, and the
// read-modify-write of one aggregate.
mod attributes;
mod cursor;
mod error;
pub mod keys;
mod read;
mod update;
mod write;

// The rooms: one bounded context each, named as the domain's modules and the
// functions' prefixes (doc/adr/0004-one-function-per-use-case.md).
mod app;
mod audit;
mod billing;
mod export;
mod flag;
mod member;
mod oauth;
mod tenant;

pub use audit::AuditQuery;
pub use audit::chain::{AuditChain, DigestMark};
pub use billing::{BillingPage, BillingQuery, EXPORT_LAG, WRITE_DEADLINE};
pub use cp_domain::Page;
pub use export::ExportPosition;
pub use flag::TenantFlags;
pub use member::{IdentityBinding, IdentityKind, UserQuery};
pub use oauth::RateLimit;
pub use tenant::TenantQuery;
pub use update::{Decision, Versioned};
pub use write::{Committed, IdempotencyRecord, WriteSet};

use aws_sdk_dynamodb::Client;

/// Handle on the table. Cheap to clone; build it once per process.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

/// An event as the outbox publisher reads it from the table's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub event_type: String,
    /// The envelope, as JSON text, exactly as written.
    pub envelope: String,
}

/// The event in a stream image: `None` if the image is not an outbox item,
/// an error if it is one that cannot be read.
pub fn outbox_event<I>(image: I) -> Option<Result<OutboxEvent, String>>
where
    I: Into<serde_dynamo::Item>,
{
    #[derive(serde::Deserialize)]
    struct Key {
        #[serde(rename = "PK")]
        pk: String,
    }
    #[derive(serde::Deserialize)]
    struct Image {
        event: String,
        event_type: String,
    }
    let image: serde_dynamo::Item = image.into();
    let key: Key = serde_dynamo::from_item(image.clone()).ok()?;
    if !key.pk.starts_with(keys::OUTBOX_PREFIX) {
        return None;
    }
    Some(
        serde_dynamo::from_item::<_, Image>(image)
            .map(|i| OutboxEvent {
                event_type: i.event_type,
                envelope: i.event,
            })
            .map_err(|e| e.to_string()),
    )
}
