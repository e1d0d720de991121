//! Tenant administration end to end, through the local gateway with real
//! tokens of several tenants and roles: invitations and their emails (read
//! back from moto's SES), acceptance, members, sessions, plan, settings,
//! and the isolation matrix from the attacker's side.

use crate::e2e_provisioning::problem;
use chrono::{Duration as Span, Utc};
use cp_api::{InvitationDetailView, MemberView, PageView, SessionView};
use cp_domain::{EmailAddress, Invitation, InvitationId, Role, SecretToken, TenantId, UserId};
use cp_tests::{get, http, idp, operator, pages, send_json, sent_emails, store, unique, url};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// Somebody who signs in at the local provider with a verified email.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    subject: String,
    email: String,
}

impl Person {
    fn new(email: &str) -> Self {
        Self {
            subject: unique("person"),
            email: email.to_owned(),
        }
    }

    /// A token of a new sign-in session (its own `sid`).
    pub(crate) async fn sign_in(&self) -> String {
        let mut claims = serde_json::Map::new();
        claims.insert("email".into(), json!(self.email));
        claims.insert("email_verified".into(), json!(true));
        claims.insert("sid".into(), json!(uuid::Uuid::new_v4().to_string()));
        idp().token(&self.subject, &claims).await.unwrap()
    }
}

/// The token of the newest invitation link emailed to `email`.
async fn emailed_token(email: &str) -> String {
    let emails = sent_emails(email).await;
    let text = emails.last().expect("an invitation email").to_string();
    text.rsplit("#token=")
        .next()
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .unwrap()
}

async fn accept(token: &str, invitation_token: &str) -> Response {
    send_json(
        Method::POST,
        token,
        "/v1/invitations/accept",
        &json!({ "token": invitation_token }),
    )
    .await
}

/// A tenant provisioned by an operator, whose Owner accepted the emailed
/// invitation: the product's own onboarding (UC-PROV-001).
pub(crate) struct Org {
    pub(crate) tenant_id: TenantId,
    pub(crate) owner: Person,
    pub(crate) owner_token: String,
}

pub(crate) async fn onboarded() -> Org {
    let domain = unique("org");
    let owner = Person::new(&format!("owner@{domain}.example"));
    let created: Value = send_json(
        Method::POST,
        &operator().await,
        "/v1/tenants",
        &json!({ "name": "Org Ltd", "domain": domain, "plan": "Pro", "owner_email": owner.email }),
    )
    .await
    .json()
    .await
    .unwrap();
    let tenant_id: TenantId = created["id"].as_str().unwrap().parse().unwrap();
    let owner_token = owner.sign_in().await;
    let accepted = accept(&owner_token, &emailed_token(&owner.email).await).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    Org {
        tenant_id,
        owner,
        owner_token,
    }
}

async fn invite(token: &str, email: &str, role: &str) -> Response {
    send_json(
        Method::POST,
        token,
        "/v1/invitations",
        &json!({ "email": email, "role": role }),
    )
    .await
}

/// Invites somebody with `role` into the org and has them accept; returns
/// them with a signed-in token and their user id.
pub(crate) async fn join(org: &Org, role: &str) -> (Person, String, UserId) {
    let person = Person::new(&format!("{}@members.example", unique("m")));
    let invited = invite(&org.owner_token, &person.email, role).await;
    assert_eq!(invited.status(), StatusCode::CREATED);
    let token = person.sign_in().await;
    let accepted: Value = accept(&token, &emailed_token(&person.email).await)
        .await
        .json()
        .await
        .unwrap();
    let user_id = accepted["user_id"].as_str().unwrap().parse().unwrap();
    (person, token, user_id)
}

async fn me(token: &str) -> Response {
    get(token, "/v1/me").await
}

