//! The JSON Schemas in `/events` and the Rust types agree: every event type
//! has a schema, every schema has an event type, and what Rust writes is
//! what the schemas describe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use cp_domain::oauth::{ClientConfig, ClientRegistration};
use cp_domain::{
    Actor, AppEnvironment, AppScope, AppStatus, ApplicationId, InvitationId, Plan, PlatformRole,
    Role, SecretId, TenantId, TenantSettings, TenantStatus, UserId, UserStatus,
};
use cp_events::*;
use std::path::{Path, PathBuf};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn load(name: &str) -> serde_json::Value {
    let path = schema_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn context() -> EventContext {
    EventContext {
        time: Utc.with_ymd_and_hms(2026, 6, 1, 8, 30, 0).unwrap(),
        actor: Actor::system("test"),
        correlation_id: "corr-1".into(),
    }
}

/// One realistic envelope per event type; a new type without a sample fails.
fn sample(name: &str) -> Envelope {
    match name {
        "tenant.provisioned" => Envelope::new(
            &TenantProvisioned {
                tenant_id: TenantId::random(),
                name: "Acme".into(),
                domain: "acme".into(),
                plan: Plan::Pro,
                status: TenantStatus::Active,
                owner_user_id: UserId::random(),
                invitation_id: InvitationId::random(),
                invitation_expires_at: Utc.with_ymd_and_hms(2026, 6, 8, 8, 30, 0).unwrap(),
                applications: vec![ApplicationId::random()],
            },
            context(),
        ),
        "tenant.suspended" => Envelope::new(
            &TenantSuspended {
                tenant_id: TenantId::random(),
                reason: Some("unpaid invoices".into()),
            },
            context(),
        ),
        "tenant.resumed" => Envelope::new(
            &TenantResumed {
                tenant_id: TenantId::random(),
            },
            context(),
        ),
        "tenant.deletion_requested" => Envelope::new(
            &TenantDeletionRequested {
                tenant_id: TenantId::random(),
                purge_at: Utc.with_ymd_and_hms(2026, 7, 1, 8, 30, 0).unwrap(),
                previous_status: TenantStatus::Suspended,
            },
            context(),
        ),
        "tenant.restored" => Envelope::new(
            &TenantRestored {
                tenant_id: TenantId::random(),
                status: TenantStatus::Active,
            },
            context(),
        ),
        "tenant.purged" => Envelope::new(
            &TenantPurged {
                tenant_id: TenantId::random(),
                items_deleted: 42,
            },
            context(),
        ),
        "tenant.application_enabled" => Envelope::new(
            &TenantApplicationEnabled {
                tenant_id: TenantId::random(),
                app_id: ApplicationId::random(),
            },
            context(),
        ),
        "tenant.application_disabled" => Envelope::new(
            &TenantApplicationDisabled {
                tenant_id: TenantId::random(),
                app_id: ApplicationId::random(),
            },
            context(),
        ),
        "application.registered" => Envelope::new(
            &ApplicationRegistered {
                app_id: ApplicationId::random(),
                name: "Billing".into(),
                environment: AppEnvironment::Production,
                owner: "team-billing".into(),
            },
            context(),
        ),
        "application.billing_reader_designated" => Envelope::new(
            &ApplicationBillingReaderDesignated {
                app_id: ApplicationId::random(),
            },
            context(),
        ),
        "application.client_registered" => Envelope::new(
            &ApplicationClientRegistered {
                app_id: ApplicationId::random(),
                client: ClientConfig::parse(ClientRegistration {
                    redirect_uris: vec!["https://app.example/cb".into()],
                    post_logout_redirect_uris: vec!["https://app.example/".into()],
                    backchannel_logout_uri: Some("https://app.example/logout".into()),
                    ..Default::default()
                })
                .unwrap(),
            },
            context(),
        ),
        "application.billing_reader_withdrawn" => Envelope::new(
            &ApplicationBillingReaderWithdrawn {
                app_id: ApplicationId::random(),
            },
            context(),
        ),
        "application.updated" => {
            let before = ApplicationState {
                name: "Billing".into(),
                environment: AppEnvironment::Staging,
                owner: "team-billing".into(),
                status: AppStatus::Active,
            };
            let after = ApplicationState {
                status: AppStatus::Disabled,
                ..before.clone()
            };
            Envelope::new(
                &ApplicationUpdated {
                    app_id: ApplicationId::random(),
                    before,
                    after,
                },
                context(),
            )
        }
        "application.secret_issued" => Envelope::new(
            &ApplicationSecretIssued {
                app_id: ApplicationId::random(),
                secret_id: SecretId::random(),
                scopes: vec![AppScope::FlagsRead, AppScope::BillingWrite],
                expires_at: Some(Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap()),
            },
            context(),
        ),
        "application.secret_revoked" => Envelope::new(
            &ApplicationSecretRevoked {
                app_id: ApplicationId::random(),
                secret_id: SecretId::random(),
            },
            context(),
        ),
        "platform_user.provisioned" => Envelope::new(
            &PlatformUserProvisioned {
                user_id: UserId::random(),
                roles: vec![PlatformRole::Operator, PlatformRole::Auditor],
                issuer: "https://login.example/tenant/v2.0".into(),
            },
            context(),
        ),
        "tenant.flag_override_changed" => Envelope::new(
            &TenantFlagOverrideChanged {
                tenant_id: TenantId::random(),
                flag_key: "new-editor".into(),
                previous_value: None,
                value: Some(serde_json::json!({"limit": 5})),
            },
            context(),
        ),
        "tenant.plan_changed" => Envelope::new(
            &TenantPlanChanged {
                tenant_id: TenantId::random(),
                previous_plan: Plan::Free,
                plan: Plan::Pro,
            },
            context(),
        ),
        "user.activated" => Envelope::new(
            &UserActivated {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                role: Role::Administrator,
                invitation_id: InvitationId::random(),
            },
            context(),
        ),
        "user.role_changed" => Envelope::new(
            &UserRoleChanged {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                previous_role: Role::User,
                role: Role::Administrator,
            },
            context(),
        ),
        "user.status_changed" => Envelope::new(
            &UserStatusChanged {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                previous_status: UserStatus::Active,
                status: UserStatus::Disabled,
            },
            context(),
        ),
        "user.removed" => Envelope::new(
            &UserRemoved {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                role: Role::User,
                status: UserStatus::Active,
            },
            context(),
        ),
        "user.invited" => Envelope::new(
            &UserInvited {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                invitation_id: InvitationId::random(),
                role: Role::User,
                expires_at: Utc.with_ymd_and_hms(2026, 6, 8, 8, 30, 0).unwrap(),
            },
            context(),
        ),
        "invitation.resent" => Envelope::new(
            &InvitationResent {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                invitation_id: InvitationId::random(),
                expires_at: Utc.with_ymd_and_hms(2026, 6, 8, 8, 30, 0).unwrap(),
            },
            context(),
        ),
        "invitation.revoked" => Envelope::new(
            &InvitationRevoked {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                invitation_id: InvitationId::random(),
            },
            context(),
        ),
        "user.sessions_ended" => Envelope::new(
            &SessionsEnded {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                session_ids: vec!["8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into()],
                all: false,
            },
            context(),
        ),
        "auth.signed_in" => Envelope::new(
            &SignedIn {
                user_id: UserId::random(),
                tenant_id: Some(TenantId::random()),
                session_id: "cp-8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into(),
                client_id: "console".into(),
                upstream: "customer".into(),
                amr: vec!["pwd".into()],
            },
            context(),
        ),
        "auth.sign_in_refused" => Envelope::new(
            &SignInRefused {
                client_id: ApplicationId::random().to_string(),
                upstream: "workforce".into(),
                reason: "not_admitted".into(),
            },
            context(),
        ),
        "auth.grant_refused" => Envelope::new(
            &GrantRefused {
                user_id: UserId::random(),
                tenant_id: None,
                session_id: "cp-8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into(),
                client_id: "cpctl".into(),
                grant_type: "refresh_token".into(),
                replayed: true,
            },
            context(),
        ),
        "auth.signed_out" => Envelope::new(
            &SignedOut {
                user_id: UserId::random(),
                tenant_id: Some(TenantId::random()),
                session_id: "cp-8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into(),
                client_id: None,
            },
            context(),
        ),
        "auth.backchannel_logout_delivered" => Envelope::new(
            &BackchannelLogoutDelivered {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                session_id: "cp-8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into(),
                client_id: ApplicationId::random().to_string(),
            },
            context(),
        ),
        "auth.backchannel_logout_failed" => Envelope::new(
            &BackchannelLogoutFailed {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                session_id: "cp-8b2f5d6e-0c1a-4f5e-9a7b-3c2d1e0f9a8b".into(),
                client_id: ApplicationId::random().to_string(),
                reason: "unreachable".into(),
                retried: true,
            },
            context(),
        ),
        "tenant.settings_changed" => Envelope::new(
            &TenantSettingsChanged {
                tenant_id: TenantId::random(),
                before: TenantSettings::default(),
                after: TenantSettings::default().with(Some(14), None).unwrap(),
            },
            context(),
        ),
        "tenant.sso_changed" => Envelope::new(
            &TenantSsoChanged {
                tenant_id: TenantId::random(),
                issuer: Some("https://login.example.com/tenant/v2.0".into()),
                client_id: Some("9a1b".into()),
                secret_changed: true,
            },
            context(),
        ),
        "audit.reported" => Envelope::new(
            &AuditEventReported {
                tenant_id: TenantId::random(),
                application_id: ApplicationId::random(),
                event_id: "evt-123".into(),
                timestamp: Utc.with_ymd_and_hms(2026, 6, 1, 8, 29, 0).unwrap(),
                actor_id: "user-42".into(),
                event_type: "invoice.download".into(),
                resource_id: "invoice/2026-05".into(),
                outcome: cp_domain::Outcome::Success,
                ip_address: "203.0.113.7".parse().unwrap(),
                metadata: serde_json::json!({"format": "pdf"})
                    .as_object()
                    .unwrap()
                    .clone(),
            },
            context(),
        ),
        "audit.export_requested" => Envelope::new(
            &AuditExportRequested {
                export_id: cp_domain::AuditExportId::random(),
                tenant_id: Some(TenantId::random()),
                from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                to: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
                actor_id: None,
                action: Some("user.role_change".into()),
                outcome: Some(cp_domain::Outcome::Failure),
            },
            context(),
        ),
        "audit.export_finished" => Envelope::new(
            &AuditExportFinished {
                export_id: cp_domain::AuditExportId::random(),
                tenant_id: None,
                status: cp_domain::ExportStatus::Succeeded,
                records: Some(1200),
                sha256: Some("ab".repeat(32)),
                integrity: Some(cp_domain::Integrity::Verified {
                    records: 1200,
                    digests: 2,
                    digested_through: 1100,
                    not_yet_digested: 100,
                }),
                failure: None,
            },
            context(),
        ),
        "personal_data.read" => Envelope::new(
            &PersonalDataRead {
                tenant_id: Some(TenantId::random()),
                data: PersonalData::Members,
                resource: "tenant/x/users".into(),
                subjects: vec![cp_domain::UserId::random().to_string()],
                count: 1,
                query: [("role".to_owned(), "Admin".to_owned())].into(),
            },
            context(),
        ),
        other => panic!("no sample for event type {other}: add one"),
    }
    .unwrap()
}

#[test]
fn every_event_type_matches_its_json_schema() {
    let envelope_schema = jsonschema::validator_for(&load("envelope.v1.schema.json")).unwrap();
    for t in ALL_TYPES {
        let envelope = sample(t.name);
        assert_eq!(envelope.event_type, t.name);
        assert_eq!(envelope.version, t.version);
        let json = serde_json::to_value(&envelope).unwrap();
        let errors: Vec<String> = envelope_schema
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{} envelope: {errors:?}", t.name);

        let data_schema =
            jsonschema::validator_for(&load(&format!("{}.v{}.schema.json", t.name, t.version)))
                .unwrap();
        let errors: Vec<String> = data_schema
            .iter_errors(&json["data"])
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{} data: {errors:?}", t.name);
    }
}

#[test]
fn every_schema_file_belongs_to_an_event_type() {
    for entry in std::fs::read_dir(schema_dir()).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = file.strip_suffix(".schema.json") else {
            continue;
        };
        if stem == "envelope.v1" {
            continue;
        }
        assert!(
            ALL_TYPES
                .iter()
                .any(|t| format!("{}.v{}", t.name, t.version) == stem),
            "{file} has no event type in cp_events::ALL_TYPES"
        );
    }
}

#[test]
fn schemas_reject_what_the_types_would_never_write() {
    let data_schema =
        jsonschema::validator_for(&load("tenant.provisioned.v1.schema.json")).unwrap();
    let mut data = serde_json::to_value(sample("tenant.provisioned")).unwrap()["data"].clone();
    data["plan"] = "Gold".into();
    assert!(!data_schema.is_valid(&data));
    data["plan"] = "Pro".into();
    data["owner_email"] = "someone@example.com".into();
    assert!(
        !data_schema.is_valid(&data),
        "personal data must not slip into the event"
    );
}

#[test]
fn fr_log_003_every_event_type_names_its_audit_action() {
    assert_eq!(
        cp_events::audit_action("tenant.provisioned"),
        "tenant.create"
    );
    assert_eq!(cp_events::audit_action("something.new"), "something.new");
    let envelope = sample("tenant.provisioned");
    let payload: TenantProvisioned = envelope.payload().unwrap();
    assert_eq!(envelope.resource, format!("tenant/{}", payload.tenant_id));
    assert_eq!(envelope.tenant_id, Some(payload.tenant_id));
}
