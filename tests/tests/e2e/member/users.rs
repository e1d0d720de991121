//! Members' changes and listing (FR-TENANT-006, NFR-CAP-002): a stale
//! version is refused, racing changes from one read end as one, disabling
//! and deleting end access, and members are listed in cursor pages.

use crate::support::fixtures;
use crate::support::members::{etag_of, invite, join, me, onboarded, patch_user, set_status};
use cp_api::{InvitationDetailView, MemberView, PageView};
use cp_domain::Role;
use cp_tests::{delete, get, get_json, pages, problem, unique};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn fr_tenant_006_a_stale_version_is_refused_and_disable_delete_end_access() {
    let org = onboarded().await;
    let (person, token, user_id) = join(&org, "User").await;
    let etag = etag_of(&org.owner_token, user_id).await;

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
    let now: MemberView = get_json(&org.owner_token, &format!("/v1/users/{user_id}")).await;
    assert_eq!(
        (now.role, now.status),
        (Role::Administrator, cp_domain::UserStatus::Active)
    );

    // Disabled: every token of theirs is refused, and so is a new sign-in;
    // enabled again, a new sign-in works.
    let disabled = set_status(&org.owner_token, user_id, "Disabled").await;
    assert_eq!(disabled.status(), StatusCode::OK);
    problem(me(&token).await, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    fixtures::refused(person.try_sign_in().await);
    let enabled = set_status(&org.owner_token, user_id, "Active").await;
    assert_eq!(enabled.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(me(&person.sign_in().await).await.status(), StatusCode::OK);

    // Deleted: gone from the list; their token no longer resolves and they
    // cannot sign in.
    let fresh = person.sign_in().await;
    let deleted = delete(&org.owner_token, &format!("/v1/users/{user_id}")).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(me(&fresh).await.status().is_client_error());
    fixtures::refused(person.try_sign_in().await);
    let listed: PageView<MemberView> = get_json(
        &org.owner_token,
        &format!("/v1/users?email={}", person.email),
    )
    .await;
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

    let admins: PageView<MemberView> = get_json(
        &org.owner_token,
        &format!("/v1/users?email={prefix}&role=Administrator&status=Invited"),
    )
    .await;
    assert_eq!(admins.items.len(), 2);
    let active: PageView<MemberView> = get_json(&org.owner_token, "/v1/users?status=Active").await;
    assert_eq!(active.items.len(), 1, "only the Owner has accepted");
    problem(
        get(&org.owner_token, "/v1/users?status=Gone").await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
}

/// Racing administrators who read the same version: exactly one change
/// goes in, the others are told (ERR-VAL-409), and nothing is lost.
#[tokio::test]
async fn fr_tenant_006_of_racing_changes_from_one_read_exactly_one_goes_in() {
    let org = onboarded().await;
    let (_, _, user_id) = join(&org, "User").await;
    let etag = etag_of(&org.owner_token, user_id).await;
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
    let stored: MemberView = get_json(&org.owner_token, &format!("/v1/users/{user_id}")).await;
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