/// The signed-in person's user id (`GET /v1/me`).
async fn user_id(token: &str) -> UserId {
    me(token).await.json::<Value>().await.unwrap()["user_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub(crate) async fn patch_user(
    token: &str,
    user: UserId,
    body: &Value,
    if_match: Option<&str>,
) -> Response {
    let mut request = http()
        .patch(url(&format!("/v1/users/{user}")))
        .bearer_auth(token)
        .json(body);
    if let Some(version) = if_match {
        request = request.header("If-Match", version);
    }
    request.send().await.unwrap()
}

pub(crate) async fn delete(token: &str, path: &str) -> Response {
    http()
        .delete(url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn uc_tenant_invite_the_emailed_link_works_exactly_once_for_the_invited_person() {
    let org = onboarded().await;
    // The Owner's own onboarding made them an Active Owner of their tenant.
    let owner_me: Value = me(&org.owner_token).await.json().await.unwrap();
    assert_eq!(owner_me["role"], "Owner");
    assert_eq!(owner_me["tenant"]["plan"], "Pro");
    assert_eq!(owner_me["email"], org.owner.email);

    let jane = Person::new(&format!("{}@example.com", unique("jane")));
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

    // Somebody else, signed in with another verified email: refused, and
    // nothing changes.
    let mallory = Person::new("mallory@example.com").sign_in().await;
    problem(
        accept(&mallory, &link_token).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // An unverified email does not count either.
    let mut unverified = serde_json::Map::new();
    unverified.insert("email".into(), json!(jane.email));
    let unverified = idp().token(&unique("spoof"), &unverified).await.unwrap();
    problem(
        accept(&unverified, &link_token).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // The invited person: Active, bound to the identity they signed in with.
    let jane_token = jane.sign_in().await;
    problem(me(&jane_token).await, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
    let accepted = accept(&jane_token, &link_token).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let jane_me: Value = me(&jane_token).await.json().await.unwrap();
    assert_eq!(jane_me["role"], "Administrator");
    assert_eq!(jane_me["tenant_id"], org.tenant_id.to_string());

    // A second use of the link is gone.
    problem(
        accept(&jane_token, &link_token).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;
    let pending: Value = get(&org.owner_token, "/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
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
    let (first_token, second_token) = (first.sign_in().await, second.sign_in().await);
    let (a, b) = tokio::join!(accept(&first_token, &link), accept(&second_token, &link));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::GONE]);
    let (winner, loser) = if a.status() == StatusCode::OK {
        (first_token, second_token)
    } else {
        (second_token, first_token)
    };
    assert_eq!(me(&winner).await.status(), StatusCode::OK);
    problem(me(&loser).await, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
}

/// Administrators manage members, not Owners: not an Owner's invitation,
/// not an Owner's sessions.
#[tokio::test]
async fn fr_tenant_004_administrators_cannot_touch_owners_invitations_or_sessions() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let owner_id = user_id(&org.owner_token).await;
    let heir: InvitationDetailView = invite(
        &org.owner_token,
        &format!("{}@example.com", unique("heir")),
        "Owner",
    )
    .await
    .json()
    .await
    .unwrap();
    for (method, path) in [
        (Method::POST, format!("/v1/invitations/{}/resend", heir.id)),
        (Method::DELETE, format!("/v1/invitations/{}", heir.id)),
        (Method::GET, format!("/v1/users/{owner_id}/sessions")),
        (Method::DELETE, format!("/v1/users/{owner_id}/sessions")),
    ] {
        problem(
            send_json(method, &admin_token, &path, &json!(null)).await,
            StatusCode::FORBIDDEN,
            "ERR-AUTH-403",
        )
        .await;
    }
    // Nothing changed: the Owner's invitation is open, their session goes on.
    let open: Value = get(&org.owner_token, "/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
    assert!(open.to_string().contains(&heir.id.to_string()));
    assert_eq!(me(&org.owner_token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn fr_tenant_007_resend_replaces_the_link_and_revoke_withdraws_it() {
    let org = onboarded().await;
    let bob = Person::new(&format!("{}@example.com", unique("bob")));
    let invitation: InvitationDetailView = invite(&org.owner_token, &bob.email, "User")
        .await
        .json()
        .await
        .unwrap();
    let first = emailed_token(&bob.email).await;
    // Inviting the same address again: it is invited already.
    problem(
        invite(&org.owner_token, &bob.email, "User").await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;

    let resent = send_json(
        Method::POST,
        &org.owner_token,
        &format!("/v1/invitations/{}/resend", invitation.id),
        &json!(null),
    )
    .await;
    assert_eq!(resent.status(), StatusCode::OK);
    let second = emailed_token(&bob.email).await;
    assert_ne!(first, second);
    assert_eq!(sent_emails(&bob.email).await.len(), 2);
    let bob_token = bob.sign_in().await;
    problem(
        accept(&bob_token, &first).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;

    let revoked = delete(
        &org.owner_token,
        &format!("/v1/invitations/{}", invitation.id),
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    problem(
        accept(&bob_token, &second).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;
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
    let carol = Person::new(&format!("{}@example.com", unique("carol")));
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
    problem(
        accept(&carol.sign_in().await, token.expose()).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;
    // It is listed as expired, and can be sent again.
    let open: Value = get(&org.owner_token, "/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
    let listed = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == carol.email.as_str())
        .unwrap();
    assert_eq!(listed["status"], "Expired");
    // UC-TENANT-INVITE-RESEND: an expired invitation is sent again, with a
    // fresh expiry and a link that works.
    let resent: InvitationDetailView = send_json(
        Method::POST,
        &org.owner_token,
        &format!("/v1/invitations/{}/resend", invitation.id),
        &json!(null),
    )
    .await
    .json()
    .await
    .unwrap();
    let hours = (resent.expires_at - Utc::now()).num_hours();
    assert!((167..=168).contains(&hours), "7 days again: {hours} h");
    let accepted = accept(&carol.sign_in().await, &emailed_token(&carol.email).await).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    problem(
        accept(&carol.sign_in().await, token.expose()).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;

    // The Owner is a member: inviting their address is a conflict.
    problem(
        invite(&org.owner_token, &org.owner.email, "User").await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;
}

#[tokio::test]
async fn fr_tenant_004_administrators_cannot_touch_owners_and_the_last_owner_stays() {
    let org = onboarded().await;
    let (_, admin_token, admin_id) = join(&org, "Administrator").await;
    let owner_id = user_id(&org.owner_token).await;

    // Administrators: no inviting Owners, no promoting to Owner, no
    // touching Owners.
    problem(
        invite(&admin_token, "new-owner@example.com", "Owner").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let (_, _, user_id) = join(&org, "User").await;
    problem(
        patch_user(&admin_token, user_id, &json!({ "role": "Owner" }), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    for body in [json!({ "status": "Disabled" }), json!({ "role": "User" })] {
        problem(
            patch_user(&admin_token, owner_id, &body, None).await,
            StatusCode::FORBIDDEN,
            "ERR-AUTH-403",
        )
        .await;
    }
    problem(
        delete(&admin_token, &format!("/v1/users/{owner_id}")).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // The last Active Owner can be neither demoted, disabled nor deleted.
    for body in [
        json!({ "role": "Administrator" }),
        json!({ "status": "Disabled" }),
    ] {
        problem(
            patch_user(&org.owner_token, owner_id, &body, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ERR-VAL-422",
        )
        .await;
    }
    problem(
        delete(&org.owner_token, &format!("/v1/users/{owner_id}")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;

    // With a second Owner, the first may step down.
    let promoted = patch_user(
        &org.owner_token,
        admin_id,
        &json!({ "role": "Owner" }),
        None,
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    // The promotion ended the promoted member's sessions.
    problem(
        me(&admin_token).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-440",
    )
    .await;
    let demoted = patch_user(
        &org.owner_token,
        owner_id,
        &json!({ "role": "Administrator" }),
        None,
    )
    .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    let member: MemberView = demoted.json().await.unwrap();
    assert_eq!(member.role, Role::Administrator);
}

#[tokio::test]
async fn fr_tenant_006_a_stale_version_is_refused_and_disable_delete_end_access() {
    let org = onboarded().await;
    let (person, token, user_id) = join(&org, "User").await;
    let read = get(&org.owner_token, &format!("/v1/users/{user_id}")).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();

    // Two administrators change the same member from the same read: the
    // second is told, not silently applied.
    let first = patch_user(
        &org.owner_token,
        user_id,
        &json!({ "role": "Administrator" }),
        Some(&etag),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    problem(
        patch_user(
            &org.owner_token,
            user_id,
            &json!({ "status": "Disabled" }),
            Some(&etag),
        )
        .await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;
    let now: MemberView = get(&org.owner_token, &format!("/v1/users/{user_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now.role, now.status),
        (Role::Administrator, cp_domain::UserStatus::Active)
    );

    // Disabled: every token of theirs is refused; enabled again, a new
    // sign-in works.
    let disabled = patch_user(
        &org.owner_token,
        user_id,
        &json!({ "status": "Disabled" }),
        None,
    )
    .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    problem(me(&token).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    let enabled = patch_user(
        &org.owner_token,
        user_id,
        &json!({ "status": "Active" }),
        None,
    )
    .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(me(&person.sign_in().await).await.status(), StatusCode::OK);

    // Deleted: gone from the list, and their sign-in no longer resolves.
    let deleted = delete(&org.owner_token, &format!("/v1/users/{user_id}")).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        me(&person.sign_in().await).await.status(),
        StatusCode::FORBIDDEN
    );
    let listed: PageView<MemberView> = get(
        &org.owner_token,
        &format!("/v1/users?email={}", person.email),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn nfr_cap_002_users_are_listed_in_cursor_pages_filtered_and_found_by_email_prefix() {
    let org = onboarded().await;
    let prefix = unique("zed");
    for i in 0..5 {
        let role = if i % 2 == 0 { "User" } else { "Administrator" };
        let invited = invite(&org.owner_token, &format!("{prefix}-{i}@example.com"), role).await;
        assert_eq!(invited.status(), StatusCode::CREATED);
    }
    let seen: Vec<String> = pages::<MemberView>(
        &org.owner_token,
        &format!("/v1/users?email={prefix}&limit=2"),
    )
    .await
    .into_iter()
    .flat_map(|page| page.items.into_iter().map(|m| m.email))
    .collect();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("{prefix}-{i}@example.com"))
        .collect();
    assert_eq!(seen, expected, "in email order, each once");

    // Their invitations, newest first, in cursor pages too (the Owner's
    // accepted one is not open).
    let invited: Vec<String> =
        pages::<InvitationDetailView>(&org.owner_token, "/v1/invitations?limit=2")
            .await
            .into_iter()
            .flat_map(|page| page.items.into_iter().map(|i| i.email))
            .collect();
    assert_eq!(
        invited,
        expected.iter().rev().cloned().collect::<Vec<_>>(),
        "newest first, each once"
    );

    let admins: PageView<MemberView> = get(
        &org.owner_token,
        &format!("/v1/users?email={prefix}&role=Administrator&status=Invited"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(admins.items.len(), 2);
    let active: PageView<MemberView> = get(&org.owner_token, "/v1/users?status=Active")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active.items.len(), 1, "only the Owner has accepted");
    problem(
        get(&org.owner_token, "/v1/users?status=Gone").await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
}

#[tokio::test]
async fn fr_auth_005_sessions_are_recorded_listed_and_ended_at_the_next_request() {
    let org = onboarded().await;
    let (person, laptop, user_id) = join(&org, "User").await;
    let phone = person.sign_in().await;
    assert_eq!(me(&phone).await.status(), StatusCode::OK);

    let listed: Value = get(&laptop, "/v1/me/sessions").await.json().await.unwrap();
    let sessions: Vec<SessionView> = serde_json::from_value(listed["items"].clone()).unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert!(
        sessions
            .iter()
            .all(|s| s.ip_address.is_some() && s.ended_at.is_none())
    );

    // UC-LOGOUT: the current session ends; the other one goes on.
    let logout = send_json(Method::POST, &laptop, "/v1/logout", &json!(null)).await;
    assert_eq!(logout.status(), StatusCode::OK);
    problem(me(&laptop).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    assert_eq!(me(&phone).await.status(), StatusCode::OK);

    // UC-TENANT-SESSION-REVOKE: an Owner ends one session of a member...
    let tablet = person.sign_in().await;
    assert_eq!(me(&tablet).await.status(), StatusCode::OK);
    let theirs: Value = get(&org.owner_token, &format!("/v1/users/{user_id}/sessions"))
        .await
        .json()
        .await
        .unwrap();
    let theirs: Vec<SessionView> = serde_json::from_value(theirs["items"].clone()).unwrap();
    let open: Vec<&SessionView> = theirs.iter().filter(|s| s.ended_at.is_none()).collect();
    assert_eq!(open.len(), 2);
    let newest = open[0];
    let ended = delete(
        &org.owner_token,
        &format!("/v1/users/{user_id}/sessions/{}", newest.id),
    )
    .await;
    assert_eq!(ended.status(), StatusCode::OK);
    problem(me(&tablet).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    assert_eq!(me(&phone).await.status(), StatusCode::OK);

    // ...or all of them.
    let all = delete(&org.owner_token, &format!("/v1/users/{user_id}/sessions")).await;
    assert_eq!(all.status(), StatusCode::OK);
    problem(me(&phone).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
}

#[tokio::test]
async fn fr_auth_005_a_user_ends_another_of_their_own_sessions_and_never_somebody_elses() {
    let org = onboarded().await;
    let (person, laptop, _) = join(&org, "User").await;
    // The phone's first request records its session, with what it is.
    let phone = person.sign_in().await;
    let first = http()
        .get(url("/v1/me"))
        .bearer_auth(&phone)
        .header("user-agent", "Mozilla/5.0 (Phone)")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let own = |token: String| async move {
        let listed: Value = get(&token, "/v1/me/sessions").await.json().await.unwrap();
        serde_json::from_value::<Vec<SessionView>>(listed["items"].clone()).unwrap()
    };
    let sessions = own(laptop.clone()).await;
    let on_phone = sessions.iter().find(|s| !s.current).unwrap().clone();
    assert_eq!(on_phone.user_agent.as_deref(), Some("Mozilla/5.0 (Phone)"));

    // Somebody else's session, named through one's own sessions: not
    // found, and it goes on.
    let (_, colleague, _) = join(&org, "User").await;
    let theirs = own(colleague.clone()).await;
    assert_eq!(theirs.len(), 1);
    for id in [theirs[0].id.as_str(), "not-a-session"] {
        problem(
            delete(&laptop, &format!("/v1/me/sessions/{id}")).await,
            StatusCode::NOT_FOUND,
            "ERR-RES-404",
        )
        .await;
    }
    assert_eq!(me(&colleague).await.status(), StatusCode::OK);

    // From the laptop, the phone's session ends; the laptop's goes on.
    let ended = delete(&laptop, &format!("/v1/me/sessions/{}", on_phone.id)).await;
    assert_eq!(ended.status(), StatusCode::OK);
    problem(me(&phone).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    assert_eq!(me(&laptop).await.status(), StatusCode::OK);
    let after = own(laptop).await;
    let phone_now = after.iter().find(|s| s.id == on_phone.id).unwrap();
    assert!(phone_now.ended_at.is_some(), "{after:?}");
}

/// An invitation's role is what its acceptance grants and counts: it is
/// not changed while the invitation is open, so the Owner count always
/// matches the Owners.
#[tokio::test]
async fn fr_tenant_004_an_invitation_keeps_the_role_it_grants_until_accepted() {
    let org = onboarded().await;
    let owner_id = user_id(&org.owner_token).await;
    let heir = Person::new(&format!("{}@example.com", unique("heir")));
    let invitation: InvitationDetailView = invite(&org.owner_token, &heir.email, "Owner")
        .await
        .json()
        .await
        .unwrap();
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
    let heir_token = heir.sign_in().await;
    let accepted = accept(&heir_token, &emailed_token(&heir.email).await).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(
        me(&heir_token).await.json::<Value>().await.unwrap()["role"],
        "Owner"
    );

    // Two Owners, counted as two: one may step down, then the other not.
    let stepped_down = patch_user(
        &org.owner_token,
        owner_id,
        &json!({ "role": "Administrator" }),
        None,
    )
    .await;
    assert_eq!(stepped_down.status(), StatusCode::OK);
    problem(
        patch_user(
            &heir_token,
            invitation.user_id,
            &json!({ "role": "Administrator" }),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
}

/// FR-TENANT-004 under concurrency: the Owner count is kept in the same
/// transaction as each change, so two Owners stepping down at the same
/// moment cannot leave the tenant without one.
#[tokio::test]
async fn fr_tenant_004_two_owners_stepping_down_at_once_leave_one_owner() {
    let org = onboarded().await;
    let (second, _, second_id) = join(&org, "Administrator").await;
    let owner_id = user_id(&org.owner_token).await;
    let promoted = patch_user(
        &org.owner_token,
        second_id,
        &json!({ "role": "Owner" }),
        None,
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    // The promotion ended the second Owner's sessions: they sign in again
    // (in a later second than the revocation).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second_token = second.sign_in().await;

    // Each demotes themselves and disables the other, all at once.
    let demote = json!({ "role": "Administrator" });
    let disable = json!({ "status": "Disabled" });
    let (a, b, c, d) = tokio::join!(
        patch_user(&org.owner_token, owner_id, &demote, None),
        patch_user(&second_token, second_id, &demote, None),
        patch_user(&org.owner_token, second_id, &disable, None),
        patch_user(&second_token, owner_id, &disable, None),
    );
    let statuses = [a.status(), b.status(), c.status(), d.status()];
    for status in statuses {
        assert!(
            [
                StatusCode::OK,
                StatusCode::CONFLICT,
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::UNAUTHORIZED
            ]
            .contains(&status),
            "{statuses:?}"
        );
    }
    assert!(
        statuses.contains(&StatusCode::OK),
        "one change goes in: {statuses:?}"
    );

    // However the race went, exactly one Active Owner is left.
    let store = store().await;
    let mut active_owners = 0;
    for id in [owner_id, second_id] {
        let user = store.tenant_user(org.tenant_id, id).await.unwrap().unwrap();
        if user.role == Role::Owner && user.status == cp_domain::UserStatus::Active {
            active_owners += 1;
        }
    }
    assert_eq!(active_owners, 1, "{statuses:?}");
}

/// Racing administrators who read the same version: exactly one change
/// goes in, the others are told (ERR-VAL-409), and nothing is lost.
#[tokio::test]
async fn fr_tenant_006_of_racing_changes_from_one_read_exactly_one_goes_in() {
    let org = onboarded().await;
    let (_, _, user_id) = join(&org, "User").await;
    let read = get(&org.owner_token, &format!("/v1/users/{user_id}")).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let bodies = [
        json!({ "role": "Administrator" }),
        json!({ "status": "Disabled" }),
        json!({ "role": "Administrator", "status": "Disabled" }),
        json!({ "role": "User", "status": "Disabled" }),
    ];
    let answers = futures::future::join_all(
        bodies
            .iter()
            .map(|body| patch_user(&org.owner_token, user_id, body, Some(&etag))),
    )
    .await;
    let mut won = Vec::new();
    for (body, answer) in bodies.iter().zip(answers) {
        match answer.status() {
            StatusCode::OK => won.push((body.clone(), answer.json::<MemberView>().await.unwrap())),
            _ => {
                problem(answer, StatusCode::CONFLICT, "ERR-VAL-409").await;
            }
        }
    }
    assert_eq!(won.len(), 1, "exactly one of the racing changes: {won:?}");
    let (body, answered) = &won[0];
    let stored: MemberView = get(&org.owner_token, &format!("/v1/users/{user_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (stored.role, stored.status),
        (answered.role, answered.status)
    );
    let expected_role = body["role"].as_str().unwrap_or("User");
    let expected_status = body["status"].as_str().unwrap_or("Active");
    assert_eq!(stored.role, Role::parse(expected_role).unwrap());
    assert_eq!(
        serde_json::to_value(stored.status).unwrap(),
        json!(expected_status)
    );
}

#[tokio::test]
async fn fr_tenant_003_only_the_owner_changes_the_plan() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    problem(
        send_json(
            Method::PUT,
            &admin_token,
            "/v1/tenant/plan",
            &json!({ "plan": "Enterprise" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        send_json(
            Method::PUT,
            &org.owner_token,
            "/v1/tenant/plan",
            &json!({ "plan": "Gold" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    let changed = send_json(
        Method::PUT,
        &org.owner_token,
        "/v1/tenant/plan",
        &json!({ "plan": "Enterprise" }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let me: Value = me(&admin_token).await.json().await.unwrap();
    assert_eq!(me["tenant"]["plan"], "Enterprise");
    let tenant = store().await.tenant(org.tenant_id).await.unwrap().unwrap();
    assert_eq!(tenant.plan, cp_domain::Plan::Enterprise);
}

#[tokio::test]
async fn fr_auth_006_administrators_set_the_password_policy_and_invitation_lifetime_within_bounds()
{
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let settings: Value = get(&admin_token, "/v1/tenant/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["invitation_ttl_days"], 7);
    assert_eq!(settings["password_policy"]["min_length"], 8);

    for bad in [
        json!({ "password_policy": { "min_length": 6, "require_uppercase": true, "require_lowercase": true, "require_digit": true, "require_symbol": false } }),
        json!({ "invitation_ttl_days": 31 }),
        json!({ "invitation_ttl_days": 0 }),
    ] {
        problem(
            send_json(Method::PATCH, &admin_token, "/v1/tenant/settings", &bad).await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
    }
    let changed = send_json(
        Method::PATCH,
        &admin_token,
        "/v1/tenant/settings",
        &json!({
            "invitation_ttl_days": 2,
            "password_policy": { "min_length": 14, "require_uppercase": true, "require_lowercase": true, "require_digit": true, "require_symbol": true }
        }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let tenant = store().await.tenant(org.tenant_id).await.unwrap().unwrap();
    assert_eq!(tenant.settings.password_policy.min_length, 14);

    // New invitations last the configured two days.
    let invitation: InvitationDetailView = invite(
        &org.owner_token,
        &format!("{}@example.com", unique("dan")),
        "User",
    )
    .await
    .json()
    .await
    .unwrap();
    let hours = (invitation.expires_at - Utc::now()).num_hours();
    assert!((47..=48).contains(&hours), "{hours}");
}

#[tokio::test]
async fn cc_auth_003_every_tenant_admin_endpoint_refuses_users_and_hides_other_tenants() {
    let victim = onboarded().await;
    let attacker = onboarded().await;
    let (_, user_token, _) = join(&victim, "User").await;
    let (_, member_token, victim_member) = join(&victim, "User").await;
    assert_eq!(me(&member_token).await.status(), StatusCode::OK);
    let pending: InvitationDetailView = invite(
        &victim.owner_token,
        &format!("{}@example.com", unique("pending")),
        "User",
    )
    .await
    .json()
    .await
    .unwrap();
    let victim_sessions: Value = get(
        &victim.owner_token,
        &format!("/v1/users/{victim_member}/sessions"),
    )
    .await
    .json()
    .await
    .unwrap();
    let session_id = victim_sessions["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // With the victim's ids, the other tenant's Owner finds nothing.
    let by_id: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/v1/users/{victim_member}"),
            json!(null),
        ),
        (
            Method::PATCH,
            format!("/v1/users/{victim_member}"),
            json!({ "status": "Disabled" }),
        ),
        (
            Method::DELETE,
            format!("/v1/users/{victim_member}"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/v1/users/{victim_member}/sessions"),
            json!(null),
        ),
        (
            Method::DELETE,
            format!("/v1/users/{victim_member}/sessions"),
            json!(null),
        ),
        (
            Method::DELETE,
            format!("/v1/users/{victim_member}/sessions/{session_id}"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/v1/invitations/{}/resend", pending.id),
            json!(null),
        ),
        (
            Method::DELETE,
            format!("/v1/invitations/{}", pending.id),
            json!(null),
        ),
    ];
    for (method, path, body) in &by_id {
        let response = send_json(method.clone(), &attacker.owner_token, path, body).await;
        problem(response, StatusCode::NOT_FOUND, "ERR-RES-404").await;
    }
    // Nothing changed for the victim.
    let member: MemberView = get(&victim.owner_token, &format!("/v1/users/{victim_member}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member.status, cp_domain::UserStatus::Active);
    let open: Value = get(&victim.owner_token, "/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
    assert!(open.to_string().contains(&pending.id.to_string()));
    let still: Value = get(
        &victim.owner_token,
        &format!("/v1/users/{victim_member}/sessions"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(still["items"][0]["ended_at"].is_null());
    // Through one's own sessions, the victim's session is not found either.
    problem(
        delete(
            &attacker.owner_token,
            &format!("/v1/me/sessions/{session_id}"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    assert_eq!(me(&member_token).await.status(), StatusCode::OK);

    // The tenant comes from the caller's token, never from the request: a
    // body naming another tenant is refused, a query naming it is ignored.
    let victim_id = victim.tenant_id.to_string();
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/invitations",
            json!({ "tenant_id": victim_id, "email": "spy@example.com", "role": "Owner" }),
        ),
        (
            Method::PATCH,
            "/v1/tenant/settings",
            json!({ "tenant_id": victim_id, "invitation_ttl_days": 1 }),
        ),
        (
            Method::PUT,
            "/v1/tenant/plan",
            json!({ "tenant_id": victim_id, "plan": "Free" }),
        ),
    ] {
        let response = send_json(method, &attacker.owner_token, path, &body).await;
        problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    }
    let theirs: PageView<MemberView> = get(
        &attacker.owner_token,
        &format!("/v1/users?tenant_id={victim_id}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(theirs.items.len(), 1, "only the attacker's own Owner");
    assert_ne!(theirs.items[0].id, victim_member);
    let settings: Value = get(&victim.owner_token, "/v1/tenant/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["invitation_ttl_days"], 7);
    let tenant = store()
        .await
        .tenant(victim.tenant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenant.plan, cp_domain::Plan::Pro);

    // A User (role) is refused every administrative endpoint.
    let admin_endpoints: Vec<(Method, String, Value)> = [
        vec![
            (Method::GET, "/v1/users".to_owned(), json!(null)),
            (
                Method::POST,
                "/v1/invitations".to_owned(),
                json!({ "email": "x@example.com", "role": "User" }),
            ),
            (Method::GET, "/v1/invitations".to_owned(), json!(null)),
            (
                Method::PUT,
                "/v1/tenant/plan".to_owned(),
                json!({ "plan": "Free" }),
            ),
            (Method::GET, "/v1/tenant/settings".to_owned(), json!(null)),
            (
                Method::PATCH,
                "/v1/tenant/settings".to_owned(),
                json!({ "invitation_ttl_days": 3 }),
            ),
            (Method::GET, "/v1/tenant/sso".to_owned(), json!(null)),
            (
                Method::POST,
                "/v1/tenant/sso".to_owned(),
                json!({ "issuer": "https://login.example.com", "client_id": "c", "client_secret": "s" }),
            ),
            (
                Method::PUT,
                "/v1/tenant/sso".to_owned(),
                json!({ "issuer": "https://login.example.com", "client_id": "c" }),
            ),
            (Method::DELETE, "/v1/tenant/sso".to_owned(), json!(null)),
        ],
        by_id,
    ]
    .concat();
    for (method, path, body) in &admin_endpoints {
        let response = send_json(method.clone(), &user_token, path, body).await;
        problem(response, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
    }
    // Operators administer tenants from outside, not as their members.
    let operator = operator().await;
    problem(
        get(&operator, "/v1/users").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
}

#[tokio::test]
async fn uc_tenant_sso_the_owner_configures_a_validated_issuer_and_the_secret_is_sealed() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let issuer = cp_tests::stack().oidc_issuer.clone();
    let secret = format!("s3cret-{}", unique("x"));
    let body = json!({ "issuer": issuer, "client_id": "control-plane", "client_secret": secret });

    problem(
        send_json(Method::POST, &admin_token, "/v1/tenant/sso", &body).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        get(&org.owner_token, "/v1/tenant/sso").await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;

    let created = send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let shown: Value = created.json().await.unwrap();
    assert_eq!(shown["client_secret_set"], true);
    assert!(!shown.to_string().contains(&secret));
    // A second configuration is a conflict: changing it is explicit. It is
    // told before any issuer is fetched, whatever the issuer.
    for second in [
        body.clone(),
        json!({ "issuer": "https://10.0.0.1", "client_id": "c", "client_secret": "s" }),
    ] {
        problem(
            send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &second).await,
            StatusCode::CONFLICT,
            "ERR-VAL-409",
        )
        .await;
    }

    // Stored sealed: the table never holds the secret, and it opens only
    // for its own tenant.
    let config = store().await.sso(org.tenant_id).await.unwrap().unwrap();
    assert!(!format!("{:?} {}", config, config.secret.ciphertext).contains(&secret));
    let keys = cp_tests::stack().resources.keys.clone();
    let sealer = tenant_sso::seal::Sealer::new(
        aws_sdk_kms::Client::new(&cp_tests::sdk().await),
        keys["data"].clone(),
    );
    assert_eq!(
        sealer.open(org.tenant_id, &config.secret).await.unwrap(),
        secret
    );
    assert!(
        sealer
            .open(TenantId::random(), &config.secret)
            .await
            .is_err()
    );

    // An update without a secret keeps it.
    let updated = send_json(
        Method::PUT,
        &org.owner_token,
        "/v1/tenant/sso",
        &json!({ "issuer": issuer, "client_id": "control-plane-2" }),
    )
    .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let config = store().await.sso(org.tenant_id).await.unwrap().unwrap();
    assert_eq!(config.client_id, "control-plane-2");
    assert_eq!(
        sealer.open(org.tenant_id, &config.secret).await.unwrap(),
        secret
    );

    // Removed, it is gone; configured again, it is new.
    let removed = delete(&org.owner_token, "/v1/tenant/sso").await;
    assert_eq!(removed.status(), StatusCode::OK);
    problem(
        get(&org.owner_token, "/v1/tenant/sso").await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    assert!(store().await.sso(org.tenant_id).await.unwrap().is_none());
    let again = send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // The secret was never logged.
    assert!(!cp_tests::stack_log().contains(&secret));
}

#[tokio::test]
async fn uc_tenant_sso_issuers_that_would_reach_inside_are_refused_with_the_reason() {
    let org = onboarded().await;
    for issuer in [
        "http://login.example.com",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1:8443",
        "https://[fd00:ec2::254]",
        "https://10.0.0.1/tenant",
        "https://user:pw@login.example.com",
        "not a url",
    ] {
        let refused = problem(
            send_json(
                Method::POST,
                &org.owner_token,
                "/v1/tenant/sso",
                &json!({ "issuer": issuer, "client_id": "c", "client_secret": "s" }),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
        assert_eq!(
            refused["invalid_params"][0]["name"], "issuer",
            "{issuer}: {refused}"
        );
    }
    assert!(store().await.sso(org.tenant_id).await.unwrap().is_none());
}

#[tokio::test]
async fn con_sec_002_reads_of_members_invitations_sessions_and_the_trail_are_audited() {
    let org = onboarded().await;
    let (_, member_token, member_id) = join(&org, "User").await;
    let pending = format!("{}@members.example", unique("pending"));
    assert_eq!(
        invite(&org.owner_token, &pending, "User").await.status(),
        StatusCode::CREATED
    );
    let owner: Value = me(&org.owner_token).await.json().await.unwrap();
    let owner_id = owner["user_id"].as_str().unwrap().to_owned();
    // The member's first request records their session.
    assert_eq!(me(&member_token).await.status(), StatusCode::OK);

    // The Owner reads members, one member, invitations, the member's
    // sessions; the member reads their own sessions (their own data).
    for path in [
        "/v1/users?role=User".to_owned(),
        format!("/v1/users/{member_id}"),
        "/v1/invitations".to_owned(),
        format!("/v1/users/{member_id}/sessions"),
    ] {
        assert_eq!(get(&org.owner_token, &path).await.status(), StatusCode::OK);
    }
    assert_eq!(
        get(&member_token, "/v1/me/sessions").await.status(),
        StatusCode::OK
    );
    // An auditor reads the tenant's trail.
    let auditor = cp_tests::platform_token(&unique("auditor"), &["Auditor"]).await;
    let tenant = org.tenant_id.to_string();
    assert_eq!(
        get(&auditor, &format!("/v1/audit-records?tenant_id={tenant}"))
            .await
            .status(),
        StatusCode::OK
    );

    let reads = cp_tests::eventually(
        "the reads audited",
        std::time::Duration::from_secs(30),
        || async {
            // Listing the reads is a read too: the Owner's own listings are
            // left out by actor below, and by what they read.
            let page: PageView<cp_api::AuditRecordView> = get(
                &org.owner_token,
                &format!(
                    "/v1/audit-records?action={}&limit=100",
                    cp_tests::READ_ACTION
                ),
            )
            .await
            .json()
            .await
            .unwrap();
            let reads: Vec<_> = page
                .items
                .into_iter()
                .filter(|r| r.metadata["data"] != "audit_records" || r.actor_id != owner_id)
                .collect();
            (reads.len() >= 5).then_some(reads)
        },
    )
    .await;
    let by = |data: &str| {
        reads
            .iter()
            .find(|r| r.metadata["data"] == data)
            .unwrap_or_else(|| panic!("no record of reading {data}: {reads:?}"))
    };
    let members = by("members");
    assert_eq!(members.actor_id, owner_id);
    assert_eq!(members.resource, format!("tenant/{tenant}/users"));
    assert_eq!(members.metadata["query"]["role"], "User");
    // The member and the invitee (an Invited user): ids, not emails.
    assert_eq!(members.metadata["count"], 2);
    assert!(
        members.metadata["subjects"]
            .as_array()
            .unwrap()
            .contains(&json!(member_id.to_string()))
    );
    assert_eq!(
        by("member").metadata["subjects"],
        json!([member_id.to_string()])
    );
    assert_eq!(
        by("member").resource,
        format!("tenant/{tenant}/user/{member_id}")
    );
    assert_eq!(by("invitations").metadata["count"], 1);
    let sessions = by("member_sessions");
    assert_eq!(
        sessions.resource,
        format!("tenant/{tenant}/user/{member_id}/sessions")
    );
    assert_eq!(
        sessions.metadata["subjects"],
        json!([member_id.to_string()])
    );
    let trail = by("audit_records");
    let auditor_me: Value = me(&auditor).await.json().await.unwrap();
    assert_eq!(trail.actor_id, auditor_me["user_id"].as_str().unwrap());
    assert_eq!(trail.resource, format!("audit/{tenant}"));
    // Nobody's data but the member's own: not recorded.
    assert!(
        reads.iter().all(|r| r.actor_id != member_id.to_string()),
        "{reads:?}"
    );
    // The data itself stays out of the trail.
    let text = serde_json::to_string(&reads).unwrap();
    assert!(!text.contains(&pending) && !text.contains("@members.example"));
}

/// FR-LOG-003: each change of tenant administration reaches the tenant's
/// trail once, attributed to whoever made it, through the outbox and the
/// audit consumer like every other change.
#[tokio::test]
async fn fr_log_003_every_tenant_administration_change_is_in_the_tenants_trail_once() {
    let org = onboarded().await;
    let owner_id = user_id(&org.owner_token).await.to_string();
    let (_, member_token, member) = join(&org, "User").await;
    assert_eq!(me(&member_token).await.status(), StatusCode::OK);
    let withdrawn: InvitationDetailView = invite(
        &org.owner_token,
        &format!("{}@example.com", unique("withdrawn")),
        "User",
    )
    .await
    .json()
    .await
    .unwrap();
    let resend = format!("/v1/invitations/{}/resend", withdrawn.id);
    let owner = org.owner_token.as_str();
    let member_path = format!("/v1/users/{member}");
    for (method, path, body) in [
        (Method::POST, resend.as_str(), json!(null)),
        (
            Method::DELETE,
            &format!("/v1/invitations/{}", withdrawn.id),
            json!(null),
        ),
        (
            Method::PATCH,
            &member_path,
            json!({ "role": "Administrator" }),
        ),
        (Method::PATCH, &member_path, json!({ "status": "Disabled" })),
        (
            Method::DELETE,
            &format!("{member_path}/sessions"),
            json!(null),
        ),
        (Method::DELETE, &member_path, json!(null)),
        (
            Method::PUT,
            "/v1/tenant/plan",
            json!({ "plan": "Enterprise" }),
        ),
        (
            Method::PATCH,
            "/v1/tenant/settings",
            json!({ "invitation_ttl_days": 3 }),
        ),
        (
            Method::POST,
            "/v1/tenant/sso",
            json!({ "issuer": cp_tests::stack().oidc_issuer, "client_id": "c", "client_secret": unique("s") }),
        ),
    ] {
        let response = send_json(method.clone(), owner, path, &body).await;
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
    }

    let tenant = org.tenant_id.to_string();
    let by_owner = [
        "user.invited",
        "invitation.resent",
        "invitation.revoked",
        "user.role_changed",
        "user.status_changed",
        "user.sessions_ended",
        "user.removed",
        "tenant.plan_changed",
        "tenant.settings_changed",
        "tenant.sso_changed",
    ];
    let trail = cp_tests::eventually(
        "every change in the trail",
        std::time::Duration::from_secs(60),
        || async {
            let trail = cp_tests::audit_trail(owner, &tenant, "").await;
            by_owner
                .iter()
                .all(|t| trail.iter().any(|r| r.action == cp_events::audit_action(t)))
                .then_some(trail)
        },
    )
    .await;
    let of = |event_type: &str| -> Vec<&cp_api::AuditRecordView> {
        let action = cp_events::audit_action(event_type);
        trail.iter().filter(|r| r.action == action).collect()
    };
    // Two invitations by the Owner (the member's and the withdrawn one),
    // each other change once; all by the Owner, all successes.
    assert_eq!(of("user.invited").len(), 2);
    for event_type in &by_owner[1..] {
        let records = of(event_type);
        assert_eq!(records.len(), 1, "{event_type}: {records:?}");
        assert_eq!(records[0].actor_id, owner_id, "{event_type}");
        assert_eq!(records[0].outcome, cp_domain::Outcome::Success);
    }
    for event_type in ["user.role_changed", "user.status_changed", "user.removed"] {
        assert_eq!(
            of(event_type)[0].resource,
            format!("tenant/{tenant}/user/{member}")
        );
    }
    // The Owner's and the member's acceptances, each by themselves.
    let activated = of("user.activated");
    let mut actors: Vec<&str> = activated.iter().map(|r| r.actor_id.as_str()).collect();
    actors.sort_unstable();
    let member_id = member.to_string();
    let mut expected = vec![owner_id.as_str(), member_id.as_str()];
    expected.sort_unstable();
    assert_eq!(actors, expected);
}
