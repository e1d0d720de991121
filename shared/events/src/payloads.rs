//! The payload of every event type. Adding one: a struct here, its entry in
//! `ALL_TYPES`, and its schema in `/events` (the schema test insists).

use crate::{EventType, Payload};
use chrono::{DateTime, Utc};
use cp_domain::{InvitationId, Plan, PlatformRole, TenantId, TenantStatus, UserId};
use serde::{Deserialize, Serialize};

/// UC-PROV-001: a tenant, its Owner and the Owner's invitation were created.
/// Carries ids, not the Owner's email: events travel far (bus archive, audit,
/// billing), personal data stays in the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantProvisioned {
    pub tenant_id: TenantId,
    pub name: String,
    pub domain: String,
    pub plan: Plan,
    pub status: TenantStatus,
    pub owner_user_id: UserId,
    pub invitation_id: InvitationId,
    pub invitation_expires_at: DateTime<Utc>,
}

impl Payload for TenantProvisioned {
    const TYPE: EventType = EventType {
        name: "tenant.provisioned",
        version: 1,
        audit_action: "tenant.create",
    };
    fn resource(&self) -> String {
        format!("tenant/{}", self.tenant_id)
    }
    fn tenant_id(&self) -> Option<TenantId> {
        Some(self.tenant_id)
    }
}

/// FR-SYS-004: a platform person (operator, auditor) signed in for the first
/// time and got a User record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformUserProvisioned {
    pub user_id: UserId,
    pub roles: Vec<PlatformRole>,
    pub issuer: String,
}

impl Payload for PlatformUserProvisioned {
    const TYPE: EventType = EventType {
        name: "platform_user.provisioned",
        version: 1,
        audit_action: "platform_user.create",
    };
    fn resource(&self) -> String {
        format!("platform-user/{}", self.user_id)
    }
    fn tenant_id(&self) -> Option<TenantId> {
        None
    }
}
