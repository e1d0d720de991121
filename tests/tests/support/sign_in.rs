//! Signing people in through the control plane's OpenID Provider, as a
//! client does: the authorization request, the scripted browser through
//! the local directories, the token request, and the tokens verified
//! against the provider's own JWKS.

use crate::support::applications::{enable, register, secret};
use cp_api::ApplicationView;
use cp_auth::{EdgeConfig, JwtVerifier};
use cp_domain::TenantId;
use cp_local::browser::{Browser, Pkce, query_param};
use cp_local::stack::CLI_CLIENT_ID;
use cp_tests::{developer, http, operator, send_json, stack, url};
use reqwest::{Method, Response, StatusCode, Url};
use serde_json::{Map, Value, json};

/// `cpctl`'s loopback redirect, on a port of its choosing (RFC 8252).
pub(crate) const LOOPBACK: &str = "http://127.0.0.1:49152/callback";

/// An authorization request of `client_id` for `redirect_uri`, with the
/// PKCE challenge, `state=st`, `nonce=nn`, and `extra` parameters (which
/// replace the defaults of the same name).
pub(crate) fn authorize_url(
    client_id: &str,
    redirect_uri: &str,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile offline_access"),
        ("state", "st"),
        ("nonce", "nn"),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
    ];
    params.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    params.extend_from_slice(extra);
    let mut url = Url::parse(&url("/oauth2/authorize")).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// What a person's ID token says about them at the directory.
pub(crate) fn person(email: &str) -> Map<String, Value> {
    json!({"email": email, "email_verified": true, "name": "Jane Member"})
        .as_object()
        .unwrap()
        .clone()
}

/// `subject` signs in with `cpctl` at the customers' directory; the code.
pub(crate) async fn cli_code(subject: &str, pkce: &Pkce) -> String {
    let mut browser = Browser::new(&stack().gateway_url);
    let back = browser
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, pkce, &[("idp", "customer")]),
            subject,
            &person("jane@member.example"),
        )
        .await
        .unwrap();
    query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"))
}

/// A token request (`client_secret_basic` when a secret is given).
pub(crate) async fn token(form: &[(&str, &str)], secret: Option<(&str, &str)>) -> Response {
    let request = http().post(url("/oauth2/token")).form(form);
    let request = match secret {
        Some((id, secret)) => request.basic_auth(id, Some(secret)),
        None => request,
    };
    request.send().await.unwrap()
}

/// `client_id` redeems `code` for `redirect_uri` with the PKCE verifier:
/// with its secret by HTTP Basic, or as a public client by its id.
pub(crate) async fn redeem(
    client_id: &str,
    secret: Option<&str>,
    code: &str,
    redirect_uri: &str,
    pkce: &Pkce,
) -> Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", &pkce.verifier),
    ];
    if secret.is_none() {
        form.push(("client_id", client_id));
    }
    token(&form, secret.map(|s| (client_id, s))).await
}

/// `cpctl` redeems its code.
pub(crate) async fn cli_redeem(code: &str, pkce: &Pkce) -> Response {
    redeem(CLI_CLIENT_ID, None, code, LOOPBACK, pkce).await
}

