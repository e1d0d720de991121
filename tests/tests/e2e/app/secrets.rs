//! Client secrets and the client credentials token endpoint through the
//! local gateway (FR-SYS-002): shown once, exchanged for a signed access
//! token, revoked at once, rotated; wrong credentials from the attacker's
//! side.

use crate::support::applications::{
    access_token, app_get_tenant, enable, enabled_app, issue, register, secret, token_request,
};
use chrono::{Duration, Utc};
use cp_api::{AppTenantView, ApplicationDetailView, IssuedSecretView};
use cp_domain::TenantStatus;
use cp_tests::jwt::{self};
use cp_tests::{developer, get, http, operator, problem, stack, url};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn fr_sys_002_a_secret_is_shown_once_and_exchanged_for_a_signed_access_token() {
    let (app, issued, p) = enabled_app().await;
    assert!(issued.client_secret.starts_with("cpsk_v1."));
    assert_eq!(issued.client_id, app.id);
    assert!(issued.client_secret.ends_with(&issued.secret.hint));

    // Listing shows metadata only.
    let dev = developer().await;
    let detail: Value = get(&dev, &format!("/v1/applications/{}", app.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(!detail.to_string().contains(&issued.client_secret));
    let detail: ApplicationDetailView = serde_json::from_value(detail).unwrap();
    assert_eq!(detail.secrets.len(), 1);
    assert!(detail.secrets[0].active);

    // client_secret_basic, with a narrower scope than the secret holds.
    let response = token_request(
        &app.id.to_string(),
        &issued.client_secret,
        Some("tenants:read"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "tenants:read");
    let token = body["access_token"].as_str().unwrap();
    let (header, claims) = jwt::decode(token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], stack().token_issuer);
    assert_eq!(claims["aud"], stack().token_audience);
    assert_eq!(claims["client_id"], app.id.to_string());
    assert_eq!(claims["sub"], app.id.to_string());
    // The key it was signed with is the one the metadata publishes.
    let metadata: Value = reqwest::get(url("/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], stack().token_issuer);
    let jwks: Value = reqwest::get(metadata["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);

    // The token works where the application is enabled.
    let tenant: AppTenantView = app_get_tenant(token, p.tenant.id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tenant.id, p.tenant.id);
    assert_eq!(tenant.status, TenantStatus::Active);

    // client_secret_post works too; both at once is refused.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &app.id.to_string()),
        ("client_secret", &issued.client_secret),
    ];
    let post = http()
        .post(url("/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::OK);
    let both = http()
        .post(url("/oauth2/token"))
        .basic_auth(app.id, Some(&issued.client_secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::BAD_REQUEST);
    let body: Value = both.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    // A scope the secret does not hold; a grant we do not offer.
    let wider = token_request(
        &app.id.to_string(),
        &issued.client_secret,
        Some("billing:write"),
    )
    .await;
    assert_eq!(wider.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wider.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );
    let password = http()
        .post(url("/oauth2/token"))
        .basic_auth(app.id, Some(&issued.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        password.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn fr_sys_002_wrong_credentials_never_say_what_was_wrong_and_are_rate_limited() {
    let (app, issued, _) = enabled_app().await;
    let id = app.id.to_string();
    let mut wrong = issued.client_secret.clone();
    wrong.pop();
    wrong.push(if issued.client_secret.ends_with('A') {
        'B'
    } else {
        'A'
    });
    let other_app = uuid::Uuid::new_v4().to_string();
    let cases = [
        (id.as_str(), wrong.as_str()),
        (id.as_str(), "not-a-secret"),
        (other_app.as_str(), issued.client_secret.as_str()),
    ];
    let mut bodies = Vec::new();
    for (client, secret) in cases {
        let response = token_request(client, secret, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        let mut body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(body["type"], "urn:saas-control-plane:problem:ERR-AUTH-401");
        body.as_object_mut().unwrap().remove("correlation_id");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");

    // Ten failures within one (fixed, one-minute) window lock the client
    // out, even with the right secret. The window may turn over while we
    // fail, so keep failing until the lockout answers: at most twice ten.
    let mut locked = None;
    for _ in 0..2 * 10 {
        let response = token_request(&id, &wrong, None).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            locked = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = locked.expect("locked out after ten failures in a window");
    assert!(locked.headers().contains_key("retry-after"));
    problem(locked, StatusCode::TOO_MANY_REQUESTS, "ERR-RATE-429").await;
    let right = token_request(&id, &issued.client_secret, None).await;
    problem(right, StatusCode::TOO_MANY_REQUESTS, "ERR-RATE-429").await;
}

#[tokio::test]
async fn fr_sys_002_revoking_a_secret_ends_its_tokens_at_once_and_two_allow_rotation() {
    let (app, first, p) = enabled_app().await;
    let dev = developer().await;
    let old_token = access_token(&first).await;
    assert_eq!(
        app_get_tenant(&old_token, p.tenant.id).await.status(),
        StatusCode::OK
    );

    // Rotation: a second secret while the first still works; no third.
    let second = secret(&dev, &app, &["tenants:read"]).await;
    problem(
        issue(&dev, &app, json!({"scopes": ["tenants:read"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
    let new_token = access_token(&second).await;

    let revoke = http()
        .delete(url(&format!(
            "/v1/applications/{}/secrets/{}",
            app.id, first.secret.id
        )))
        .bearer_auth(&dev)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    // The old secret's token stops at once; the new one goes on.
    problem(
        app_get_tenant(&old_token, p.tenant.id).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-401",
    )
    .await;
    assert_eq!(
        app_get_tenant(&new_token, p.tenant.id).await.status(),
        StatusCode::OK
    );
    let refused = token_request(&app.id.to_string(), &first.client_secret, None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // There is room for a next secret again.
    secret(&dev, &app, &["tenants:read"]).await;

    // A secret that expires stops being exchangeable, and its tokens stop.
    let other = register(&dev).await;
    let expiring: IssuedSecretView = issue(
        &dev,
        &other,
        json!({"scopes": ["tenants:read"], "expires_at": Utc::now() + Duration::seconds(2)}),
    )
    .await
    .json()
    .await
    .unwrap();
    enable(&operator().await, p.tenant.id, &other).await;
    let short_lived = access_token(&expiring).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        token_request(&other.id.to_string(), &expiring.client_secret, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app_get_tenant(&short_lived, p.tenant.id).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
