//! The OpenID Provider from the attacker's side (RFC 6749 §10, RFC 9700,
//! OpenID Connect Core §16): untrusted redirect URIs, PKCE downgrade, code
//! injection and replay, login CSRF, directory mix-up, clickjacking.

use crate::support::fixtures;
use crate::support::sign_in::{
    LOOPBACK, assert_never_framed, assert_own_page, authorize_url, cli_code, cli_redeem,
    cli_refresh, error_of, person, token,
};
use cp_local::browser::{Browser, Pkce, location_of, query_param};
use cp_local::stack::{CLI_CLIENT_ID, CONSOLE_CLIENT_ID};
use cp_tests::{stack, store, unique};
use reqwest::{StatusCode, Url};
use serde_json::{Map, Value, json};

#[tokio::test]
async fn a_request_whose_client_or_redirect_uri_cannot_be_trusted_is_never_redirected() {
    let pkce = Pkce::new();
    assert_own_page(&authorize_url("no-such-client", LOOPBACK, &pkce, &[])).await;
    assert_own_page(&authorize_url(
        "2b9c3c3e-8f39-4b53-9d43-1d1f1c7b1e1a",
        LOOPBACK,
        &pkce,
        &[],
    ))
    .await;
    let console = format!("{}/callback", stack().gateway_url);
    for evil in [
        format!("{console}/"),
        format!("{console}x"),
        format!("{console}?next=https://evil.example"),
        console.replace("http://", "http://user@"),
        "https://evil.example/callback".to_owned(),
        // A loopback port may change for cpctl, not a path or a host.
        "http://127.0.0.1:49152/other".to_owned(),
        "http://localhost:49152/callback".to_owned(),
    ] {
        let client = if evil.contains(":49152") {
            CLI_CLIENT_ID
        } else {
            CONSOLE_CLIENT_ID
        };
        assert_own_page(&authorize_url(client, &evil, &pkce, &[])).await;
    }
}

/// The first redirect of an authorization request, as a URL.
async fn first_answer(url: &str) -> Url {
    let response = Browser::new(&stack().gateway_url).get(url).await.unwrap();
    Url::parse(&location_of(&response).unwrap()).unwrap()
}

#[tokio::test]
async fn pkce_is_required_of_every_client_and_only_s256() {
    let pkce = Pkce::new();
    let without: String = authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[])
        .split('&')
        .filter(|p| !p.starts_with("code_challenge"))
        .collect::<Vec<_>>()
        .join("&");
    let plain = authorize_url(
        CLI_CLIENT_ID,
        LOOPBACK,
        &pkce,
        &[
            ("code_challenge", &pkce.verifier),
            ("code_challenge_method", "plain"),
        ],
    );
    for url in [without, plain] {
        let back = first_answer(&url).await;
        assert!(back.as_str().starts_with(LOOPBACK));
        assert_eq!(error_of(&back).as_deref(), Some("invalid_request"), "{url}");
        assert_eq!(query_param(&back, "state").as_deref(), Some("st"));
    }
}

async fn code_for_new_owner() -> (String, Pkce) {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("victim");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let pkce = Pkce::new();
    (cli_code(&subject, &pkce).await, pkce)
}

