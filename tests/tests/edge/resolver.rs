//! The principal resolver behind the edge, against moto server: who is
//! admitted, who is denied, and how revocation takes effect.

use crate::support::fixtures;
use chrono::{DateTime, Duration, Utc};
use cp_auth::{PrincipalResolver, TokenClaims};
use cp_domain::{Actor, Error, PlatformRole, Principal, Role, UserId, UserStatus};
use cp_events::EventContext;
use cp_tests::{store, unique};

const ISSUER: &str = "https://login.example.test/tenant/v2.0";

fn claims(subject: &str, issued_at: DateTime<Utc>, roles: &[&str]) -> TokenClaims {
    TokenClaims {
        issuer: ISSUER.into(),
        subject: subject.into(),
        issued_at,
        authenticated_at: None,
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        client_id: None,
        scopes: vec![],
        secret_id: None,
        session: None,
        verified_email: None,
    }
}

fn context() -> EventContext {
    EventContext {
        time: Utc::now(),
        actor: Actor::system("test"),
        correlation_id: "corr".into(),
    }
}

#[tokio::test]
async fn fr_sys_004_platform_people_resolve_by_role_and_get_one_user_record_at_first_sign_in() {
    let store = store().await;
    let subject = unique("operator");
    let token = claims(&subject, Utc::now(), &["Operator"]);
    let principal = PrincipalResolver::new(store.clone())
        .resolve(&token)
        .await
        .unwrap();
    let expected_id = UserId::for_platform_identity(ISSUER, &subject);
    assert_eq!(
        principal,
        Principal::Platform {
            user_id: expected_id,
            roles: vec![PlatformRole::Operator]
        }
    );
    assert_eq!(principal.tenant_id(), None);
    assert_eq!(store.identity(ISSUER, &subject).await.unwrap(), None);

    // Two first sign-ins racing (two functions, two processes): one record.
    let (a, b) = (
        PrincipalResolver::new(store.clone()),
        PrincipalResolver::new(store.clone()),
    );
    let (ra, rb) = tokio::join!(
        a.sign_in(&token, &principal, context()),
        b.sign_in(&token, &principal, context())
    );
    let created = [ra.unwrap(), rb.unwrap()];
    assert_eq!(created.iter().filter(|c| **c).count(), 1, "{created:?}");
    let binding = store.identity(ISSUER, &subject).await.unwrap().unwrap();
    assert_eq!(binding.user_id, expected_id);
    assert_eq!(binding.tenant_id, None);
    // Later sign-ins reuse it.
    assert!(
        !PrincipalResolver::new(store.clone())
            .sign_in(&token, &principal, context())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn fr_sys_004_a_tenant_users_identity_cannot_sign_in_as_a_platform_person() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("owner");
    fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    let token = claims(&subject, Utc::now(), &["Operator"]);
    let resolver = PrincipalResolver::new(store.clone());
    let principal = resolver.resolve(&token).await.unwrap();
    assert_eq!(
        resolver.sign_in(&token, &principal, context()).await,
        Err(Error::AccessDenied)
    );
    // The binding still points at the tenant user.
    let binding = store.identity(ISSUER, &subject).await.unwrap().unwrap();
    assert_eq!(binding.tenant_id, Some(p.tenant.id));
}

#[tokio::test]
async fn tenant_users_are_found_by_issuer_and_subject() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("owner");
    fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    let principal = PrincipalResolver::new(store.clone())
        .resolve(&claims(&subject, Utc::now(), &[]))
        .await
        .unwrap();
    assert_eq!(
        principal,
        Principal::TenantUser {
            user_id: p.owner.id,
            tenant_id: p.tenant.id,
            role: Role::Owner
        }
    );
    // The same subject at another issuer is somebody else.
    let mut elsewhere = claims(&subject, Utc::now(), &[]);
    elsewhere.issuer = "https://evil.example".into();
    assert_eq!(
        PrincipalResolver::new(store.clone())
            .resolve(&elsewhere)
            .await,
        Err(Error::AccessDenied)
    );
}

#[tokio::test]
async fn con_sec_009_unknown_identities_and_not_yet_active_users_are_denied_alike() {
    let store = store().await;
    let resolver = PrincipalResolver::new(store.clone());
    let unknown = resolver
        .resolve(&claims(&unique("nobody"), Utc::now(), &[]))
        .await;
    assert_eq!(unknown, Err(Error::AccessDenied));

    // Bound but still Invited (has not accepted): the same answer.
    let p = fixtures::tenant(&store).await;
    let subject = unique("invitee");
    let mut owner = fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    owner.status = UserStatus::Invited;
    fixtures::save_user(&store, &owner).await;
    let invited = PrincipalResolver::new(store.clone())
        .resolve(&claims(&subject, Utc::now(), &[]))
        .await;
    assert_eq!(invited, unknown);
}

