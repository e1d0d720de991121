//! Managed applications as the tests use them: registered by a developer,
//! with a client secret, exchanged for an access token, enabled for a
//! tenant.

use crate::support::fixtures;
use cp_api::{ApplicationView, IssuedSecretView};
use cp_tests::{developer, get, http, operator, send_json, store, unique, url};
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

pub(crate) async fn issue(token: &str, app: &ApplicationView, body: Value) -> Response {
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
pub(crate) async fn token_request(client_id: &str, secret: &str, scope: Option<&str>) -> Response {
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
pub(crate) async fn app_get_tenant(token: &str, tenant: impl std::fmt::Display) -> Response {
    get(token, &format!("/v1/app/tenants/{tenant}")).await
}

/// An application with a `tenants:read` secret, enabled for a new tenant.
pub(crate) async fn enabled_app() -> (
    ApplicationView,
    IssuedSecretView,
    cp_domain::tenant::provisioning::Provisioned,
) {
    let dev = developer().await;
    let app = register(&dev).await;
    let issued = secret(&dev, &app, &["tenants:read", "flags:read"]).await;
    let p = fixtures::tenant(&store().await).await;
    enable(&operator().await, p.tenant.id, &app).await;
    (app, issued, p)
}
