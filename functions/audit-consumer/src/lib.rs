//! The audit consumer (FR-LOG-003, UC-AUDIT-RECORD-CP): every domain event
//! becomes an Audit Log record.
//!
//! Events arrive from EventBridge through the audit queue, ten at most per
//! batch. Recording is idempotent on the event id: a redelivered event finds
//! its record and writes nothing. A message that cannot be recorded is
//! reported alone (`batchItemFailures`); the rest of the batch is kept.
//! After the queue's maximum receives it moves to the dead-letter queue.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use cp_domain::{ActorType, AuditRecord, Error};
use cp_events::{AuditEventReported, Envelope};
use cp_runtime::{ConfigError, FunctionEnv, queue};
use cp_store::Store;
use tracing::Instrument;

/// Who recorded control-plane events (as opposed to a managed application).
pub const SOURCE: &str = "control-plane";

#[derive(Debug)]
pub struct AuditConsumer {
    store: Store,
}

impl AuditConsumer {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self::new(env.store()?))
    }

    pub async fn handle(&self, batch: SqsEvent) -> SqsBatchResponse {
        queue::each(&batch, |message| self.record(message)).await
    }

    async fn record(&self, message: &SqsMessage) -> Result<(), Error> {
        let event = queue::domain_event(message)?;
        let span = tracing::info_span!(
            "event",
            correlation_id = %event.correlation_id,
            event_id = %event.id,
            event_type = %event.event_type,
        );
        async {
            let new = self.store.record_audit(&audit_record(event)).await?;
            tracing::info!(duplicate = !new, "audit record written");
            Ok(())
        }
        .instrument(span)
        .await
    }
}

/// The audit record of a domain event: an application's reported event
/// (FR-LOG-001) as the application described it, any other event as the
/// control plane's own action.
pub fn audit_record(event: Envelope) -> AuditRecord {
    if let Some(reported) = event.payload::<AuditEventReported>() {
        return AuditRecord {
            id: event.id,
            timestamp: reported.timestamp,
            tenant_id: Some(reported.tenant_id),
            actor_id: reported.actor_id,
            actor_type: ActorType::User,
            action: reported.event_type,
            resource: reported.resource_id,
            outcome: reported.outcome,
            metadata: serde_json::json!({
                "event_id": reported.event_id,
                "ip_address": reported.ip_address,
                "metadata": reported.metadata,
            }),
            correlation_id: event.correlation_id,
            source: reported.application_id.to_string(),
            chain: None,
        };
    }
    AuditRecord {
        id: event.id,
        timestamp: event.time,
        tenant_id: event.tenant_id,
        actor_id: event.actor.id,
        actor_type: event.actor.actor_type,
        action: cp_events::audit_action(&event.event_type).to_owned(),
        resource: event.resource,
        outcome: cp_events::audit_outcome(&event.event_type),
        metadata: event.data,
        correlation_id: event.correlation_id,
        source: SOURCE.to_owned(),
        chain: None,
    }
}