#[tokio::test]
async fn uc_tenant_user_status_update_disabling_ends_sessions_and_denies_new_ones() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("user");
    let mut user = fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    let before = Utc::now() - Duration::seconds(5);
    let resolver = PrincipalResolver::new(store.clone());
    assert!(
        resolver
            .resolve(&claims(&subject, before, &[]))
            .await
            .is_ok()
    );

    let now = Utc::now();
    user.status = UserStatus::Disabled;
    user.revoke_sessions(now);
    fixtures::save_user(&store, &user).await;
    // The cached binding does not keep the user in.
    assert_eq!(
        resolver.resolve(&claims(&subject, before, &[])).await,
        Err(Error::SessionExpired)
    );
    let after = now + Duration::seconds(2);
    assert_eq!(
        resolver.resolve(&claims(&subject, after, &[])).await,
        Err(Error::AccessDenied)
    );
}

#[tokio::test]
async fn uc_tenant_suspend_suspension_revokes_every_session_of_the_tenant_at_once() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("member");
    fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    let resolver = PrincipalResolver::new(store.clone());
    let issued = Utc::now() - Duration::seconds(1);
    assert!(
        resolver
            .resolve(&claims(&subject, issued, &[]))
            .await
            .is_ok()
    );

    let mut tenant = store.tenant(p.tenant.id).await.unwrap().unwrap();
    let suspended_at = Utc::now();
    tenant.suspend(None, suspended_at).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    assert_eq!(
        resolver.resolve(&claims(&subject, issued, &[])).await,
        Err(Error::SessionExpired)
    );
    let fresh = suspended_at + Duration::seconds(2);
    assert_eq!(
        resolver.resolve(&claims(&subject, fresh, &[])).await,
        Err(Error::AccessDenied)
    );

    let mut tenant = store.tenant(p.tenant.id).await.unwrap().unwrap();
    tenant.resume(Utc::now()).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    assert!(
        resolver
            .resolve(&claims(&subject, fresh, &[]))
            .await
            .is_ok()
    );
    // Resuming does not bring old sessions back.
    assert_eq!(
        resolver.resolve(&claims(&subject, issued, &[])).await,
        Err(Error::SessionExpired)
    );
}

/// An Owner whose sessions were revoked just now: the resolver, their
/// subject, when, and the watermark that left.
async fn revoked_owner() -> (PrincipalResolver, String, DateTime<Utc>, DateTime<Utc>) {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("user");
    let mut user = fixtures::activate_owner(&store, &p, ISSUER, &subject).await;
    let revoked_at = Utc::now();
    user.revoke_sessions(revoked_at);
    fixtures::save_user(&store, &user).await;
    let watermark = user.sessions_valid_after.unwrap();
    (
        PrincipalResolver::new(store),
        subject,
        revoked_at,
        watermark,
    )
}

/// A token refreshed after "end all sessions" (or a disable) is issued
/// after the watermark, but it carries the sign-in it comes from
/// (`auth_time`): refused until the person signs in again.
#[tokio::test]
async fn fr_auth_005_a_token_refreshed_from_a_sign_in_before_a_revocation_is_refused() {
    let (resolver, subject, _, watermark) = revoked_owner().await;
    let issued = watermark + Duration::seconds(60);
    for (signed_in, admitted) in [
        (watermark - Duration::seconds(600), false),
        (watermark + Duration::seconds(30), true),
    ] {
        let mut token = claims(&subject, issued, &[]);
        token.session = Some(unique("sid"));
        token.authenticated_at = Some(signed_in);
        let result = resolver.resolve(&token).await;
        match admitted {
            true => assert!(result.is_ok(), "signed in at {signed_in}: {result:?}"),
            false => assert_eq!(result, Err(Error::SessionExpired)),
        }
    }
}

#[tokio::test]
async fn fr_auth_005_a_user_watermark_refuses_exactly_the_tokens_issued_before_it() {
    let (resolver, subject, revoked_at, watermark) = revoked_owner().await;
    for (issued, admitted) in [
        (watermark - Duration::seconds(1), false),
        (revoked_at, false),
        (watermark, true),
        (watermark + Duration::seconds(60), true),
    ] {
        let result = resolver.resolve(&claims(&subject, issued, &[])).await;
        assert_eq!(result.is_ok(), admitted, "issued at {issued}: {result:?}");
    }
}
