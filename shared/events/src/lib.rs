//! Domain events: one envelope for every event, and the payload of each type.
//!
//! A use case builds a payload, wraps it in an [`Envelope`] and hands it to the
//! store, which writes it as an outbox item in the same transaction as the
//! state change. From there the publisher puts it on EventBridge unchanged.
//! The JSON Schema of the envelope and of every payload lives in `/events`;
//! a test holds these types and those files together.

use chrono::{DateTime, Utc};
use cp_domain::{Actor, EventId, Outcome, TenantId};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub mod payloads;
pub use payloads::*;

/// EventBridge `source` of every control-plane event.
pub const SOURCE: &str = "saas.control-plane";

/// A versioned event type, and the Audit Log action it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    pub name: &'static str,
    pub version: u32,
    /// The `action` of its audit record (FR-LOG-003), e.g. `tenant.create`.
    pub audit_action: &'static str,
    /// The `outcome` of its audit record: `failure` for a refusal worth
    /// recording (CC-LOG-003), `success` for everything else.
    pub outcome: Outcome,
}

/// Every event type the control plane emits.
pub const ALL_TYPES: &[EventType] = &[
    TenantProvisioned::TYPE,
    PlatformUserProvisioned::TYPE,
    TenantSuspended::TYPE,
    TenantResumed::TYPE,
    TenantDeletionRequested::TYPE,
    TenantRestored::TYPE,
    TenantPurged::TYPE,
    TenantApplicationEnabled::TYPE,
    TenantApplicationDisabled::TYPE,
    ApplicationRegistered::TYPE,
    ApplicationUpdated::TYPE,
    ApplicationBillingReaderDesignated::TYPE,
    ApplicationBillingReaderWithdrawn::TYPE,
    ApplicationClientRegistered::TYPE,
    ApplicationSecretIssued::TYPE,
    ApplicationSecretRevoked::TYPE,
    TenantPlanChanged::TYPE,
    UserActivated::TYPE,
    UserRoleChanged::TYPE,
    UserStatusChanged::TYPE,
    UserRemoved::TYPE,
    UserInvited::TYPE,
    InvitationResent::TYPE,
    InvitationRevoked::TYPE,
    SessionsEnded::TYPE,
    SignedIn::TYPE,
    SignInRefused::TYPE,
    GrantRefused::TYPE,
    SignedOut::TYPE,
    BackchannelLogoutDelivered::TYPE,
    BackchannelLogoutFailed::TYPE,
    TenantSettingsChanged::TYPE,
    TenantSsoChanged::TYPE,
    TenantFlagOverrideChanged::TYPE,
    AuditEventReported::TYPE,
    AuditExportRequested::TYPE,
    AuditExportFinished::TYPE,
    PersonalDataRead::TYPE,
];

/// The audit outcome of an event type; unknown (newer) types succeeded.
pub fn audit_outcome(event_type: &str) -> Outcome {
    ALL_TYPES
        .iter()
        .find(|t| t.name == event_type)
        .map_or(Outcome::Success, |t| t.outcome)
}

/// The audit action for an event type; unknown (newer) types keep their name,
/// so an event is never left unaudited.
pub fn audit_action(event_type: &str) -> &str {
    ALL_TYPES
        .iter()
        .find(|t| t.name == event_type)
        .map_or(event_type, |t| t.audit_action)
}

/// The data of one event type.
pub trait Payload: Serialize + DeserializeOwned {
    const TYPE: EventType;
    /// The resource the event is about, e.g. `tenant/<id>`.
    fn resource(&self) -> String;
    /// The tenant the event belongs to, if any.
    fn tenant_id(&self) -> Option<TenantId>;
}

/// Who, when and why: what every event carries besides its data.
#[derive(Debug, Clone)]
pub struct EventContext {
    pub time: DateTime<Utc>,
    pub actor: Actor,
    pub correlation_id: String,
}

/// The envelope, as it travels through the outbox, EventBridge and SQS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    /// Version of the `data` schema for this type.
    pub version: u32,
    pub time: DateTime<Utc>,
    pub tenant_id: Option<TenantId>,
    pub actor: Actor,
    pub correlation_id: String,
    pub resource: String,
    pub data: serde_json::Value,
}

impl Envelope {
    /// The envelope of `payload`. A payload that cannot be written as JSON
    /// is a bug: it is logged here, once, and the use case fails with
    /// ERR-SYS-500 before anything is written.
    pub fn new<P: Payload>(payload: &P, context: EventContext) -> Result<Self, cp_domain::Error> {
        let data = serde_json::to_value(payload).map_err(|e| {
            tracing::error!(event_type = P::TYPE.name, error = %e, "event payload not serialisable");
            cp_domain::Error::Internal
        })?;
        Ok(Self {
            id: EventId::random(),
            event_type: P::TYPE.name.to_owned(),
            version: P::TYPE.version,
            time: context.time,
            tenant_id: payload.tenant_id(),
            actor: context.actor,
            correlation_id: context.correlation_id,
            resource: payload.resource(),
            data,
        })
    }

    /// The typed payload, if this envelope holds a `P` of the version we know.
    pub fn payload<P: Payload>(&self) -> Option<P> {
        (self.event_type == P::TYPE.name && self.version == P::TYPE.version)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }
}
