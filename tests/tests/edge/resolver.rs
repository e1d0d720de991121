//! The principal resolver behind the edge, and the first sign-in of a
//! platform person, against moto server: who is admitted, who is denied,
//! and how the end of a session and revocation take effect.
//!
//! The claims are those of the control plane's own access tokens (the edge
//! has verified them): `sub` is the user id, `tid` a member's tenant, `sid`
//! the control plane session.

use crate::support::fixtures;
use chrono::{DateTime, Duration, Utc};
use cp_auth::{Admission, Admitted, Client, PrincipalResolver, TokenClaims, UpstreamIdentity};
use cp_domain::oauth::{ClientConfig, ClientRegistration, SignIn, Upstream};
use cp_domain::{
    Actor, Error, PlatformRole, Principal, Role, SessionId, SessionOrigin, TenantId, UserId,
    UserStatus,
};
use cp_events::EventContext;
use cp_store::Store;
use cp_tests::{stack, store, unique};

/// A platform person's token claims: `roles`, no tenant.
fn staff(user: UserId, session: &SessionId, roles: &[&str]) -> TokenClaims {
    TokenClaims {
        issuer: stack().token_issuer.clone(),
        subject: user.to_string(),
        issued_at: Utc::now(),
        authenticated_at: Some(Utc::now()),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        client_id: Some("console".into()),
        scopes: vec!["openid".into()],
        secret_id: None,
        session: Some(session.to_string()),
        tenant: None,
    }
}

/// A member's token claims, of a sign-in at `signed_in_at`.
fn member(
    tenant: TenantId,
    user: UserId,
    session: &SessionId,
    signed_in_at: DateTime<Utc>,
) -> TokenClaims {
    TokenClaims {
        tenant: Some(tenant.to_string()),
        authenticated_at: Some(signed_in_at),
        issued_at: signed_in_at,
        roles: vec![],
        ..staff(user, session, &[])
    }
}

/// A tenant with its Owner Active, and a session of theirs.
async fn owner_signed_in(store: &Store) -> (TenantId, UserId, SessionId) {
    let p = fixtures::tenant(store).await;
    fixtures::activate_owner(store, &p, &stack().customer_issuer, &unique("owner")).await;
    let session = fixtures::started_session(store, p.tenant.id, p.owner.id).await;
    (p.tenant.id, p.owner.id, session)
}

fn context() -> EventContext {
    EventContext {
        time: Utc::now(),
        actor: Actor::system("test"),
        correlation_id: "corr".into(),
    }
}

#[tokio::test]
async fn platform_people_hold_the_roles_of_their_sign_in_until_its_session_ends() {
    let store = store().await;
    let resolver = PrincipalResolver::new(store.clone());
    let user = UserId::random();
    let session = SessionId::random();
    assert_eq!(
        resolver
            .resolve(&staff(user, &session, &["Operator", "Unknown"]))
            .await,
        Ok(Principal::Platform {
            user_id: user,
            roles: vec![PlatformRole::Operator]
        })
    );
    // No platform role and no tenant: nobody.
    assert_eq!(
        resolver.resolve(&staff(user, &session, &[])).await,
        Err(Error::AccessDenied)
    );
    // An application's own token (its `sub` is its client id) is no person's.
    let mut application = staff(user, &session, &["Operator"]);
    application.client_id = Some(application.subject.clone());
    assert_eq!(
        resolver.resolve(&application).await,
        Err(Error::AccessDenied)
    );

    store
        .end_platform_session(&session, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        resolver
            .resolve(&staff(user, &session, &["Operator"]))
            .await,
        Err(Error::SessionExpired)
    );
}

#[tokio::test]
async fn members_are_resolved_by_user_tenant_and_session_with_their_role_as_it_is_now() {
    let store = store().await;
    let resolver = PrincipalResolver::new(store.clone());
    let (tenant, user, session) = owner_signed_in(&store).await;
    assert_eq!(
        resolver
            .resolve(&member(tenant, user, &session, Utc::now()))
            .await,
        Ok(Principal::TenantUser {
            user_id: user,
            tenant_id: tenant,
            role: Role::Owner
        })
    );
    // The same user named in another tenant is nobody there.
    let (other, _, _) = owner_signed_in(&store).await;
    assert_eq!(
        resolver
            .resolve(&member(other, user, &session, Utc::now()))
            .await,
        Err(Error::AccessDenied)
    );
    // A session the control plane never started is no session.
    assert_eq!(
        resolver
            .resolve(&member(tenant, user, &SessionId::random(), Utc::now()))
            .await,
        Err(Error::SessionExpired)
    );
}

