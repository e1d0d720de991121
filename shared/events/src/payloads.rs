//! The payload of every event type. Adding one: a struct here, its entry in
//! `ALL_TYPES`, and its schema in `/events` (the schema test insists).

use crate::{EventType, Payload};
use chrono::{DateTime, Utc};
use cp_domain::oauth::ClientConfig;
use cp_domain::{
    AppEnvironment, AppScope, AppStatus, ApplicationId, AuditExportId, InvitationId, Outcome, Plan,
    PlatformRole, Role, SecretId, TenantId, TenantSettings, TenantStatus, UserId, UserStatus,
};
use serde::{Deserialize, Serialize};

/// Implements [`Payload`]: the event's type, its audit action, and, from
/// the payload `e`, the resource it is about and the tenant whose trail it
/// joins (`None`: the platform's).
macro_rules! event {
    ($type:ty, $name:literal, $action:literal,
        |$e:ident| resource: $resource:expr, tenant: $tenant:expr) => {
        event!($type, $name, $action, Outcome::Success,
            |$e| resource: $resource, tenant: $tenant);
    };
    ($type:ty, $name:literal, $action:literal, $outcome:expr,
        |$e:ident| resource: $resource:expr, tenant: $tenant:expr) => {
        impl Payload for $type {
            const TYPE: EventType = EventType {
                name: $name,
                version: 1,
                audit_action: $action,
                outcome: $outcome,
            };
            fn resource(&self) -> String {
                let $e = self;
                $resource
            }
            #[allow(unused_variables)]
            fn tenant_id(&self) -> Option<TenantId> {
                let $e = self;
                $tenant
            }
        }
    };
}

/// A tenant's event: resource `tenant/<id>`, in the tenant's trail.
macro_rules! tenant_event {
    ($type:ty, $name:literal, $action:literal) => {
        event!($type, $name, $action,
            |e| resource: format!("tenant/{}", e.tenant_id), tenant: Some(e.tenant_id));
    };
}

/// An application's event: resource `application/<id>`, in the platform's
/// trail.
macro_rules! application_event {
    ($type:ty, $name:literal, $action:literal) => {
        event!($type, $name, $action,
            |e| resource: format!("application/{}", e.app_id), tenant: None);
    };
}

/// A tenant user's event: resource `tenant/<tenant>/user/<user>`.
macro_rules! user_event {
    ($type:ty, $name:literal, $action:literal) => {
        event!($type, $name, $action,
            |e| resource: format!("tenant/{}/user/{}", e.tenant_id, e.user_id),
            tenant: Some(e.tenant_id));
    };
}

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
    /// The managed applications enabled for the tenant from the start.
    #[serde(default)]
    pub applications: Vec<ApplicationId>,
}

impl From<&cp_domain::tenant::provisioning::Provisioned> for TenantProvisioned {
    fn from(p: &cp_domain::tenant::provisioning::Provisioned) -> Self {
        Self {
            tenant_id: p.tenant.id,
            name: p.tenant.name.as_str().to_owned(),
            domain: p.tenant.domain.as_str().to_owned(),
            plan: p.tenant.plan,
            status: p.tenant.status,
            owner_user_id: p.owner.id,
            invitation_id: p.invitation.id,
            invitation_expires_at: p.invitation.expires_at,
            applications: p.tenant.applications.iter().copied().collect(),
        }
    }
}

tenant_event!(TenantProvisioned, "tenant.provisioned", "tenant.create");

/// FR-SYS-004: a platform person (operator, auditor) signed in for the first
/// time and got a User record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformUserProvisioned {
    pub user_id: UserId,
    pub roles: Vec<PlatformRole>,
    pub issuer: String,
}

event!(
    PlatformUserProvisioned,
    "platform_user.provisioned",
    "platform_user.create",
    |e| resource: format!("platform-user/{}", e.user_id),
    tenant: None
);

/// UC-TENANT-SUSPEND: every user of the tenant is denied from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSuspended {
    pub tenant_id: TenantId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}
tenant_event!(TenantSuspended, "tenant.suspended", "tenant.suspend");

