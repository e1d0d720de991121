//! The authorization code flow with PKCE, end to end: the product's own
//! public client (`cpctl`) and a managed application (a confidential
//! client), a browser that keeps its sign-in, and refresh tokens that
//! rotate.

use crate::support::applications::enable;
use crate::support::fixtures;
use crate::support::sign_in::{
    LOOPBACK, app_sign_in, application_client, authorize_url, cli_code, cli_redeem, cli_refresh,
    error_of, person, redeem, verified,
};
use cp_local::browser::{Browser, Pkce, location_of, query_param};
use cp_local::stack::CLI_CLIENT_ID;
use cp_tests::{operator, stack, store, unique};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_member_signs_in_at_the_customers_directory_and_gets_the_control_planes_tokens() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("jane");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let pkce = Pkce::new();
    let mut browser = Browser::new(&stack().gateway_url);
    let back = browser
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("idp", "customer")]),
            &subject,
            &person("jane@member.example"),
        )
        .await
        .unwrap();
    // The client gets its code at the very redirect URI it asked for, with
    // its state and the issuer (RFC 9207).
    assert!(back.as_str().starts_with(LOOPBACK), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("st"));
    assert_eq!(
        query_param(&back, "iss").as_deref(),
        Some(stack().token_issuer.as_str())
    );
    let code = query_param(&back, "code").unwrap();

    let response = cli_redeem(&code, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 600);
    assert!(tokens["refresh_token"].is_string());

    let id = verified(tokens["id_token"].as_str().unwrap(), CLI_CLIENT_ID).await;
    assert_eq!(id["sub"], owner.id.to_string());
    assert_eq!(id["tid"], p.tenant.id.to_string());
    assert_eq!(id["role"], "Owner");
    assert_eq!(id["nonce"], "nn");
    assert_eq!(id["email"], "jane@member.example");
    assert_eq!(id["name"], "Jane Member");
    assert!(id["sid"].as_str().unwrap().starts_with("cp-"));
    // The product's own clients' access tokens are for the control plane's
    // API, and carry no personal data.
    let access = verified(
        tokens["access_token"].as_str().unwrap(),
        &stack().token_audience,
    )
    .await;
    assert_eq!(access["sub"], owner.id.to_string());
    assert_eq!(access["sid"], id["sid"]);
    assert_eq!(access["client_id"], CLI_CLIENT_ID);
    assert!(access.get("email").is_none() && access.get("name").is_none());
    assert_eq!(access["scope"], "openid profile email offline_access");

    // The session is the member's, listed where their sessions are.
    let sessions = store
        .user_with_sessions(p.tenant.id, owner.id)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(
        sessions
            .iter()
            .any(|s| s.id.as_str() == id["sid"].as_str().unwrap() && !s.is_ended())
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_spent_one_presented_again_ends_the_session() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("rotating");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let pkce = Pkce::new();
    let code = cli_code(&subject, &pkce).await;
    let first: Value = cli_redeem(&code, &pkce).await.json().await.unwrap();
    let spent = first["refresh_token"].as_str().unwrap();

    let response = cli_refresh(spent).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    let fresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(fresh, spent);
    let id = verified(second["id_token"].as_str().unwrap(), CLI_CLIENT_ID).await;
    assert_eq!(id["tid"], p.tenant.id.to_string());

    // The spent token again: someone else holds the family.
    let replay = cli_refresh(spent).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // ... so the session ended, and the fresh token gives nothing either.
    let after = cli_refresh(fresh).await;
    assert_eq!(after.status(), StatusCode::BAD_REQUEST);
    let sid = id["sid"].as_str().unwrap();
    let owner = store
        .user_with_sessions(p.tenant.id, p.owner.id)
        .await
        .unwrap()
        .unwrap();
    assert!(owner.1.iter().any(|s| s.id.as_str() == sid && s.is_ended()));
}

#[tokio::test]
async fn a_browser_signed_in_once_gets_the_next_code_without_the_directory_unless_asked_to_sign_in_again()
 {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("sso");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let mut browser = Browser::new(&stack().gateway_url);
    let pkce = Pkce::new();
    // prompt=none before any sign-in: no page, an error at the client.
    let none = authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("prompt", "none")]);
    let back =
        reqwest::Url::parse(&location_of(&browser.get(&none).await.unwrap()).unwrap()).unwrap();
    assert_eq!(error_of(&back).as_deref(), Some("login_required"));
    assert_eq!(query_param(&back, "state").as_deref(), Some("st"));

    browser
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("idp", "customer")]),
            &subject,
            &person("sso@member.example"),
        )
        .await
        .unwrap();
    // Signed in: the next request is answered at once, even prompt=none.
    let again = browser.get(&none).await.unwrap();
    let back = reqwest::Url::parse(&location_of(&again).unwrap()).unwrap();
    assert!(back.as_str().starts_with(LOOPBACK));
    let code = query_param(&back, "code").unwrap();
    assert_eq!(cli_redeem(&code, &pkce).await.status(), StatusCode::OK);
    // prompt=login and a max_age the sign-in is older than go to the
    // directory again.
    for extra in [("prompt", "login"), ("max_age", "0")] {
        let url = authorize_url(
            CLI_CLIENT_ID,
            LOOPBACK,
            &pkce,
            &[extra, ("idp", "customer")],
        );
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let location = location_of(&browser.get(&url).await.unwrap()).unwrap();
        assert!(
            location.starts_with(&stack().customer_issuer),
            "{extra:?}: {location}"
        );
        if extra.0 == "prompt" {
            assert!(location.contains("prompt=login"));
        }
    }
}

#[tokio::test]
async fn an_application_signs_in_only_members_of_tenants_that_use_it_and_its_tokens_are_for_it() {
    let redirect = "https://app.example/signed-in";
    let (app, client_id, client_secret) = application_client(redirect).await;
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("app-user");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let pkce = Pkce::new();
    // The tenant does not use the application: an error at its redirect.
    let refused = app_sign_in(&client_id, redirect, &subject, &pkce).await;
    assert!(refused.as_str().starts_with(redirect));
    assert_eq!(error_of(&refused).as_deref(), Some("access_denied"));

    enable(&operator().await, p.tenant.id, &app).await;
    let back = app_sign_in(&client_id, redirect, &subject, &pkce).await;
    let code = query_param(&back, "code").unwrap();
    let response = redeem(&client_id, Some(&client_secret), &code, redirect, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    let access = verified(tokens["access_token"].as_str().unwrap(), &client_id).await;
    assert_eq!(access["sub"], owner.id.to_string());
    assert_eq!(access["tid"], p.tenant.id.to_string());
    let id = verified(tokens["id_token"].as_str().unwrap(), &client_id).await;
    assert_eq!(id["azp"], client_id);
    // An application's people's tokens are not the control plane's API's.
    let edge = cp_auth::JwtVerifier::new(cp_auth::EdgeConfig::new(
        stack().token_issuer.clone(),
        vec![stack().token_audience.clone()],
    ));
    assert_eq!(
        edge.verify(tokens["access_token"].as_str().unwrap())
            .await
            .unwrap_err(),
        cp_auth::Rejection::Audience
    );
}
