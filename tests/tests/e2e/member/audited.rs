//! Tenant administration in the tenant's trail: reads of other people's
//! data (CON-SEC-002) and every change, once, by whoever made it
//! (FR-LOG-003).

use crate::support::members::{fresh_email, invite, join, me, onboarded, open_invitation, user_id};
use cp_api::{InvitationDetailView, PageView};
use cp_tests::{get, get_json, send_json, unique};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
            let page: PageView<cp_api::AuditRecordView> = get_json(
                &org.owner_token,
                &format!(
                    "/v1/audit-records?action={}&limit=100",
                    cp_tests::READ_ACTION
                ),
            )
            .await;
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
    let withdrawn: InvitationDetailView =
        open_invitation(&org.owner_token, &fresh_email("withdrawn"), "User").await;
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