/// FR-OPS-001: a suspended tenant is Active again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantResumed {
    pub tenant_id: TenantId,
}
tenant_event!(TenantResumed, "tenant.resumed", "tenant.resume");

/// UC-OPS-TENANT-DELETE: the tenant is pending deletion until `purge_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantDeletionRequested {
    pub tenant_id: TenantId,
    pub purge_at: DateTime<Utc>,
    /// The status a restore returns to.
    pub previous_status: TenantStatus,
}
tenant_event!(
    TenantDeletionRequested,
    "tenant.deletion_requested",
    "tenant.delete"
);

/// FR-OPS-002: a tenant pending deletion was restored within its grace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantRestored {
    pub tenant_id: TenantId,
    pub status: TenantStatus,
}
tenant_event!(TenantRestored, "tenant.restored", "tenant.restore");

/// FR-OPS-002: after the grace period, the tenant's data was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPurged {
    pub tenant_id: TenantId,
    /// How many items the purge deleted.
    pub items_deleted: u64,
}
tenant_event!(TenantPurged, "tenant.purged", "tenant.purge");

/// UC-PROV-001 step 6 / FR-SYS-001: an application may act for the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantApplicationEnabled {
    pub tenant_id: TenantId,
    pub app_id: ApplicationId,
}
tenant_event!(
    TenantApplicationEnabled,
    "tenant.application_enabled",
    "tenant.application.enable"
);

/// An application may no longer act for the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantApplicationDisabled {
    pub tenant_id: TenantId,
    pub app_id: ApplicationId,
}
tenant_event!(
    TenantApplicationDisabled,
    "tenant.application_disabled",
    "tenant.application.disable"
);

/// UC-DEV-REGISTER: a managed application was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRegistered {
    pub app_id: ApplicationId,
    pub name: String,
    pub environment: AppEnvironment,
    pub owner: String,
}
application_event!(
    ApplicationRegistered,
    "application.registered",
    "application.create"
);

impl From<&cp_domain::Application> for ApplicationRegistered {
    fn from(app: &cp_domain::Application) -> Self {
        Self {
            app_id: app.id,
            name: app.name.as_str().to_owned(),
            environment: app.environment,
            owner: app.owner.as_str().to_owned(),
        }
    }
}

/// UC-DEV-UPDATE: an application's settings or status changed; the values
/// before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationUpdated {
    pub app_id: ApplicationId,
    pub before: ApplicationState,
    pub after: ApplicationState,
}
application_event!(
    ApplicationUpdated,
    "application.updated",
    "application.update"
);

/// FR-BILL-003: an operator designated the application as a billing
/// reader; its `billing:read` takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBillingReaderDesignated {
    pub app_id: ApplicationId,
}
application_event!(
    ApplicationBillingReaderDesignated,
    "application.billing_reader_designated",
    "application.billing_reader.designate"
);

/// FR-BILL-003: an operator withdrew the designation; the application's
/// `billing:read` no longer takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBillingReaderWithdrawn {
    pub app_id: ApplicationId,
}
application_event!(
    ApplicationBillingReaderWithdrawn,
    "application.billing_reader_withdrawn",
    "application.billing_reader.withdraw"
);

/// The application's developer registered it as an OpenID Connect client
/// (redirect URIs, grants, logout URIs), replacing its earlier
/// registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationClientRegistered {
    pub app_id: ApplicationId,
    pub client: ClientConfig,
}
application_event!(
    ApplicationClientRegistered,
    "application.client_registered",
    "application.client.update"
);

/// The changeable settings of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationState {
    pub name: String,
    pub environment: AppEnvironment,
    pub owner: String,
    pub status: AppStatus,
}

impl From<&cp_domain::Application> for ApplicationState {
    fn from(app: &cp_domain::Application) -> Self {
        Self {
            name: app.name.as_str().to_owned(),
            environment: app.environment,
            owner: app.owner.as_str().to_owned(),
            status: app.status,
        }
    }
}

