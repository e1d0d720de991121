//! The control plane's single DynamoDB table.
//!
//! This crate is the only code that knows the table's key design
//! ([`keys`]); everything else speaks domain types. Writes go through a
//! [`WriteSet`], committed as one `TransactWriteItems`: uniqueness is a
//! condition on a guard item, lost updates are prevented by a version
//! condition, and a use case's event is an outbox item in the same
//! transaction. The access patterns and their keys are listed in
//! `doc/spec/data-access.md`.

mod attributes;
mod billing;
mod chain;
mod cursor;
mod error;
mod exports;
mod items;
pub mod keys;
mod limits;
mod members;
mod purge;
mod reads;
mod update;
mod write;

pub use billing::{BillingPage, BillingQuery, EXPORT_LAG, WRITE_DEADLINE};
pub use chain::{AuditChain, DigestMark};
pub use cursor::Page;
pub use exports::ExportPosition;
pub use items::{IdempotencyRecord, IdentityBinding, IdentityKind};
pub use limits::RateLimit;
pub use members::UserQuery;
pub use reads::{AuditQuery, TenantQuery};
pub use update::{Decision, TenantFlags, Versioned};
pub use write::{Committed, WriteSet};

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
