//! Invitations through the local gateway (UC-TENANT-INVITE, FR-TENANT-001,
//! FR-TENANT-007): the emailed link works once and only for the invited
//! person, who accepts it by signing in with it through the control plane;
//! resend replaces it, revoke withdraws it, an expired one is sent again,
//! and its role is what its acceptance grants.

use crate::support::fixtures;
use crate::support::members::{
    Person, emailed_token, invite, me, onboarded, open_invitation, patch_user, resend, set_role,
    user_id,
};
use chrono::{Duration as Span, Utc};
use cp_api::InvitationDetailView;
use cp_domain::{EmailAddress, Invitation, InvitationId, Role, SecretToken, UserId};
use cp_local::tokens::{self, Directory};
use cp_tests::{delete, get_json, problem, sent_emails, stack, store, unique};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What the control plane says at the client's redirect to a link that is
/// used, revoked, replaced or expired.
const GONE: &str = "access_denied: the invitation has expired, was revoked or was already used";
/// ... and to somebody whose directory did not verify the invited address.
const OTHER_ADDRESS: &str =
    "access_denied: the invitation was sent to another address than the one you signed in with";

#[tokio::test]
async fn uc_tenant_invite_the_emailed_link_works_exactly_once_for_the_invited_person() {
    let org = onboarded().await;
    // The Owner's own onboarding made them an Active Owner of their tenant.
    let owner_me: Value = me(&org.owner_token).await.json().await.unwrap();
    assert_eq!(owner_me["role"], "Owner");
    assert_eq!(owner_me["tenant"]["plan"], "Pro");
    assert_eq!(owner_me["email"], org.owner.email);

    let jane = Person::fresh("jane");
    let created = invite(&org.owner_token, &jane.email, "Administrator").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let invitation: InvitationDetailView = created.json().await.unwrap();
    assert_eq!(invitation.role, Role::Administrator);
    let days = (invitation.expires_at - Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "7 days by default: {days} h");

    // The email has a text and an HTML body, and the link.
    let email = sent_emails(&jane.email).await.pop().unwrap().to_string();
    assert!(
        email.contains("Org Ltd") && email.contains("<a href"),
        "{email}"
    );
    let link_token = emailed_token(&jane.email).await;

    // Somebody else, signing in with another verified email: refused, and
    // nothing changes.
    let mallory = Person::new("mallory@example.com");
    assert_eq!(
        mallory.try_accept(&link_token).await.unwrap_err(),
        OTHER_ADDRESS
    );
    // An unverified email does not count either.
    let mut unverified = tokens::verified(&jane.email, "Spoof");
    unverified.insert("email_verified".into(), json!(false));
    let spoofed = tokens::sign_in(
        &stack().gateway_url,
        Directory::Customer,
        &unique("spoof"),
        &unverified,
        &[("invitation", &link_token)],
    )
    .await
    .unwrap_err();
    assert_eq!(spoofed.to_string(), OTHER_ADDRESS);

    // The invited person: not a member before, then Active, bound to the
    // identity they signed in with.
    fixtures::refused(jane.try_sign_in().await);
    let jane_token = jane.accept(&link_token).await;
    let jane_me: Value = me(&jane_token).await.json().await.unwrap();
    assert_eq!(jane_me["role"], "Administrator");
    assert_eq!(jane_me["tenant_id"], org.tenant_id.to_string());
    // Signing in again needs no link.
    assert_eq!(me(&jane.sign_in().await).await.status(), StatusCode::OK);

    // A second use of the link is gone.
    assert_eq!(
        Person::new(&jane.email)
            .try_accept(&link_token)
            .await
            .unwrap_err(),
        GONE
    );
    let pending: Value = get_json(&org.owner_token, "/v1/invitations").await;
    assert!(!pending.to_string().contains(&jane.email), "{pending}");
}

/// One link presented at once by two identities with the same verified
/// email (two accounts at the identity provider): one acceptance, one
/// binding; the other is told the link is used.
#[tokio::test]
async fn uc_tenant_invite_racing_acceptances_of_one_link_end_as_one_member() {
    let org = onboarded().await;
    let email = format!("{}@example.com", unique("twice"));
    assert_eq!(
        invite(&org.owner_token, &email, "User").await.status(),
        StatusCode::CREATED
    );
    let link = emailed_token(&email).await;
    let (first, second) = (Person::new(&email), Person::new(&email));
    let (a, b) = tokio::join!(first.try_accept(&link), second.try_accept(&link));
    let (winner, loser) = match (a, b) {
        (Ok(_), Err(e)) => {
            assert_eq!(e, GONE);
            (first, second)
        }
        (Err(e), Ok(_)) => {
            assert_eq!(e, GONE);
            (second, first)
        }
        other => panic!("one acceptance and one refusal, not {other:?}"),
    };
    assert_eq!(me(&winner.sign_in().await).await.status(), StatusCode::OK);
    fixtures::refused(loser.try_sign_in().await);
}