/// FR-SYS-002: a client secret was issued (its id and scopes, never itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSecretIssued {
    pub app_id: ApplicationId,
    pub secret_id: SecretId,
    pub scopes: Vec<AppScope>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires_at: Option<DateTime<Utc>>,
}
application_event!(
    ApplicationSecretIssued,
    "application.secret_issued",
    "application.secret.create"
);

/// FR-SYS-002: a client secret was revoked; its tokens stop working at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSecretRevoked {
    pub app_id: ApplicationId,
    pub secret_id: SecretId,
}
application_event!(
    ApplicationSecretRevoked,
    "application.secret_revoked",
    "application.secret.revoke"
);

/// FR-TENANT-003: the Owner changed the tenant's plan (flags and billing
/// react to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPlanChanged {
    pub tenant_id: TenantId,
    pub previous_plan: Plan,
    pub plan: Plan,
}
tenant_event!(
    TenantPlanChanged,
    "tenant.plan_changed",
    "tenant.plan.update"
);

/// UC-TENANT-INVITE: the invitee accepted; the user is Active and bound to
/// the identity they signed in with (a seat, for billing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserActivated {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub invitation_id: InvitationId,
}
user_event!(UserActivated, "user.activated", "user.activate");

/// An invitation accepted: by `POST /v1/invitations/accept` or by a
/// sign-in through the OpenID Provider alike.
impl From<&cp_domain::InvitationTicket> for UserActivated {
    fn from(ticket: &cp_domain::InvitationTicket) -> Self {
        Self {
            tenant_id: ticket.tenant_id,
            user_id: ticket.user_id,
            role: ticket.role,
            invitation_id: ticket.invitation_id,
        }
    }
}

/// UC-TENANT-USER-UPDATE: a user's role changed; their sessions ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRoleChanged {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub previous_role: Role,
    pub role: Role,
}
user_event!(UserRoleChanged, "user.role_changed", "user.role.update");

/// UC-TENANT-USER-STATUS-UPDATE: a user was disabled (sessions ended) or
/// enabled again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserStatusChanged {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub previous_status: UserStatus,
    pub status: UserStatus,
}
user_event!(
    UserStatusChanged,
    "user.status_changed",
    "user.status.update"
);

/// UC-TENANT-USER-DELETE: a user was removed from the tenant (a seat less,
/// for billing); `status` is the one they had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRemoved {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub status: UserStatus,
}
user_event!(UserRemoved, "user.removed", "user.delete");

/// UC-TENANT-INVITE: a member was invited (status Invited) and emailed a
/// single-use link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInvited {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub invitation_id: InvitationId,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}
user_event!(UserInvited, "user.invited", "user.invite");

/// UC-TENANT-INVITE-RESEND: a new link; the old one stopped working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationResent {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub invitation_id: InvitationId,
    pub expires_at: DateTime<Utc>,
}
user_event!(
    InvitationResent,
    "invitation.resent",
    "user.invitation.resend"
);

/// An invitation was revoked; its link stopped working and the invited
/// user was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRevoked {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub invitation_id: InvitationId,
}
user_event!(
    InvitationRevoked,
    "invitation.revoked",
    "user.invitation.revoke"
);

/// UC-TENANT-SESSION-REVOKE, UC-LOGOUT: sessions of a user were ended;
/// their tokens are refused from now on (ERR-AUTH-440).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsEnded {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The sessions ended by id; empty when all were (`all`).
    pub session_ids: Vec<String>,
    pub all: bool,
}
user_event!(SessionsEnded, "user.sessions_ended", "user.session.revoke");

/// Where a person's sign-in events are: a member's in their tenant's trail
/// (resource `tenant/<t>/user/<u>`), a platform person's in the platform's.
fn person_resource(tenant_id: Option<TenantId>, user_id: UserId) -> String {
    match tenant_id {
        Some(tenant) => format!("tenant/{tenant}/user/{user_id}"),
        None => format!("platform-user/{user_id}"),
    }
}

