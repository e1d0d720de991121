//! What a client learns of its tokens after they were issued: introspection
//! (RFC 7662), revocation (RFC 7009) and the UserInfo endpoint (OpenID
//! Connect Core §5.3), each answering what the control plane decided since,
//! at once.

use crate::support::applications::{enable, token_request};
use crate::support::fixtures;
use crate::support::sign_in::{
    app_sign_in, application_client, cli_refresh, cli_tokens, client_post, redeem, token, userinfo,
};
use cp_local::browser::{Pkce, query_param};
use cp_local::stack::CLI_CLIENT_ID;
use cp_tests::{http, operator, send_json, stack, store, unique, url};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const REDIRECT: &str = "https://app.example/signed-in";

/// `client_id` introspects `token` with its secret.
async fn introspect(client_id: &str, secret: &str, token: &str) -> Value {
    let response = client_post(
        "/oauth2/introspect",
        client_id,
        Some(secret),
        &[("token", token)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

#[tokio::test]
async fn introspection_tells_an_application_about_its_own_tokens_only_and_at_once_when_the_tenant_is_suspended()
 {
    let (app, client_id, client_secret) = application_client(REDIRECT).await;
    let (_, other_id, other_secret) = application_client(REDIRECT).await;
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("introspected");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    enable(&operator().await, p.tenant.id, &app).await;
    let pkce = Pkce::new();
    let back = app_sign_in(&client_id, REDIRECT, &subject, &pkce).await;
    let code = query_param(&back, "code").unwrap();
    let tokens: Value = redeem(&client_id, Some(&client_secret), &code, REDIRECT, &pkce)
        .await
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let status = introspect(&client_id, &client_secret, access).await;
    assert_eq!(status["active"], true, "{status}");
    assert_eq!(status["sub"], owner.id.to_string());
    assert_eq!(status["tid"], p.tenant.id.to_string());
    assert_eq!(status["role"], "Owner");
    assert_eq!(status["client_id"], client_id);
    assert_eq!(status["token_type"], "Bearer");
    assert!(status["sid"].is_string() && status["exp"].is_i64());
    let status = introspect(&client_id, &client_secret, refresh).await;
    assert_eq!(status["active"], true, "{status}");
    assert_eq!(status["token_type"], "refresh_token");
    assert_eq!(status["sub"], owner.id.to_string());

    // Nothing about another's tokens, an ID token or a made-up one: only
    // `active: false`, exactly as for an unknown token.
    for (id, secret, token) in [
        (&other_id, &other_secret, access),
        (&other_id, &other_secret, refresh),
        (
            &client_id,
            &client_secret,
            tokens["id_token"].as_str().unwrap(),
        ),
        (&client_id, &client_secret, "not-a-token"),
    ] {
        assert_eq!(
            introspect(id, secret, token).await,
            json!({"active": false})
        );
    }
    // A public client cannot use the endpoint as an oracle.
    let public = client_post(
        "/oauth2/introspect",
        CLI_CLIENT_ID,
        None,
        &[("token", access)],
    )
    .await;
    assert_eq!(public.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        public.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // The application's own token is active for itself, and only while its
    // secret is.
    let own: Value = token_request(&client_id, &client_secret, None)
        .await
        .json()
        .await
        .unwrap();
    let own = own["access_token"].as_str().unwrap();
    let status = introspect(&client_id, &client_secret, own).await;
    assert_eq!(status["active"], true, "{status}");
    assert!(status.get("sid").is_none());
    assert_eq!(
        introspect(&other_id, &other_secret, own).await,
        json!({"active": false})
    );

    // The operator suspends the tenant: the person's tokens are inactive
    // from the moment the call returned, though still unexpired.
    let suspended = send_json(
        Method::POST,
        &operator().await,
        &format!("/v1/tenants/{}/suspend", p.tenant.id),
        &json!({"reason": "invoices unpaid"}),
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::OK);
    for token in [access, refresh] {
        assert_eq!(
            introspect(&client_id, &client_secret, token).await,
            json!({"active": false})
        );
    }
    assert_eq!(
        introspect(&client_id, &client_secret, own).await["active"],
        true
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_gives_nothing_and_ends_nothing_else() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("revoking");
    fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let first = cli_tokens(&subject).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let access = first["access_token"].as_str().unwrap();

    // Someone else's revocation of it is answered alike and does nothing.
    let (_, other_id, other_secret) = application_client(REDIRECT).await;
    let foreign = client_post(
        "/oauth2/revoke",
        &other_id,
        Some(&other_secret),
        &[("token", refresh)],
    )
    .await;
    assert_eq!(foreign.status(), StatusCode::OK);
    // An access token is not revoked one by one: it ends with its session.
    let unsupported =
        client_post("/oauth2/revoke", CLI_CLIENT_ID, None, &[("token", access)]).await;
    assert_eq!(unsupported.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        unsupported.json::<Value>().await.unwrap()["error"],
        "unsupported_token_type"
    );
    // Its own client, a public one, revokes it.
    let revoked = client_post(
        "/oauth2/revoke",
        CLI_CLIENT_ID,
        None,
        &[("token", refresh), ("token_type_hint", "refresh_token")],
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let refused = cli_refresh(refresh).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // Revoked is not replayed: the session goes on, and its access token
    // still says who the person is.
    assert_eq!(userinfo(access).await.status(), StatusCode::OK);
    // Revoking it again, or garbage, is answered alike.
    for token in [refresh, "garbage"] {
        let again = client_post("/oauth2/revoke", CLI_CLIENT_ID, None, &[("token", token)]).await;
        assert_eq!(again.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn userinfo_answers_a_live_sign_in_with_what_its_scopes_allow_and_refuses_every_other_token()
{
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("userinfo");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let tokens = cli_tokens(&subject).await;
    let access = tokens["access_token"].as_str().unwrap();

    let response = userinfo(access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["sub"], owner.id.to_string());
    assert_eq!(me["tid"], p.tenant.id.to_string());
    assert_eq!(me["role"], "Owner");
    // The member's address in the tenant, with the email scope.
    assert_eq!(me["email"], owner.email.as_str());
    assert_eq!(me["email_verified"], true);

    // Without the email scope, no address (a refresh may narrow scopes).
    let narrowed: Value = token(
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLI_CLIENT_ID),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("scope", "openid offline_access"),
        ],
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let me: Value = userinfo(narrowed["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], owner.id.to_string());
    assert!(me.get("email").is_none(), "{me}");

    // An ID token, an application's own token, a forged one, none: refused
    // as RFC 6750 says.
    let (_, client_id, client_secret) = application_client(REDIRECT).await;
    let own: Value = token_request(&client_id, &client_secret, None)
        .await
        .json()
        .await
        .unwrap();
    let forged = {
        let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
        parts[2] = parts[2].chars().rev().collect();
        parts.join(".")
    };
    for token in [
        tokens["id_token"].as_str().unwrap(),
        own["access_token"].as_str().unwrap(),
        forged.as_str(),
    ] {
        let response = userinfo(token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
        );
    }
    let none = http().get(url("/oauth2/userinfo")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    // The member is disabled: their live token says nothing any more.
    let mut user = store
        .tenant_user(p.tenant.id, owner.id)
        .await
        .unwrap()
        .unwrap();
    user.status = cp_domain::UserStatus::Disabled;
    fixtures::save_user(&store, &user).await;
    let response = userinfo(access).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