#[tokio::test]
async fn fr_tenant_007_resend_replaces_the_link_and_revoke_withdraws_it() {
    let org = onboarded().await;
    let bob = Person::fresh("bob");
    let invitation: InvitationDetailView =
        open_invitation(&org.owner_token, &bob.email, "User").await;
    let first = emailed_token(&bob.email).await;
    // Inviting the same address again: it is invited already.
    problem(
        invite(&org.owner_token, &bob.email, "User").await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;

    let resent = resend(&org.owner_token, invitation.id).await;
    assert_eq!(resent.status(), StatusCode::OK);
    let second = emailed_token(&bob.email).await;
    assert_ne!(first, second);
    assert_eq!(sent_emails(&bob.email).await.len(), 2);
    assert_eq!(bob.try_accept(&first).await.unwrap_err(), GONE);

    let revoked = delete(
        &org.owner_token,
        &format!("/v1/invitations/{}", invitation.id),
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(bob.try_accept(&second).await.unwrap_err(), GONE);
    // The address is free again.
    assert_eq!(
        invite(&org.owner_token, &bob.email, "User").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn fr_tenant_001_an_expired_invitation_is_gone_until_resent_and_a_member_cannot_be_invited_twice()
 {
    let org = onboarded().await;
    // An invitation that expired (written as the use case writes it, a
    // week in the past).
    let store = store().await;
    let carol = Person::fresh("carol");
    let token = SecretToken::generate().unwrap();
    let (user, invitation) = Invitation::issue(
        (InvitationId::random(), UserId::random()),
        org.tenant_id,
        EmailAddress::parse(&carol.email).unwrap(),
        Role::User,
        token.hash(),
        Span::days(7),
        Utc::now() - Span::days(8),
    );
    let mut writes = store.writes();
    writes.invite(&user, &invitation).unwrap();
    store.commit(writes).await.unwrap();
    assert_eq!(carol.try_accept(token.expose()).await.unwrap_err(), GONE);
    // It is listed as expired, and can be sent again.
    let open: Value = get_json(&org.owner_token, "/v1/invitations").await;
    let listed = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == carol.email.as_str())
        .unwrap();
    assert_eq!(listed["status"], "Expired");
    // UC-TENANT-INVITE-RESEND: an expired invitation is sent again, with a
    // fresh expiry and a link that works.
    let resent: InvitationDetailView = resend(&org.owner_token, invitation.id)
        .await
        .json()
        .await
        .unwrap();
    let hours = (resent.expires_at - Utc::now()).num_hours();
    assert!((167..=168).contains(&hours), "7 days again: {hours} h");
    let carol_token = carol.accept(&emailed_token(&carol.email).await).await;
    assert_eq!(me(&carol_token).await.status(), StatusCode::OK);
    assert_eq!(
        Person::new(&carol.email)
            .try_accept(token.expose())
            .await
            .unwrap_err(),
        GONE
    );

    // The Owner is a member: inviting their address is a conflict.
    problem(
        invite(&org.owner_token, &org.owner.email, "User").await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;
}

/// An invitation's role is what its acceptance grants and counts: it is
/// not changed while the invitation is open, so the Owner count always
/// matches the Owners.
#[tokio::test]
async fn fr_tenant_004_an_invitation_keeps_the_role_it_grants_until_accepted() {
    let org = onboarded().await;
    let owner_id = user_id(&org.owner_token).await;
    let heir = Person::fresh("heir");
    let invitation: InvitationDetailView =
        open_invitation(&org.owner_token, &heir.email, "Owner").await;
    for body in [
        json!({ "role": "Administrator" }),
        json!({ "status": "Disabled" }),
    ] {
        problem(
            patch_user(&org.owner_token, invitation.user_id, &body, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ERR-VAL-422",
        )
        .await;
    }
    let heir_token = heir.accept(&emailed_token(&heir.email).await).await;
    assert_eq!(
        me(&heir_token).await.json::<Value>().await.unwrap()["role"],
        "Owner"
    );

    // Two Owners, counted as two: one may step down, then the other not.
    let stepped_down = set_role(&org.owner_token, owner_id, "Administrator").await;
    assert_eq!(stepped_down.status(), StatusCode::OK);
    problem(
        set_role(&heir_token, invitation.user_id, "Administrator").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
}