/// FR-AUTH-001 (ADR 0042): a person signed in through the OpenID Provider
/// and a session started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedIn {
    pub user_id: UserId,
    pub tenant_id: Option<TenantId>,
    pub session_id: String,
    pub client_id: String,
    /// The directory they authenticated at: `workforce` or `customer`.
    pub upstream: String,
    /// How (RFC 8176), as the directory said.
    pub amr: Vec<String>,
}
event!(SignedIn, "auth.signed_in", "auth.sign_in",
    |e| resource: person_resource(e.tenant_id, e.user_id), tenant: e.tenant_id);

/// FR-AUTH-001, CC-LOG-003: a sign-in the OpenID Provider refused after the
/// directory answered: its answer could not be verified, or the person is
/// nobody the client may serve. In the platform's trail, with outcome
/// `failure`; nothing names the person (they are not known here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRefused {
    pub client_id: String,
    pub upstream: String,
    /// `not_admitted`, `not_verified`, `cancelled` or `invitation_refused`.
    pub reason: String,
}
event!(SignInRefused, "auth.sign_in_refused", "auth.sign_in", Outcome::Failure,
    |e| resource: format!("client/{}", e.client_id), tenant: None);

/// CC-LOG-003: a code or refresh token of a real sign-in the token endpoint
/// refused: presented again (a replay, which ended the session), by
/// another client, with the wrong verifier or redirect URI, or expired. In
/// the trail of the person it was issued to, with outcome `failure`.
/// Unknown grants are counted, not recorded: anyone can make those up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRefused {
    pub user_id: UserId,
    pub tenant_id: Option<TenantId>,
    pub session_id: String,
    /// The client that presented it.
    pub client_id: String,
    pub grant_type: String,
    /// Presented again after its use: the session was ended.
    pub replayed: bool,
}
event!(GrantRefused, "auth.grant_refused", "auth.token", Outcome::Failure,
    |e| resource: person_resource(e.tenant_id, e.user_id), tenant: e.tenant_id);

/// FR-AUTH-005, UC-LOGOUT: a person signed out at the OpenID Provider;
/// their session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedOut {
    pub user_id: UserId,
    pub tenant_id: Option<TenantId>,
    pub session_id: String,
    /// The client that asked, if it said.
    pub client_id: Option<String>,
}
event!(SignedOut, "auth.signed_out", "auth.sign_out",
    |e| resource: person_resource(e.tenant_id, e.user_id), tenant: e.tenant_id);

/// OpenID Connect Back-Channel Logout 1.0: an application that got tokens
/// of a member's session was told, with a logout token, that it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackchannelLogoutDelivered {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub session_id: String,
    pub client_id: String,
}
user_event!(
    BackchannelLogoutDelivered,
    "auth.backchannel_logout_delivered",
    "auth.backchannel_logout"
);

/// CC-LOG-003: telling an application that a session ended failed: it
/// refused the logout token (not retried) or could not be reached (retried
/// from the queue, then set aside in its dead-letter queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackchannelLogoutFailed {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub session_id: String,
    pub client_id: String,
    /// `refused` (the application answered 4xx) or `unreachable`.
    pub reason: String,
    /// Whether it will be tried again.
    pub retried: bool,
}
event!(BackchannelLogoutFailed, "auth.backchannel_logout_failed", "auth.backchannel_logout",
    Outcome::Failure,
    |e| resource: format!("tenant/{}/user/{}", e.tenant_id, e.user_id), tenant: Some(e.tenant_id));

/// FR-AUTH-006, FR-TENANT-001: the tenant's settings (invitation lifetime,
/// password policy) before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettingsChanged {
    pub tenant_id: TenantId,
    pub before: TenantSettings,
    pub after: TenantSettings,
}
tenant_event!(
    TenantSettingsChanged,
    "tenant.settings_changed",
    "tenant.settings.update"
);

