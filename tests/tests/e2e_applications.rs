//! Managed applications through the local gateway: registration and update
//! (UC-DEV-REGISTER, UC-DEV-UPDATE), client secrets and the client
//! credentials token endpoint (FR-SYS-002), and what an application may
//! reach with its token, from the attacker's side.

use crate::e2e_provisioning::problem;
use crate::fixtures;
use base64::Engine;
use chrono::{Duration, Utc};
use cp_api::{AppTenantView, ApplicationDetailView, ApplicationView, IssuedSecretView, TenantView};
use cp_domain::{AppStatus, TenantStatus};
use cp_tests::jwt::{self, RsaKey};
use cp_tests::{
    developer, get, http, idp, operator, platform_token, send_json, stack, store, unique, url,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn register(token: &str) -> ApplicationView {
    let response = send_json(
        Method::POST,
        token,
        "/v1/applications",
        &json!({"name": unique("Billing"), "environment": "Production", "owner": "team-billing"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn issue(token: &str, app: &ApplicationView, body: Value) -> Response {
    send_json(
        Method::POST,
        token,
        &format!("/v1/applications/{}/secrets", app.id),
        &body,
    )
    .await
}

pub(crate) async fn secret(
    token: &str,
    app: &ApplicationView,
    scopes: &[&str],
) -> IssuedSecretView {
    let response = issue(token, app, json!({ "scopes": scopes })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// `client_secret_basic` token request.
async fn token_request(client_id: &str, secret: &str, scope: Option<&str>) -> Response {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    http()
        .post(url("/oauth2/token"))
        .basic_auth(client_id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn access_token(issued: &IssuedSecretView) -> String {
    let response = token_request(&issued.client_id.to_string(), &issued.client_secret, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

pub(crate) async fn enable(op: &str, tenant: cp_domain::TenantId, app: &ApplicationView) {
    let response = send_json(
        Method::PUT,
        op,
        &format!("/v1/tenants/{tenant}/applications/{}", app.id),
        &json!(null),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The application-facing tenant read.
async fn app_get_tenant(token: &str, tenant: impl std::fmt::Display) -> Response {
    get(token, &format!("/v1/app/tenants/{tenant}")).await
}

/// An application with a `tenants:read` secret, enabled for a new tenant.
async fn enabled_app() -> (
    ApplicationView,
    IssuedSecretView,
    cp_domain::provisioning::Provisioned,
) {
    let dev = developer().await;
    let app = register(&dev).await;
    let issued = secret(&dev, &app, &["tenants:read", "flags:read"]).await;
    let p = fixtures::tenant(&store().await).await;
    enable(&operator().await, p.tenant.id, &app).await;
    (app, issued, p)
}

#[tokio::test]
async fn uc_dev_register_a_developer_registers_lists_and_updates_an_application() {
    let dev = developer().await;
    let app = register(&dev).await;
    assert_eq!(app.status, AppStatus::Active);
    let listed: Value = get(&dev, "/v1/applications?limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == json!(app.id))
    );

    let response = send_json(
        Method::PATCH,
        &dev,
        &format!("/v1/applications/{}", app.id),
        &json!({"name": "Billing v2", "environment": "Staging"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: ApplicationView = response.json().await.unwrap();
    assert_eq!(updated.name, "Billing v2");
    assert_eq!(updated.owner, "team-billing");

    // Bad input is refused field by field; other roles are refused.
    let bad = problem(
        send_json(
            Method::POST,
            &dev,
            "/v1/applications",
            &json!({"name": "", "environment": "Prod"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    let names: Vec<&str> = bad["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["name", "environment", "owner"]);
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    problem(
        send_json(Method::POST, &auditor, "/v1/applications", &json!({})).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let (_, subject) = fixtures::tenant_owner().await;
    let owner = idp().user_token(&subject).await.unwrap();
    problem(
        get(&owner, "/v1/applications").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        get(&dev, &format!("/v1/applications/{}", uuid::Uuid::new_v4())).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
}

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

#[tokio::test]
async fn uc_dev_update_a_disabled_application_is_refused_at_once() {
    let (app, issued, p) = enabled_app().await;
    let token = access_token(&issued).await;
    let dev = developer().await;
    let response = send_json(
        Method::PATCH,
        &dev,
        &format!("/v1/applications/{}", app.id),
        &json!({"status": "Disabled"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    problem(
        app_get_tenant(&token, p.tenant.id).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-401",
    )
    .await;
    let exchange = token_request(&app.id.to_string(), &issued.client_secret, None).await;
    assert_eq!(exchange.status(), StatusCode::UNAUTHORIZED);
    // A disabled application gets no new secrets, and cannot be enabled.
    problem(
        issue(&dev, &app, json!({"scopes": ["tenants:read"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
    let other = fixtures::tenant(&store().await).await;
    problem(
        send_json(
            Method::PUT,
            &operator().await,
            &format!("/v1/tenants/{}/applications/{}", other.tenant.id, app.id),
            &json!(null),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
}

#[tokio::test]
async fn fr_sys_001_isolation_an_application_acts_only_for_tenants_that_enabled_it() {
    let (app, issued, a) = enabled_app().await;
    let token = access_token(&issued).await;
    let b = fixtures::tenant(&store().await).await;
    assert_eq!(
        app_get_tenant(&token, a.tenant.id).await.status(),
        StatusCode::OK
    );
    // Another tenant, an unknown one, a malformed id: the same refusal.
    let mut details = Vec::new();
    for other in [
        b.tenant.id.to_string(),
        uuid::Uuid::new_v4().to_string(),
        "x".into(),
    ] {
        let refused = problem(
            app_get_tenant(&token, &other).await,
            StatusCode::FORBIDDEN,
            "ERR-AUTH-403",
        )
        .await;
        details.push(refused["detail"].clone());
    }
    assert!(details.windows(2).all(|w| w[0] == w[1]));

    // A token without the scope gets nothing, even for its own tenant.
    let dev = developer().await;
    let flags_only = secret(&dev, &app, &["flags:read"]).await;
    let narrow = access_token(&flags_only).await;
    problem(
        app_get_tenant(&narrow, a.tenant.id).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // Disabled for the tenant: refused from then on.
    let op = operator().await;
    let response = http()
        .delete(url(&format!(
            "/v1/tenants/{}/applications/{}",
            a.tenant.id, app.id
        )))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    problem(
        app_get_tenant(&token, a.tenant.id).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // Application tokens are not people's tokens, and the other way round.
    let people_route = get(&token, "/v1/tenants").await;
    assert_eq!(people_route.status(), StatusCode::UNAUTHORIZED);
    let people = operator().await;
    assert_eq!(
        app_get_tenant(&people, a.tenant.id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A token minted with the attacker's own key, claiming the real kid.
    let (header, claims) = jwt::decode(&token);
    let forged = RsaKey::generate().sign(&claims, header["kid"].as_str());
    assert_eq!(
        app_get_tenant(&forged, a.tenant.id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A genuine token with its scope edited (signature no longer matches).
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut wider = claims.clone();
    wider["scope"] = "tenants:read flags:read billing:read".into();
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wider.to_string());
    assert_eq!(
        app_get_tenant(&parts.join("."), a.tenant.id).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn uc_tenant_suspend_a_suspended_or_deleted_tenants_applications_are_refused_clearly() {
    let (_, issued, p) = enabled_app().await;
    let token = access_token(&issued).await;
    let op = operator().await;
    let base = format!("/v1/tenants/{}", p.tenant.id);
    send_json(Method::POST, &op, &format!("{base}/suspend"), &json!({})).await;
    let refused = problem(
        app_get_tenant(&token, p.tenant.id).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(refused["detail"], "the tenant is suspended");
    send_json(Method::POST, &op, &format!("{base}/resume"), &json!(null)).await;
    assert_eq!(
        app_get_tenant(&token, p.tenant.id).await.status(),
        StatusCode::OK
    );
    let confirm = json!({"confirm_domain": p.tenant.domain.as_str()});
    send_json(Method::POST, &op, &format!("{base}/delete"), &confirm).await;
    let refused = problem(
        app_get_tenant(&token, p.tenant.id).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(refused["detail"], "the tenant is being deleted");
}

#[tokio::test]
async fn uc_prov_001_provisioning_enables_registered_applications_and_refuses_unknown_ones() {
    let dev = developer().await;
    let app = register(&dev).await;
    let op = operator().await;
    let domain = unique("apps");
    let body = |apps: Vec<String>| {
        json!({
            "name": "Apps Ltd",
            "domain": domain,
            "plan": "Pro",
            "owner_email": format!("owner@{domain}.example"),
            "applications": apps,
        })
    };
    // An unknown application: nothing is written, the domain stays free.
    problem(
        send_json(
            Method::POST,
            &op,
            "/v1/tenants",
            &body(vec![uuid::Uuid::new_v4().to_string()]),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
    let response = send_json(
        Method::POST,
        &op,
        "/v1/tenants",
        &body(vec![app.id.to_string()]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let tenant: TenantView = response.json().await.unwrap();
    assert_eq!(tenant.applications, vec![app.id]);
    let listed: Value = get(&op, &format!("/v1/tenants/{}/applications", tenant.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], json!(app.id));
}
