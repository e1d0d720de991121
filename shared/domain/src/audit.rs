//! Audit Log records (FR-LOG-003): immutable, one per audited action.

use crate::{ActorType, EventId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The id of the event it records: recording the same event twice is the
    /// same record (idempotent consumers).
    pub id: EventId,
    pub timestamp: DateTime<Utc>,
    /// `None` for platform-level actions.
    pub tenant_id: Option<TenantId>,
    pub actor_id: String,
    pub actor_type: ActorType,
    /// e.g. `tenant.create`.
    pub action: String,
    /// e.g. `tenant/<id>`.
    pub resource: String,
    pub outcome: Outcome,
    /// Additional context (the event's data).
    pub metadata: serde_json::Value,
    pub correlation_id: String,
    /// Who reported it: `control-plane`, or a managed application's id.
    pub source: String,
}

impl AuditRecord {
    /// When retention allows the record to be deleted.
    pub fn retain_until(&self) -> DateTime<Utc> {
        crate::Retention::AuditLog.until(self.timestamp)
    }
}