async fn oauth_error(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_stolen_code_is_useless_without_its_verifier_redirect_uri_and_client() {
    let (code, pkce) = code_for_new_owner().await;
    let other = Pkce::new();
    for form in [
        // Another verifier (an injected code, RFC 9700 §4.5).
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", CLI_CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", LOOPBACK),
            ("code_verifier", other.verifier.as_str()),
        ],
        // No verifier.
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", CLI_CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", LOOPBACK),
        ],
        // Another redirect URI.
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", CLI_CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:49153/callback"),
            ("code_verifier", pkce.verifier.as_str()),
        ],
        // Another client.
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", CONSOLE_CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", LOOPBACK),
            ("code_verifier", pkce.verifier.as_str()),
        ],
    ] {
        assert_eq!(oauth_error(token(&form, None).await).await, "invalid_grant");
    }
    // Each of those used the code up: the rightful redemption now fails too
    // (a code is taken by its first presentation, whatever it brings).
    assert_eq!(
        oauth_error(cli_redeem(&code, &pkce).await).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_code_redeemed_twice_ends_the_session_it_gave_tokens_to() {
    let (code, pkce) = code_for_new_owner().await;
    let first = cli_redeem(&code, &pkce).await;
    assert_eq!(first.status(), StatusCode::OK);
    let tokens: Value = first.json().await.unwrap();
    assert_eq!(
        oauth_error(cli_redeem(&code, &pkce).await).await,
        "invalid_grant"
    );
    // The tokens of the first redemption may be an attacker's: the session
    // ended, so its refresh token gives nothing.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        oauth_error(cli_refresh(refresh).await).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn the_directorys_answer_counts_only_once_and_only_in_the_browser_that_started_the_sign_in() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let attacker = unique("attacker");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &attacker).await;
    // The attacker starts a sign-in in their own browser and signs in at
    // the directory as themselves...
    let pkce = Pkce::new();
    let mut theirs = Browser::new(&stack().gateway_url);
    let url = authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("idp", "customer")]);
    let to_directory = location_of(&theirs.get(&url).await.unwrap()).unwrap();
    let answer = theirs
        .sign_in_at_directory(&to_directory, &attacker, &person("attacker@evil.example"))
        .await
        .unwrap();
    // ... and makes the victim's browser open the answer (login CSRF):
    let mut victims = Browser::new(&stack().gateway_url);
    let response = victims.get(&answer).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(victims.cookies.is_empty(), "{:?}", victims.cookies);
    // In the browser that started it, the answer counts, once.
    let finished = theirs.get(&answer).await.unwrap();
    assert!(location_of(&finished).unwrap().starts_with(LOOPBACK));
    assert!(theirs.cookies.contains_key("cp_sign_in"));
    let again = theirs.get(&answer).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

fn roles(role: &str) -> Map<String, Value> {
    json!({"roles": [role], "email": "x@y.example", "email_verified": true})
        .as_object()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_platform_role_counts_only_from_the_workforce_directory_and_only_at_the_products_clients()
{
    let pkce = Pkce::new();
    // An Operator role claimed in the customers' directory gives nothing.
    let forged = Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("idp", "customer")]),
            &unique("mallory"),
            &roles("Operator"),
        )
        .await
        .unwrap();
    assert_eq!(error_of(&forged).as_deref(), Some("access_denied"));
    // From the workforce directory, it makes a platform person.
    let staff = Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, &pkce, &[("idp", "workforce")]),
            &unique("operator"),
            &roles("Operator"),
        )
        .await
        .unwrap();
    let code = query_param(&staff, "code").unwrap();
    let response = cli_redeem(&code, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    let access = crate::support::sign_in::verified(
        tokens["access_token"].as_str().unwrap(),
        &stack().token_audience,
    )
    .await;
    assert_eq!(access["roles"], json!(["Operator"]));
    assert!(access.get("tid").is_none());
    // ... but a platform person asking for a tenant gets nothing.
    let tenant = authorize_url(
        CLI_CLIENT_ID,
        LOOPBACK,
        &pkce,
        &[
            ("idp", "workforce"),
            ("tenant", "0b7b3a0e-2f1c-4b8e-9f6a-5c1d2e3f4a5b"),
        ],
    );
    let refused = Browser::new(&stack().gateway_url)
        .authorize(&tenant, &unique("operator"), &roles("Operator"))
        .await
        .unwrap();
    assert_eq!(error_of(&refused).as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn the_products_own_clients_let_people_pick_their_directory_on_an_unframeable_page() {
    let pkce = Pkce::new();
    let url = authorize_url(
        CONSOLE_CLIENT_ID,
        &format!("{}/callback", stack().gateway_url),
        &pkce,
        &[],
    );
    let response = Browser::new(&stack().gateway_url).get(&url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_never_framed(&response);
    let page = response.text().await.unwrap();
    assert!(page.contains("idp=customer") && page.contains("idp=workforce"));
    assert!(!page.contains("<script"));
}
