//! A tenant's feature flags as operators change them and as a managed
//! application reads them over OFREP.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use cp_domain::tenant::provisioning::Provisioned;
use cp_tests::{developer, get, http, operator, send_json, store, url};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub(crate) fn flags_path(p: &Provisioned) -> String {
    format!("/v1/tenants/{}/flags", p.tenant.id)
}

pub(crate) async fn set(token: &str, p: &Provisioned, key: &str, value: Value) -> Response {
    send_json(
        Method::PUT,
        token,
        &format!("{}/{key}", flags_path(p)),
        &json!({ "value": value }),
    )
    .await
}

pub(crate) async fn clear(token: &str, p: &Provisioned, key: &str) -> Response {
    http()
        .delete(url(&format!("{}/{key}", flags_path(p))))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The operator's view of one flag of a tenant.
pub(crate) async fn flag(token: &str, p: &Provisioned, key: &str) -> Value {
    let response = get(token, &flags_path(p)).await;
    assert_eq!(response.status(), StatusCode::OK);
    flag_of(&response.json().await.unwrap(), key)
}

/// One flag of a list of flags (the operator's view, OFREP's bulk answer).
pub(crate) fn flag_of(body: &Value, key: &str) -> Value {
    body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} in {body}"))
}

/// An OFREP request with an application's token.
pub(crate) async fn ofrep(token: &str, path: &str, body: &Value, etag: Option<&str>) -> Response {
    let mut request = http()
        .post(url(&format!("/ofrep/v1/evaluate/flags{path}")))
        .bearer_auth(token)
        .json(body);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

pub(crate) fn context(p: &Provisioned) -> Value {
    json!({"context": {"targetingKey": "user-1", "tenantId": p.tenant.id.to_string()}})
}

/// An application with a `flags:read` token, enabled for a new (Pro) tenant.
pub(crate) async fn reader() -> (String, Provisioned) {
    let dev = developer().await;
    let app = register(&dev).await;
    let issued = secret(&dev, &app, &["flags:read"]).await;
    let p = fixtures::tenant(&store().await).await;
    enable(&operator().await, p.tenant.id, &app).await;
    (access_token(&issued).await, p)
}
