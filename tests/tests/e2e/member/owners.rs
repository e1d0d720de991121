//! Owners and Administrators (FR-TENANT-004): Administrators cannot touch
//! Owners, their invitations or sessions, and a tenant always keeps one
//! Active Owner, also when Owners step down at once.

use crate::support::members::{
    fresh_email, invite, join, me, onboarded, open_invitation, patch_user, set_role, user_id,
};
use cp_api::{InvitationDetailView, MemberView};
use cp_domain::Role;
use cp_tests::{delete, get_json, problem, send_json, store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Administrators manage members, not Owners: not an Owner's invitation,
/// not an Owner's sessions.
#[tokio::test]
async fn fr_tenant_004_administrators_cannot_touch_owners_invitations_or_sessions() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let owner_id = user_id(&org.owner_token).await;
    let heir: InvitationDetailView =
        open_invitation(&org.owner_token, &fresh_email("heir"), "Owner").await;
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
    let open: Value = get_json(&org.owner_token, "/v1/invitations").await;
    assert!(open.to_string().contains(&heir.id.to_string()));
    assert_eq!(me(&org.owner_token).await.status(), StatusCode::OK);
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
        set_role(&admin_token, user_id, "Owner").await,
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
    let promoted = set_role(&org.owner_token, admin_id, "Owner").await;
    assert_eq!(promoted.status(), StatusCode::OK);
    // The promotion ended the promoted member's sessions.
    problem(
        me(&admin_token).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-440",
    )
    .await;
    let demoted = set_role(&org.owner_token, owner_id, "Administrator").await;
    assert_eq!(demoted.status(), StatusCode::OK);
    let member: MemberView = demoted.json().await.unwrap();
    assert_eq!(member.role, Role::Administrator);
}

/// FR-TENANT-004 under concurrency: the Owner count is kept in the same
/// transaction as each change, so two Owners stepping down at the same
/// moment cannot leave the tenant without one.
#[tokio::test]
async fn fr_tenant_004_two_owners_stepping_down_at_once_leave_one_owner() {
    let org = onboarded().await;
    let (second, _, second_id) = join(&org, "Administrator").await;
    let owner_id = user_id(&org.owner_token).await;
    let promoted = set_role(&org.owner_token, second_id, "Owner").await;
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
