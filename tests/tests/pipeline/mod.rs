//! The event pipeline on moto server with the local stack's event source
//! mappings and pollers: what a write leaves in the outbox reaches the
//! audit consumer and the Audit Log, asynchronously.

mod outbox_to_audit;