/// UC-TENANT-SSO, FR-AUTH-003: the tenant's own identity provider was
/// configured, changed or removed (never its client secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSsoChanged {
    pub tenant_id: TenantId,
    /// `None` when the configuration was removed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_id: Option<String>,
    /// Whether the client secret was set anew.
    pub secret_changed: bool,
}
tenant_event!(TenantSsoChanged, "tenant.sso_changed", "tenant.sso.update");
/// FR-FLAG-001: an operator set or cleared a tenant's override of a flag;
/// the value before and after (`null`: no override, the plan's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFlagOverrideChanged {
    pub tenant_id: TenantId,
    pub flag_key: String,
    pub previous_value: Option<serde_json::Value>,
    pub value: Option<serde_json::Value>,
}

event!(
    TenantFlagOverrideChanged,
    "tenant.flag_override_changed",
    "tenant.flag.update",
    |e| resource: format!("tenant/{}/flag/{}", e.tenant_id, e.flag_key),
    tenant: Some(e.tenant_id)
);

/// FR-LOG-001 / API-LOG: a managed application reported an audit event of
/// one of its tenants. It joins the control plane's own records in the
/// tenant's chain; `event_id` is the application's, unique per application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEventReported {
    pub tenant_id: TenantId,
    pub application_id: ApplicationId,
    pub event_id: String,
    pub timestamp: DateTime<Utc>,
    pub actor_id: String,
    pub event_type: String,
    pub resource_id: String,
    pub outcome: cp_domain::Outcome,
    pub ip_address: std::net::IpAddr,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

event!(
    AuditEventReported,
    "audit.reported",
    "audit.report",
    |e| resource: e.resource_id.clone(),
    tenant: Some(e.tenant_id)
);

/// UC-AUDIT-EXPORT / FR-LOG-002: somebody asked for an export of a range of
/// a tenant's (or, without a tenant, the platform's) audit records: an
/// access to personal data, recorded in the trail it reads (CON-SEC-002).
/// The export job runs on this event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditExportRequested {
    pub export_id: AuditExportId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant_id: Option<TenantId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<cp_domain::Outcome>,
}

event!(
    AuditExportRequested,
    "audit.export_requested",
    "audit.export",
    |e| resource: format!("audit-export/{}", e.export_id),
    tenant: e.tenant_id
);

/// FR-LOG-002: an export job ended: its file's record count, SHA-256 and
/// integrity check, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditExportFinished {
    pub export_id: AuditExportId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant_id: Option<TenantId>,
    pub status: cp_domain::ExportStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// The file's records checked against the signed digests.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub integrity: Option<cp_domain::Integrity>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub failure: Option<String>,
}

event!(
    AuditExportFinished,
    "audit.export_finished",
    "audit.export.finish",
    |e| resource: format!("audit-export/{}", e.export_id),
    tenant: e.tenant_id
);

/// What personal data a read returned (CON-SEC-002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalData {
    /// A page of a tenant's members (email, name, role, status).
    Members,
    /// One member.
    Member,
    /// A tenant's open invitations (the invitees' emails).
    Invitations,
    /// A member's sessions (IP addresses, user agents), read by an Owner or
    /// Administrator.
    MemberSessions,
    /// A page of audit records (actors, IP addresses).
    AuditRecords,
    /// A link to an audit export's file.
    AuditExportFile,
}

/// CON-SEC-002: somebody read personal data of people other than
/// themselves. Recorded in the trail of the tenant (or the platform) the
/// data belongs to, before the answer leaves. Ids and the request's
/// filters, not the data returned: the trail must not become a copy of what
/// it guards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataRead {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant_id: Option<TenantId>,
    pub data: PersonalData,
    /// What was read, e.g. `tenant/<id>/users`.
    pub resource: String,
    /// Whose data the answer held: user ids (members, sessions), invitation
    /// ids, the actor ids of audit records.
    pub subjects: Vec<String>,
    /// How many items the answer held.
    pub count: u64,
    /// The request's filters, as given (no cursor).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty", default)]
    pub query: std::collections::BTreeMap<String, String>,
}

event!(
    PersonalDataRead,
    "personal_data.read",
    "personal_data.read",
    |e| resource: e.resource.clone(),
    tenant: e.tenant_id
);
