//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the
//! session ends here and at the directory, and the person comes back only
//! to an address the client registered; attacked as its §6 describes
//! (open redirect, logout CSRF, forged hints, clickjacking).

use crate::support::fixtures;
use crate::support::sign_in::{
    assert_never_framed, assert_own_page, authorize_url, person, recorded, redeem, token, userinfo,
};
use cp_local::browser::{Browser, Pkce, location_of, query_param};
use cp_local::stack::{CONSOLE_CALLBACK, CONSOLE_CLIENT_ID};
use cp_tests::{stack, store, unique, url};
use reqwest::{StatusCode, Url};
use serde_json::{Map, Value, json};

/// The console's post-logout URI, as registered.
fn home() -> String {
    format!("{}/", stack().gateway_url)
}

/// `subject` signs in to the console at `idp` in `browser`; its tokens.
async fn console_sign_in(
    browser: &mut Browser,
    idp: &str,
    subject: &str,
    claims: &Map<String, Value>,
) -> Value {
    let redirect = format!("{}{CONSOLE_CALLBACK}", stack().gateway_url);
    let pkce = Pkce::new();
    let back = browser
        .authorize(
            &authorize_url(CONSOLE_CLIENT_ID, &redirect, &pkce, &[("idp", idp)]),
            subject,
            claims,
        )
        .await
        .unwrap();
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let response = redeem(CONSOLE_CLIENT_ID, None, &code, &redirect, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn logout_url(params: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&url("/oauth2/logout")).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

async fn refresh_status(tokens: &Value) -> StatusCode {
    let refreshed = token(
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONSOLE_CLIENT_ID),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
        None,
    )
    .await;
    refreshed.status()
}

async fn userinfo_status(access_token: &str) -> StatusCode {
    userinfo(access_token).await.status()
}

#[tokio::test]
async fn fr_auth_005_logout_ends_the_session_here_and_at_the_directory_and_returns_to_the_client() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("leaving");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let mut browser = Browser::new(&stack().gateway_url);
    let tokens = console_sign_in(
        &mut browser,
        "customer",
        &subject,
        &person("l@member.example"),
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(access).await, StatusCode::OK);

    let logout = logout_url(&[
        ("id_token_hint", tokens["id_token"].as_str().unwrap()),
        ("post_logout_redirect_uri", &home()),
        ("state", "bye"),
    ]);
    // The hint names this browser's session: no question asked. On to the
    // directory the person signed in at, to end the session there too.
    let first = browser.get(&logout).await.unwrap();
    let directory = location_of(&first).unwrap();
    assert!(
        directory.starts_with(&stack().customer_issuer) && directory.contains("end_session"),
        "{directory}"
    );
    let directory = Url::parse(&directory).unwrap();
    assert_eq!(
        query_param(&directory, "post_logout_redirect_uri").unwrap(),
        url("/oauth2/logged-out")
    );
    // The browser's sign-in here is over.
    assert!(!browser.cookies.contains_key("cp_sign_in"));
    let back = browser
        .end_session_at_directory(directory.as_str())
        .await
        .unwrap();
    let last = browser.get(&back).await.unwrap();
    let landed = Url::parse(&location_of(&last).unwrap()).unwrap();
    assert_eq!(landed.as_str(), format!("{}?state=bye", home()));

    // Every grant of the session is refused from now on ...
    assert_eq!(refresh_status(&tokens).await, StatusCode::BAD_REQUEST);
    assert_eq!(userinfo_status(access).await, StatusCode::UNAUTHORIZED);
    let sessions = store
        .user_with_sessions(p.tenant.id, owner.id)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(
        !sessions.is_empty() && sessions.iter().all(|s| s.is_ended()),
        "{sessions:?}"
    );
    // ... the trail says who signed out (UC-LOGOUT) ...
    let signed_out = recorded(&p.tenant.id.to_string(), "auth.sign_out", |r| {
        r.actor_id == owner.id.to_string()
    })
    .await;
    assert_eq!(signed_out.metadata["client_id"], CONSOLE_CLIENT_ID);
    // ... and the browser must sign in again.
    let pkce = Pkce::new();
    let again = browser
        .get(&authorize_url(
            CONSOLE_CLIENT_ID,
            &format!("{}{CONSOLE_CALLBACK}", stack().gateway_url),
            &pkce,
            &[("prompt", "none")],
        ))
        .await
        .unwrap();
    let answer = Url::parse(&location_of(&again).unwrap()).unwrap();
    assert_eq!(
        query_param(&answer, "error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn fr_auth_005_a_platform_persons_logout_ends_their_refresh_tokens_too() {
    let mut browser = Browser::new(&stack().gateway_url);
    let claims = json!({"roles": ["Operator"], "email": "op@corp.example", "email_verified": true});
    let tokens = console_sign_in(
        &mut browser,
        "workforce",
        &unique("operator"),
        claims.as_object().unwrap(),
    )
    .await;
    let rotated: Value = token(
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONSOLE_CLIENT_ID),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let response = browser
        .logout(&logout_url(&[(
            "id_token_hint",
            tokens["id_token"].as_str().unwrap(),
        )]))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a page: no URI was asked for"
    );
    assert_eq!(refresh_status(&rotated).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_logout_request_cannot_redirect_anywhere_unregistered_nor_sign_anyone_out_unasked() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("csrf-victim");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let mut browser = Browser::new(&stack().gateway_url);
    let tokens = console_sign_in(
        &mut browser,
        "customer",
        &subject,
        &person("v@member.example"),
    )
    .await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();

    // Open redirects: nothing but the client's exact registered URI.
    for evil in [
        "https://evil.example/".to_owned(),
        format!("{}x", home()),
        format!("{}?next=https://evil.example", home()),
        format!("{}{CONSOLE_CALLBACK}", stack().gateway_url),
    ] {
        assert_own_page(&logout_url(&[
            ("client_id", CONSOLE_CLIENT_ID),
            ("post_logout_redirect_uri", &evil),
        ]))
        .await;
    }
    // Without a client to vouch for it, no URI is registered.
    assert_own_page(&logout_url(&[("post_logout_redirect_uri", &home())])).await;
    // A forged hint, or a client that is not the hint's audience.
    let forged = {
        let mut parts: Vec<String> = id_token.split('.').map(str::to_owned).collect();
        parts[2] = parts[2].chars().rev().collect();
        parts.join(".")
    };
    assert_own_page(&logout_url(&[("id_token_hint", &forged)])).await;
    assert_own_page(&logout_url(&[
        ("id_token_hint", id_token),
        ("client_id", "cpctl"),
    ]))
    .await;
    // An access token is no ID token.
    assert_own_page(&logout_url(&[("id_token_hint", access)])).await;

    // Logout CSRF: a link to the endpoint without the session's ID token
    // (or with a made-up confirmation) signs nobody out; the person is
    // asked, on a page that cannot be framed.
    for attack in [
        logout_url(&[("client_id", CONSOLE_CLIENT_ID)]),
        logout_url(&[("confirm", "0000")]),
    ] {
        let page = browser.get(&attack).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_never_framed(&page);
        let html = page.text().await.unwrap();
        assert!(html.contains("Sign out"), "{html}");
        assert_eq!(userinfo_status(access).await, StatusCode::OK);
    }
    // The person confirms: the page's own link signs them out.
    let page = browser
        .get(&logout_url(&[("client_id", CONSOLE_CLIENT_ID)]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = page
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let confirmed = browser
        .logout(&format!("{}{link}", stack().gateway_url))
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(userinfo_status(access).await, StatusCode::UNAUTHORIZED);
}
