//! The authorization server's one-time grants: taken once, atomically, and
//! a second use told apart from an unknown one.

use chrono::{Duration, Utc};
use cp_domain::oauth::authorize::SIGN_IN_LIFETIME;
use cp_domain::oauth::{
    AuthorizationRequest, CodeChallenge, CodeGrant, PendingSignIn, PeopleScope, Person,
    RefreshGrant, SignIn, Taken, Upstream,
};
use cp_domain::{Role, SecretToken, SessionId, TenantId, UserId};
use cp_tests::store;
use std::collections::BTreeSet;

fn sign_in() -> SignIn {
    SignIn {
        person: Person::Member {
            user_id: UserId::random(),
            tenant_id: TenantId::random(),
            role: Role::User,
        },
        session: SessionId::parse("s-store").unwrap(),
        upstream: Upstream::Customer,
        auth_time: Utc::now(),
        amr: vec!["pwd".into()],
        email: Some("jane@store.example".into()),
        name: None,
    }
}

fn code_grant(expires_in: Duration) -> CodeGrant {
    CodeGrant {
        client_id: "app".into(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: CodeChallenge::of("dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rno"),
        scopes: BTreeSet::from([PeopleScope::Openid]),
        nonce: Some("n".into()),
        sign_in: sign_in(),
        expires_at: Utc::now() + expires_in,
    }
}

#[tokio::test]
async fn of_racing_redemptions_of_one_code_exactly_one_is_first() {
    let store = store().await;
    let code = SecretToken::generate().unwrap();
    let grant = code_grant(Duration::seconds(60));
    store.insert_code(&code.hash(), &grant).await.unwrap();
    let races = (0..8).map(|_| {
        let store = store.clone();
        let hash = code.hash();
        tokio::spawn(async move { store.redeem_code(&hash, Utc::now()).await.unwrap() })
    });
    let mut first = 0;
    for race in races {
        match race.await.unwrap() {
            Taken::First(found) => {
                assert_eq!(found, grant);
                first += 1;
            }
            Taken::Again(found) => assert_eq!(found, grant),
            Taken::Nothing => panic!("the code was there"),
        }
    }
    assert_eq!(first, 1);
}

#[tokio::test]
async fn an_unknown_or_expired_code_is_nothing_and_a_code_is_written_once() {
    let store = store().await;
    let unknown = SecretToken::generate().unwrap();
    assert_eq!(
        store
            .redeem_code(&unknown.hash(), Utc::now())
            .await
            .unwrap(),
        Taken::Nothing
    );
    let code = SecretToken::generate().unwrap();
    store
        .insert_code(&code.hash(), &code_grant(Duration::seconds(1)))
        .await
        .unwrap();
    // DynamoDB's TTL may keep the item for days: the store itself says no.
    let later = Utc::now() + Duration::seconds(2);
    assert_eq!(
        store.redeem_code(&code.hash(), later).await.unwrap(),
        Taken::Nothing
    );
    // A code is written once: writing its hash again would reset its use.
    assert!(
        store
            .insert_code(&code.hash(), &code_grant(Duration::seconds(60)))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_refresh_token_is_spent_once_or_revoked_and_a_sign_in_state_is_taken_once() {
    let store = store().await;
    let token = SecretToken::generate().unwrap();
    let grant = RefreshGrant {
        client_id: "app".into(),
        scopes: BTreeSet::from([PeopleScope::Openid, PeopleScope::OfflineAccess]),
        sign_in: sign_in(),
        expires_at: Utc::now() + Duration::days(1),
    };
    store
        .insert_refresh_token(&token.hash(), &grant)
        .await
        .unwrap();
    let now = Utc::now();
    // Introspection reads it without spending it.
    assert_eq!(
        store.refresh_grant(&token.hash(), now).await.unwrap(),
        Some(grant.clone())
    );
    assert_eq!(
        store.spend_refresh_token(&token.hash(), now).await.unwrap(),
        Taken::First(grant.clone())
    );
    assert_eq!(store.refresh_grant(&token.hash(), now).await.unwrap(), None);
    assert_eq!(
        store.spend_refresh_token(&token.hash(), now).await.unwrap(),
        Taken::Again(grant.clone())
    );

    // A revoked one is unknown afterwards, not a replay.
    let revoked = SecretToken::generate().unwrap();
    store
        .insert_refresh_token(&revoked.hash(), &grant)
        .await
        .unwrap();
    store.revoke_refresh_token(&revoked.hash()).await.unwrap();
    assert_eq!(
        store.refresh_grant(&revoked.hash(), now).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .spend_refresh_token(&revoked.hash(), now)
            .await
            .unwrap(),
        Taken::Nothing
    );

    let state = SecretToken::generate().unwrap();
    let pending = PendingSignIn {
        request: AuthorizationRequest {
            client_id: "app".into(),
            redirect_uri: "https://app.example/cb".into(),
            scopes: BTreeSet::from([PeopleScope::Openid]),
            state: Some("client-state".into()),
            nonce: None,
            code_challenge: CodeChallenge::of("dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rno"),
            prompt: None,
            max_age: None,
            login_hint: None,
            tenant: None,
            upstream: None,
            invitation: None,
        },
        upstream: Upstream::Customer,
        verifier: "upstream-verifier".into(),
        nonce: "upstream-nonce".into(),
        expires_at: now + SIGN_IN_LIFETIME,
    };
    store.start_sign_in(&state.hash(), &pending).await.unwrap();
    assert_eq!(
        store.take_sign_in(&state.hash(), now).await.unwrap(),
        Taken::First(pending.clone())
    );
    assert_eq!(
        store.take_sign_in(&state.hash(), now).await.unwrap(),
        Taken::Again(pending)
    );
}

#[tokio::test]
async fn a_browser_sign_in_lasts_until_it_expires_or_is_ended() {
    let store = store().await;
    let cookie = SecretToken::generate().unwrap();
    let signed_in = sign_in();
    let expires = Utc::now() + Duration::hours(1);
    store
        .put_browser_sign_in(&cookie.hash(), &signed_in, expires)
        .await
        .unwrap();
    assert_eq!(
        store
            .browser_sign_in(&cookie.hash(), Utc::now())
            .await
            .unwrap(),
        Some(signed_in)
    );
    assert_eq!(
        store
            .browser_sign_in(&cookie.hash(), expires)
            .await
            .unwrap(),
        None
    );
    store.end_browser_sign_in(&cookie.hash()).await.unwrap();
    assert_eq!(
        store
            .browser_sign_in(&cookie.hash(), Utc::now())
            .await
            .unwrap(),
        None
    );
}

/// Ending a session read before an application was noted on it keeps that
/// application listed: back-channel logout tells every application that got
/// tokens of the session, however the two writes interleave.
#[tokio::test]
async fn ending_a_session_read_before_a_code_was_redeemed_keeps_the_application_listed() {
    let store = store().await;
    let (tenant, user) = (TenantId::random(), UserId::random());
    let id = crate::support::fixtures::started_session(&store, tenant, user).await;
    store
        .add_session_client(tenant, user, &id, "app-a")
        .await
        .unwrap();

    // Read, then another code of the session is redeemed, then the end.
    let (_, _, read) = store.user_tenant_session(tenant, user, &id).await.unwrap();
    let mut ending = read.unwrap();
    store
        .add_session_client(tenant, user, &id, "app-b")
        .await
        .unwrap();
    ending.ended_at = Some(Utc::now());
    let mut writes = store.writes();
    writes.end_session(&ending).unwrap();
    store.commit(writes).await.unwrap();

    let (_, _, after) = store.user_tenant_session(tenant, user, &id).await.unwrap();
    let after = after.unwrap();
    assert!(after.is_ended());
    assert!(
        after.clients.contains("app-a") && after.clients.contains("app-b"),
        "{:?}",
        after.clients
    );
}
