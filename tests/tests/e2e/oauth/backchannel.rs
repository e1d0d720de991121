//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a
//! member's session ends, whatever ended it, each application that got
//! tokens of it receives a signed logout token at its registered URI (the
//! local stack's receiver plays the applications), and the trail says so.

use crate::support::fixtures;
use crate::support::members::{join, onboarded, set_status};
use crate::support::sign_in::{authorize_url, person, recorded, redeem, registered_client};
use cp_auth::{EdgeConfig, JwtVerifier};
use cp_domain::{Outcome, TenantId};
use cp_local::browser::{Browser, Pkce, query_param};
use cp_tests::{eventually, http, operator, send_json, stack, store, unique};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value, json};
use std::time::Duration;

const REDIRECT: &str = "https://app.example/signed-in";

/// An application whose back-channel logout URI is the local receiver's
/// `/backchannel/<name>`, enabled for `tenant`: its client id and secret.
async fn listening_application(name: &str, tenant: TenantId) -> (String, String) {
    let registration = json!({
        "redirect_uris": [REDIRECT],
        "backchannel_logout_uri": format!("{}/backchannel/{name}", stack().backchannel_receiver_url),
    });
    let (_, client_id, secret) = registered_client(&registration, Some(tenant)).await;
    (client_id, secret)
}

/// `subject` signs in to the application at directory `idp`; its tokens.
async fn app_tokens(
    (client_id, client_secret): &(String, String),
    idp: &str,
    subject: &str,
    claims: &Map<String, Value>,
) -> Value {
    let pkce = Pkce::new();
    let back = Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(client_id, REDIRECT, &pkce, &[("idp", idp)]),
            subject,
            claims,
        )
        .await
        .unwrap();
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let response = redeem(client_id, Some(client_secret), &code, REDIRECT, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The logout tokens the receiver got at `/backchannel/<name>`.
async fn received(name: &str) -> Vec<String> {
    http()
        .get(format!(
            "{}/backchannel/{name}",
            stack().backchannel_receiver_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The first logout token `name` receives, verified as an application
/// would (§2.6): the issuer's key, `iss`, `aud`, and typed `logout+jwt`.
async fn logout_token_at(name: &str, client_id: &str) -> Map<String, Value> {
    let token = eventually(name, Duration::from_secs(20), || async {
        received(name).await.into_iter().next()
    })
    .await;
    JwtVerifier::new(EdgeConfig::new(
        stack().token_issuer.clone(),
        vec![client_id.to_owned()],
    ))
    .requiring_type("logout+jwt")
    .verify(&token)
    .await
    .unwrap_or_else(|e| panic!("logout token refused: {e}"))
}

fn sid_of(tokens: &Value) -> String {
    let id = tokens["id_token"].as_str().unwrap();
    let payload = id.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_owner_disabling_a_member_tells_each_application_they_signed_in_to_and_no_other() {
    let org = onboarded().await;
    let (member, _, user_id) = join(&org, "User").await;
    let used = unique("used");
    let unused = unique("unused");
    let used_app = listening_application(&used, org.tenant_id).await;
    // Enabled for the tenant and listening, but never signed in to.
    listening_application(&unused, org.tenant_id).await;
    let claims = json!({"email": member.email, "email_verified": true});
    let tokens = app_tokens(
        &used_app,
        "customer",
        &member.subject,
        claims.as_object().unwrap(),
    )
    .await;
    let sid = sid_of(&tokens);

    let disabled = set_status(&org.owner_token, user_id, "Disabled").await;
    assert_eq!(disabled.status(), StatusCode::OK);

    let logout = logout_token_at(&used, &used_app.0).await;
    assert_eq!(logout["sub"], user_id.to_string());
    assert_eq!(logout["sid"], sid);
    assert_eq!(logout["aud"], used_app.0);
    assert!(logout["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(logout["jti"].is_string() && logout.get("nonce").is_none());
    // The application the member never signed in to learns nothing of them.
    assert!(received(&unused).await.is_empty());
    // The delivery is in the tenant's trail.
    let record = recorded(&org.tenant_id.to_string(), "auth.backchannel_logout", |r| {
        r.metadata["session_id"] == sid.as_str()
    })
    .await;
    assert_eq!(record.outcome, Outcome::Success);
    assert_eq!(record.metadata["client_id"], used_app.0);
}

#[tokio::test]
async fn a_logout_at_the_provider_tells_the_application_whose_id_token_it_came_with() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("leaving-app");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let name = unique("rp");
    let app = listening_application(&name, p.tenant.id).await;
    let mut browser = Browser::new(&stack().gateway_url);
    let pkce = Pkce::new();
    let back = browser
        .authorize(
            &authorize_url(&app.0, REDIRECT, &pkce, &[]),
            &subject,
            &person("leaving@member.example"),
        )
        .await
        .unwrap();
    let code = query_param(&back, "code").unwrap();
    let tokens: Value = redeem(&app.0, Some(&app.1), &code, REDIRECT, &pkce)
        .await
        .json()
        .await
        .unwrap();
    let mut logout = Url::parse(&format!("{}/oauth2/logout", stack().gateway_url)).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", tokens["id_token"].as_str().unwrap());
    browser.logout(logout.as_str()).await.unwrap();
    let told = logout_token_at(&name, &app.0).await;
    assert_eq!(told["sub"], owner.id.to_string());
    assert_eq!(told["sid"], sid_of(&tokens));
}

#[tokio::test]
async fn an_application_that_refuses_or_cannot_be_reached_is_a_failure_in_the_trail() {
    let org = onboarded().await;
    let (member, _, user_id) = join(&org, "User").await;
    let refusing = unique("refusing");
    let down = unique("down");
    let claims = json!({"email": member.email, "email_verified": true});
    let mut sessions = Vec::new();
    for name in [&refusing, &down] {
        let app = listening_application(name, org.tenant_id).await;
        let tokens = app_tokens(
            &app,
            "customer",
            &member.subject,
            claims.as_object().unwrap(),
        )
        .await;
        sessions.push((app.0, sid_of(&tokens)));
    }
    let suspended = send_json(
        Method::POST,
        &operator().await,
        &format!("/v1/tenants/{}/suspend", org.tenant_id),
        &json!({"reason": "back-channel test"}),
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::OK);
    for ((client_id, sid), (reason, retried)) in sessions
        .iter()
        .zip([("refused", false), ("unreachable", true)])
    {
        let record = recorded(&org.tenant_id.to_string(), "auth.backchannel_logout", |r| {
            r.metadata["client_id"] == client_id.as_str()
        })
        .await;
        assert_eq!(record.outcome, Outcome::Failure, "{reason}");
        assert_eq!(record.metadata["reason"], reason);
        assert_eq!(record.metadata["retried"], retried);
        assert_eq!(record.metadata["session_id"], sid.as_str());
        assert_eq!(record.metadata["user_id"], user_id.to_string());
    }
}
