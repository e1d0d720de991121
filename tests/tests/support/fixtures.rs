//! Data the tests need, made the way the product makes it: in memory, or
//! written straight into the table (no gateway).

use crate::support::members::Person;
use chrono::Utc;
use cp_domain::tenant::provisioning::{NewIds, ProvisionTenant, Provisioned, provision};
use cp_domain::{
    ActorType, AuditRecord, EventId, Outcome, SecretToken, Session, SessionId, SessionOrigin,
    Tenant, TenantId, User, UserId, UserStatus,
};
use cp_store::{IdentityBinding, IdentityKind, Store};
use cp_tests::{stack, store, unique};

/// A provisioned tenant (through the store, as UC-PROV-001 writes it).
pub async fn tenant(store: &Store) -> Provisioned {
    tenant_with_domain(store, &unique("t")).await
}

/// A provisioned tenant with the given domain.
pub async fn tenant_with_domain(store: &Store, domain: &str) -> Provisioned {
    let command = ProvisionTenant::parse(
        Some("Fixture Ltd"),
        Some(domain),
        Some("Pro"),
        Some(&format!("owner@{domain}.example")),
    )
    .unwrap();
    let p = provision(
        command,
        NewIds::random(),
        SecretToken::generate().unwrap().hash(),
        Utc::now(),
    );
    let mut writes = store.writes();
    writes.provision(&p).unwrap();
    store.commit(writes).await.unwrap();
    p
}

/// Makes the tenant's Owner an Active user signed in as `subject` at
/// `issuer` — what accepting the invitation will do (UC-TENANT-INVITE).
pub async fn activate_owner(store: &Store, p: &Provisioned, issuer: &str, subject: &str) -> User {
    let mut owner = store
        .tenant_user(p.tenant.id, p.owner.id)
        .await
        .unwrap()
        .unwrap();
    owner.status = UserStatus::Active;
    let mut writes = store.writes();
    writes
        .replace_user(&owner)
        .unwrap()
        .bind_identity(
            issuer,
            subject,
            &IdentityBinding {
                kind: IdentityKind::Tenant,
                user_id: owner.id,
                tenant_id: Some(p.tenant.id),
            },
            Utc::now(),
        )
        .unwrap();
    store.commit(writes).await.unwrap();
    store
        .tenant_user(p.tenant.id, p.owner.id)
        .await
        .unwrap()
        .unwrap()
}

/// A session started for a member, as the OpenID Provider starts it at
/// sign-in: its id.
pub async fn started_session(store: &Store, tenant: TenantId, user: UserId) -> SessionId {
    let id = SessionId::random();
    let session = Session::started(
        tenant,
        user,
        id.clone(),
        SessionOrigin::default(),
        Utc::now(),
    );
    let mut writes = store.writes();
    writes.start_session(&session).unwrap();
    store.commit(writes).await.unwrap();
    id
}

/// Saves a changed tenant (as the lifecycle use cases will).
pub async fn save_tenant(store: &Store, tenant: &Tenant) {
    let mut writes = store.writes();
    writes.replace_tenant(tenant).unwrap();
    store.commit(writes).await.unwrap();
}

/// Saves a changed user.
pub async fn save_user(store: &Store, user: &User) {
    let mut writes = store.writes();
    writes.replace_user(user).unwrap();
    store.commit(writes).await.unwrap();
}

/// A provisioned tenant whose Owner signs in at the customers' directory
/// as a fresh subject (returned).
pub async fn tenant_owner() -> (Provisioned, String) {
    let store = store().await;
    let p = tenant(&store).await;
    let subject = unique("owner");
    activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    (p, subject)
}

/// A new sign-in of the member bound to `subject` at the customers'
/// directory, through the control plane: their access token.
pub async fn sign_in(subject: &str) -> String {
    try_sign_in(subject)
        .await
        .unwrap_or_else(|e| panic!("{subject} signs in: {e}"))
}

/// The refusal of a sign-in the control plane must refuse: `access_denied`
/// at the client's redirect, whatever the reason (nobody learns which).
pub fn refused(outcome: Result<String, String>) -> String {
    let refusal = outcome.expect_err("the sign-in must be refused");
    assert!(refusal.starts_with("access_denied"), "{refusal}");
    refusal
}

/// The same; `Err` says why the control plane refused the sign-in.
pub async fn try_sign_in(subject: &str) -> Result<String, String> {
    let person = Person {
        subject: subject.to_owned(),
        email: format!("{subject}@members.example"),
    };
    person.try_sign_in().await
}

pub fn audit_record(tenant: TenantId, at: chrono::DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        id: EventId::random(),
        timestamp: at,
        tenant_id: Some(tenant),
        actor_id: "tester".into(),
        actor_type: ActorType::System,
        action: "test.act".into(),
        resource: format!("tenant/{tenant}"),
        outcome: Outcome::Success,
        metadata: serde_json::json!({"n": 1}),
        correlation_id: "c".into(),
        source: "control-plane".into(),
        chain: None,
    }
}

pub(crate) fn provisioned() -> cp_domain::tenant::provisioning::Provisioned {
    let command = ProvisionTenant::parse(
        Some("Mocked"),
        Some("mocked"),
        Some("Pro"),
        Some("o@mocked.example"),
    )
    .unwrap();
    provision(
        command,
        NewIds::random(),
        SecretToken::generate().unwrap().hash(),
        Utc::now(),
    )
}

/// The tenant as the table holds it now.
pub async fn stored_tenant(id: TenantId) -> Tenant {
    store().await.tenant(id).await.unwrap().unwrap()
}