#[tokio::test]
async fn con_sec_009_unknown_users_and_not_yet_active_users_are_denied_alike() {
    let store = store().await;
    let resolver = PrincipalResolver::new(store.clone());
    let (tenant, _, session) = owner_signed_in(&store).await;
    let unknown = resolver
        .resolve(&member(tenant, UserId::random(), &session, Utc::now()))
        .await;
    assert_eq!(unknown, Err(Error::AccessDenied));

    // Still Invited (has not accepted): the same answer.
    let p = fixtures::tenant(&store).await;
    let mut owner =
        fixtures::activate_owner(&store, &p, &stack().customer_issuer, &unique("invitee")).await;
    owner.status = UserStatus::Invited;
    fixtures::save_user(&store, &owner).await;
    let session = fixtures::started_session(&store, p.tenant.id, owner.id).await;
    let invited = resolver
        .resolve(&member(p.tenant.id, owner.id, &session, Utc::now()))
        .await;
    assert_eq!(invited, unknown);
}

#[tokio::test]
async fn uc_tenant_user_status_update_disabling_ends_sessions_and_denies_new_ones() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let mut user =
        fixtures::activate_owner(&store, &p, &stack().customer_issuer, &unique("user")).await;
    let session = fixtures::started_session(&store, p.tenant.id, user.id).await;
    let before = Utc::now() - Duration::seconds(5);
    let resolver = PrincipalResolver::new(store.clone());
    let token = member(p.tenant.id, user.id, &session, before);
    assert!(resolver.resolve(&token).await.is_ok());

    let now = Utc::now();
    user.status = UserStatus::Disabled;
    user.revoke_sessions(now);
    fixtures::save_user(&store, &user).await;
    assert_eq!(resolver.resolve(&token).await, Err(Error::SessionExpired));
    let later = fixtures::started_session(&store, p.tenant.id, user.id).await;
    let after = now + Duration::seconds(2);
    assert_eq!(
        resolver
            .resolve(&member(p.tenant.id, user.id, &later, after))
            .await,
        Err(Error::AccessDenied)
    );
}

#[tokio::test]
async fn uc_tenant_suspend_suspension_revokes_every_session_of_the_tenant_at_once() {
    let store = store().await;
    let (tenant_id, user, session) = owner_signed_in(&store).await;
    let resolver = PrincipalResolver::new(store.clone());
    let issued = Utc::now() - Duration::seconds(1);
    let old = member(tenant_id, user, &session, issued);
    assert!(resolver.resolve(&old).await.is_ok());

    let mut tenant = store.tenant(tenant_id).await.unwrap().unwrap();
    let suspended_at = Utc::now();
    tenant.suspend(None, suspended_at).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    assert_eq!(resolver.resolve(&old).await, Err(Error::SessionExpired));
    let fresh = member(
        tenant_id,
        user,
        &session,
        suspended_at + Duration::seconds(2),
    );
    assert_eq!(resolver.resolve(&fresh).await, Err(Error::AccessDenied));

    let mut tenant = store.tenant(tenant_id).await.unwrap().unwrap();
    tenant.resume(Utc::now()).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    assert!(resolver.resolve(&fresh).await.is_ok());
    // Resuming does not bring old sign-ins back.
    assert_eq!(resolver.resolve(&old).await, Err(Error::SessionExpired));
}

