//! The isolation matrix of tenant administration from the attacker's side
//! (CC-AUTH-003): other tenants' ids find nothing, the tenant comes from the
//! token, and the User role is refused every administrative endpoint.

use crate::support::fixtures::stored_tenant;
use crate::support::members::{fresh_email, join, me, onboarded, open_invitation};
use cp_api::{InvitationDetailView, MemberView, PageView};
use cp_tests::{delete, get, get_json, operator, problem, send_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn cc_auth_003_every_tenant_admin_endpoint_refuses_users_and_hides_other_tenants() {
    let victim = onboarded().await;
    let attacker = onboarded().await;
    let (_, user_token, _) = join(&victim, "User").await;
    let (_, member_token, victim_member) = join(&victim, "User").await;
    assert_eq!(me(&member_token).await.status(), StatusCode::OK);
    let pending: InvitationDetailView =
        open_invitation(&victim.owner_token, &fresh_email("pending"), "User").await;
    let victim_sessions: Value = get_json(
        &victim.owner_token,
        &format!("/v1/users/{victim_member}/sessions"),
    )
    .await;
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
    let member: MemberView =
        get_json(&victim.owner_token, &format!("/v1/users/{victim_member}")).await;
    assert_eq!(member.status, cp_domain::UserStatus::Active);
    let open: Value = get_json(&victim.owner_token, "/v1/invitations").await;
    assert!(open.to_string().contains(&pending.id.to_string()));
    let still: Value = get_json(
        &victim.owner_token,
        &format!("/v1/users/{victim_member}/sessions"),
    )
    .await;
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
    let theirs: PageView<MemberView> = get_json(
        &attacker.owner_token,
        &format!("/v1/users?tenant_id={victim_id}"),
    )
    .await;
    assert_eq!(theirs.items.len(), 1, "only the attacker's own Owner");
    assert_ne!(theirs.items[0].id, victim_member);
    let settings: Value = get_json(&victim.owner_token, "/v1/tenant/settings").await;
    assert_eq!(settings["invitation_ttl_days"], 7);
    let tenant = stored_tenant(victim.tenant_id).await;
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
