//! The billing consumer: the control plane's own billable facts become
//! billing events, in the same feed as the applications' usage
//! (FR-BILL-001, doc/adr/0026-control-plane-facts-in-the-billing-feed.md).
//!
//! Domain events arrive from EventBridge through the billing queue (its rule
//! lets only the billable types through). Each becomes one billing event:
//! source [`SOURCE`], id the domain event's id, type the domain event's type,
//! quantity 1, occurred at the event's time, and the event's billing-relevant
//! fields (plan, application, user, role, status) as properties. Recording
//! is idempotent: a redelivered event is a duplicate of itself. A message
//! that cannot be recorded is reported alone (`batchItemFailures`) and, after
//! the queue's maximum receives, moves to the dead-letter queue.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use cp_domain::{BillingEvent, Error, Recorded, Reporter};
use cp_events::Envelope;
use cp_runtime::{ConfigError, FunctionEnv, queue};
use cp_store::Store;
use serde_json::Value;

/// The CloudEvents `source` of the control plane's billing events.
pub const SOURCE: &str = "urn:saas-control-plane";

/// The billable event types and the fields of their data that are copied
/// into properties. The billing rule of `terraform/resources.json` lets
/// exactly these through (a test in `local/src/definitions.rs` holds them
/// equal).
pub const BILLABLE: &[(&str, &[&str])] = &[
    ("tenant.provisioned", &["plan", "status"]),
    ("tenant.plan_changed", &["previous_plan", "plan"]),
    ("tenant.suspended", &[]),
    ("tenant.resumed", &[]),
    (
        "tenant.deletion_requested",
        &["purge_at", "previous_status"],
    ),
    ("tenant.restored", &["status"]),
    ("tenant.purged", &[]),
    ("tenant.application_enabled", &["app_id"]),
    ("tenant.application_disabled", &["app_id"]),
    ("user.activated", &["user_id", "role"]),
    ("user.role_changed", &["user_id", "previous_role", "role"]),
    (
        "user.status_changed",
        &["user_id", "previous_status", "status"],
    ),
    ("user.removed", &["user_id", "role", "status"]),
];

/// The billing event of a domain event; `None` if it is not billable.
pub fn billing_event(event: &Envelope) -> Option<BillingEvent> {
    let (_, fields) = BILLABLE.iter().find(|(t, _)| *t == event.event_type)?;
    let tenant_id = event.tenant_id?;
    let properties = fields
        .iter()
        .filter_map(|f| {
            let value = match event.data.get(*f)? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(((*f).to_owned(), value))
        })
        .collect();
    Some(BillingEvent {
        reporter: Reporter::ControlPlane,
        source: SOURCE.to_owned(),
        id: event.id.to_string(),
        tenant_id,
        event_type: event.event_type.clone(),
        quantity: 1,
        occurred_at: event.time,
        properties,
    })
}

#[derive(Debug)]
pub struct BillingConsumer {
    store: Store,
}

impl BillingConsumer {
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
        let Some(billing) = billing_event(&event) else {
            tracing::info!(event_type = %event.event_type, "not billable");
            return Ok(());
        };
        let outcome = self
            .store
            .record_billing_events(&[billing], &chrono::Utc::now)
            .await?;
        tracing::info!(
            event_id = %event.id,
            event_type = %event.event_type,
            duplicate = outcome == [Recorded::Duplicate],
            "billing event recorded"
        );
        Ok(())
    }
}