/// A token refreshed after "end all sessions" (or a disable) is issued
/// after the watermark, but it carries the sign-in it comes from
/// (`auth_time`): refused until the person signs in again; and the
/// watermark refuses exactly the sign-ins before it.
#[tokio::test]
async fn fr_auth_005_a_user_watermark_refuses_exactly_the_sign_ins_before_it() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let mut user =
        fixtures::activate_owner(&store, &p, &stack().customer_issuer, &unique("user")).await;
    let revoked_at = Utc::now();
    user.revoke_sessions(revoked_at);
    fixtures::save_user(&store, &user).await;
    let watermark = user.sessions_valid_after.unwrap();
    let resolver = PrincipalResolver::new(store.clone());
    let session = fixtures::started_session(&store, p.tenant.id, user.id).await;
    for (signed_in, admitted) in [
        (watermark - Duration::seconds(600), false),
        (watermark - Duration::seconds(1), false),
        (revoked_at, false),
        (watermark, true),
        (watermark + Duration::seconds(60), true),
    ] {
        let mut token = member(p.tenant.id, user.id, &session, signed_in);
        token.issued_at = watermark + Duration::seconds(120);
        let result = resolver.resolve(&token).await;
        assert_eq!(
            result.is_ok(),
            admitted,
            "signed in at {signed_in}: {result:?}"
        );
    }
}

/// The product's own client, as the OpenID Provider knows it.
fn console() -> Client {
    let registration: ClientRegistration = serde_json::from_value(serde_json::json!({
        "client_type": "public",
        "redirect_uris": ["https://console.example/callback"],
    }))
    .unwrap();
    Client::FirstParty {
        id: "console".into(),
        config: ClientConfig::parse(registration).unwrap(),
    }
}

fn workforce_identity(subject: &str) -> UpstreamIdentity {
    UpstreamIdentity {
        issuer: stack().oidc_issuer.clone(),
        subject: subject.to_owned(),
        verified_email: None,
        name: None,
        roles: vec!["Operator".into()],
        amr: vec!["pwd".into()],
        auth_time: Utc::now().timestamp(),
        session: None,
        issued_at: Utc::now().timestamp(),
    }
}

#[tokio::test]
async fn fr_sys_004_a_platform_persons_first_sign_ins_racing_create_one_user_record() {
    let store = store().await;
    let identity = workforce_identity(&unique("operator"));
    let admission = Admission::new(store.clone());
    let Admitted::Person(person) = admission
        .admit(&identity, Upstream::Workforce, &console(), None)
        .await
        .unwrap()
    else {
        panic!("a platform person")
    };
    let sign_in = |session| SignIn {
        person: person.clone(),
        session,
        upstream: Upstream::Workforce,
        auth_time: Utc::now(),
        amr: vec!["pwd".into()],
        email: None,
        name: None,
    };
    let (first, second) = (sign_in(SessionId::random()), sign_in(SessionId::random()));
    // Two functions' processes, as two browsers sign in at once.
    let twin = Admission::new(store.clone());
    let (a, b) = tokio::join!(
        admission.start(
            &first,
            &identity,
            "console",
            SessionOrigin::default(),
            context()
        ),
        twin.start(
            &second,
            &identity,
            "console",
            SessionOrigin::default(),
            context()
        ),
    );
    a.unwrap();
    b.unwrap();
    let bindings = store
        .identities(&identity.issuer, &identity.subject)
        .await
        .unwrap();
    assert_eq!(bindings.len(), 1, "one binding: {bindings:?}");
    assert_eq!(bindings[0].user_id, person.user_id());
    assert_eq!(bindings[0].tenant_id, None);
    assert_eq!(
        person.user_id(),
        UserId::for_platform_identity(&identity.issuer, &identity.subject)
    );
    // A later sign-in finds it there.
    admission
        .start(
            &sign_in(SessionId::random()),
            &identity,
            "console",
            SessionOrigin::default(),
            context(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn fr_sys_004_a_members_identity_is_never_admitted_as_a_platform_person() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("owner");
    fixtures::activate_owner(&store, &p, &stack().oidc_issuer, &subject).await;
    let admitted = Admission::new(store.clone())
        .admit(
            &workforce_identity(&subject),
            Upstream::Workforce,
            &console(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(admitted, Admitted::Nobody);
    // The identity is still the member's, and only theirs.
    let bindings = store
        .identities(&stack().oidc_issuer, &subject)
        .await
        .unwrap();
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].tenant_id, Some(p.tenant.id));
}
