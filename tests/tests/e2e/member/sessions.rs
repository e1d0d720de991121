//! Sessions (FR-AUTH-005, UC-LOGOUT, UC-TENANT-SESSION-REVOKE): recorded at
//! sign-in, listed, and ended from the next request on.

use crate::support::members::{join, me, onboarded, sessions_at};
use cp_api::SessionView;
use cp_local::browser::USER_AGENT;
use cp_tests::{delete, get_json, problem, send_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn fr_auth_005_sessions_are_recorded_listed_and_ended_at_the_next_request() {
    let org = onboarded().await;
    let (person, laptop, user_id) = join(&org, "User").await;
    let phone = person.sign_in().await;
    assert_eq!(me(&phone).await.status(), StatusCode::OK);

    let listed: Value = get_json(&laptop, "/v1/me/sessions").await;
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
    let theirs = sessions_at(&org.owner_token, &format!("/v1/users/{user_id}/sessions")).await;
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
    // The phone's sign-in records its session, with the browser it came from.
    let phone = person.sign_in().await;
    let sessions = sessions_at(&laptop, "/v1/me/sessions").await;
    let on_phone = sessions.iter().find(|s| !s.current).unwrap().clone();
    assert_eq!(on_phone.user_agent.as_deref(), Some(USER_AGENT));
    assert!(on_phone.ip_address.is_some());
    assert_eq!(me(&phone).await.status(), StatusCode::OK);

    // Somebody else's session, named through one's own sessions: not
    // found, and it goes on.
    let (_, colleague, _) = join(&org, "User").await;
    let theirs = sessions_at(&colleague, "/v1/me/sessions").await;
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
    let after = sessions_at(&laptop, "/v1/me/sessions").await;
    let phone_now = after.iter().find(|s| s.id == on_phone.id).unwrap();
    assert!(phone_now.ended_at.is_some(), "{after:?}");
}