/// `GET /oauth2/userinfo` with a person's access token.
pub(crate) async fn userinfo(access_token: &str) -> Response {
    http()
        .get(url("/oauth2/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

/// The record of `action` in `trail` (a tenant id or `platform`) that
/// `matches`, once the event pipeline brought it.
pub(crate) async fn recorded(
    trail: &str,
    action: &str,
    matches: impl Fn(&cp_api::AuditRecordView) -> bool,
) -> cp_api::AuditRecordView {
    let op = cp_tests::operator().await;
    cp_tests::eventually(action, std::time::Duration::from_secs(20), || async {
        cp_tests::audit_trail(&op, trail, &format!("&action={action}"))
            .await
            .into_iter()
            .find(|r| matches(r))
    })
    .await
}

/// `subject` signs in with `cpctl`: its tokens.
pub(crate) async fn cli_tokens(subject: &str) -> Value {
    let pkce = Pkce::new();
    let response = cli_redeem(&cli_code(subject, &pkce).await, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `cpctl` uses its refresh token.
pub(crate) async fn cli_refresh(refresh_token: &str) -> Response {
    token(
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLI_CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
        None,
    )
    .await
}

/// A token's claims, verified as a relying party (or the edge) would:
/// the provider's JWKS, its issuer, `audience`.
pub(crate) async fn verified(token: &str, audience: &str) -> Map<String, Value> {
    JwtVerifier::new(EdgeConfig::new(
        stack().token_issuer.clone(),
        vec![audience.to_owned()],
    ))
    .verify(token)
    .await
    .unwrap_or_else(|e| panic!("token refused: {e}"))
}

/// The `error` a redirect to the client carries.
pub(crate) fn error_of(back: &Url) -> Option<String> {
    query_param(back, "error")
}

/// An application registered as a confidential client at `redirect`, with
/// a `tenants:read` secret: the application, its client id and secret.
pub(crate) async fn application_client(redirect: &str) -> (ApplicationView, String, String) {
    let registration =
        json!({"redirect_uris": [redirect], "post_logout_redirect_uris": ["https://app.example/"]});
    let (registered, client_id, secret) = registered_client(&registration, None).await;
    assert_eq!(
        serde_json::to_value(&registered.client).unwrap()["grants"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    (registered, client_id, secret)
}

/// An application registered as a client with `registration` (the body of
/// `PUT /v1/applications/{appId}/client`), enabled for `tenant` if given,
/// with a `tenants:read` secret: the application as registered, its client
/// id and secret.
pub(crate) async fn registered_client(
    registration: &Value,
    tenant: Option<TenantId>,
) -> (ApplicationView, String, String) {
    let dev = developer().await;
    let app = register(&dev).await;
    let response = send_json(
        Method::PUT,
        &dev,
        &format!("/v1/applications/{}/client", app.id),
        registration,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let registered: ApplicationView = response.json().await.unwrap();
    if let Some(tenant) = tenant {
        enable(&operator().await, tenant, &app).await;
    }
    let issued = secret(&dev, &app, &["tenants:read"]).await;
    (
        registered,
        issued.client_id.to_string(),
        issued.client_secret,
    )
}

/// `subject` signs in to the application in a new browser.
pub(crate) async fn app_sign_in(
    client_id: &str,
    redirect: &str,
    subject: &str,
    pkce: &Pkce,
) -> reqwest::Url {
    Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(client_id, redirect, pkce, &[]),
            subject,
            &person("app-user@member.example"),
        )
        .await
        .unwrap()
}

/// A request to `path` (introspection, revocation) authenticated with the
/// client's secret by HTTP Basic, or by `client_id` alone for a public one.
pub(crate) async fn client_post(
    path: &str,
    client_id: &str,
    secret: Option<&str>,
    form: &[(&str, &str)],
) -> Response {
    let request = http().post(url(path));
    match secret {
        Some(secret) => request.basic_auth(client_id, Some(secret)).form(form),
        None => {
            let mut form = form.to_vec();
            form.push(("client_id", client_id));
            request.form(&form)
        }
    }
    .send()
    .await
    .unwrap()
}

/// What a request the control plane cannot trust is answered with: its own
/// page, never a redirect, never framed.
pub(crate) async fn assert_own_page(url: &str) {
    let response = Browser::new(&stack().gateway_url).get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url}");
    assert!(response.headers().get("location").is_none(), "{url}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_never_framed(&response);
}

/// A sign-in page cannot be framed (clickjacking): CSP `frame-ancestors`
/// and `X-Frame-Options` both say so.
pub(crate) fn assert_never_framed(response: &Response) {
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}
