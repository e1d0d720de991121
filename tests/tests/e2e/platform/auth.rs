//! Edge authentication and the principal behind it, from the attacker's
//! side: forged, tampered, expired and misdirected tokens; tenant users on
//! operator routes; revocation.

use crate::support::fixtures;
use chrono::{Duration, Utc};
use cp_api::MeView;
use cp_tests::jwt::{self, RsaKey};
use cp_tests::{
    eventually, get, http, idp, operator, platform_token, problem, signed_by_the_control_plane,
    stack, store, unique, url,
};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

/// What API Gateway's JWT authorizer answers to a refused token.
async fn assert_refused_at_the_edge(token: &str, case: &str) {
    let response = get(token, "/v1/tenants").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"),
        "{case}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"message": "Unauthorized"}), "{case}");
}

/// `genuine`'s claims with `overrides`, signed by the control plane's key.
async fn signed_with(genuine: &Value, overrides: Value) -> String {
    let mut claims = genuine.clone();
    for (name, value) in overrides.as_object().unwrap() {
        claims[name] = value.clone();
    }
    signed_by_the_control_plane("at+jwt", &claims).await
}

#[tokio::test]
async fn cc_auth_002_forged_and_misdirected_tokens_are_refused_at_the_edge() {
    let genuine = operator().await;
    assert_eq!(
        get(&genuine, "/v1/tenants").await.status(),
        StatusCode::OK,
        "the control"
    );
    let (_, claims) = jwt::decode(&genuine);
    let now = Utc::now().timestamp();

    // No token, or not a bearer token at all.
    let response = http().get(url("/v1/tenants")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_refused_at_the_edge("not-a-jwt", "garbage").await;

    // alg: none, with the genuine token's claims.
    assert_refused_at_the_edge(&jwt::unsigned(&claims), "alg none").await;

    // HS256 "signed" with the issuer's public key (algorithm confusion).
    let jwks: Value = reqwest::get(url("/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public = &jwks["keys"][0];
    assert_refused_at_the_edge(
        &jwt::hs256(&claims, public.to_string().as_bytes()),
        "HS256 with the JWK",
    )
    .await;
    assert_refused_at_the_edge(
        &jwt::hs256(&claims, public["n"].as_str().unwrap().as_bytes()),
        "HS256 with the modulus",
    )
    .await;

    // Signed by someone else's key, with and without a kid.
    let attacker = RsaKey::generate();
    assert_refused_at_the_edge(&attacker.sign(&claims, Some("attacker-key")), "unknown kid").await;
    assert_refused_at_the_edge(&attacker.sign(&claims, None), "no kid, wrong key").await;
    let kid = public["kid"].as_str().unwrap();
    assert_refused_at_the_edge(
        &attacker.sign(&claims, Some(kid)),
        "the issuer's kid, wrong key",
    )
    .await;

    // Signed by the issuer, but not for us or not now.
    assert_eq!(
        get(&signed_with(&claims, json!({})).await, "/v1/tenants")
            .await
            .status(),
        StatusCode::OK,
        "the control: re-signed as it was"
    );
    for (case, overrides) in [
        (
            "wrong issuer",
            json!({"iss": "https://login.evil.example/v2.0"}),
        ),
        ("wrong audience", json!({"aud": "some-other-api"})),
        ("expired", json!({"exp": now - 3600})),
        ("not yet valid", json!({"nbf": now + 3600})),
        (
            "issued in the future",
            json!({"iat": now + 3600, "exp": now + 7200}),
        ),
    ] {
        assert_refused_at_the_edge(&signed_with(&claims, overrides).await, case).await;
    }

    // One issuer at the edge: a directory's own token, however genuine,
    // is no token of the API, nor is the control plane's ID token (its
    // audience is the client).
    let mut staff = Map::new();
    staff.insert("roles".into(), json!(["Operator"]));
    let upstream = idp().token(&unique("operator"), &staff).await.unwrap();
    assert_refused_at_the_edge(&upstream, "the workforce directory's own token").await;
    let signed_in = cp_local::tokens::sign_in(
        &stack().gateway_url,
        cp_local::tokens::Directory::Workforce,
        &unique("operator"),
        &cp_local::tokens::staff("op", &["Operator"]),
        &[],
    )
    .await
    .unwrap();
    assert_refused_at_the_edge(
        signed_in["id_token"].as_str().unwrap(),
        "the control plane's ID token",
    )
    .await;

    // Tampered: the genuine token with its payload swapped.
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let mut elevated = claims.clone();
    elevated["roles"] = json!(["Operator", "Auditor"]);
    elevated["sub"] = json!("someone-else");
    let payload = base64_url(&elevated);
    parts[1] = &payload;
    assert_refused_at_the_edge(&parts.join("."), "tampered payload").await;
}

fn base64_url(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn cc_auth_003_a_tenant_user_cannot_reach_operator_routes_or_other_tenants() {
    let (p, subject) = fixtures::tenant_owner().await;
    let (other, _) = fixtures::tenant_owner().await;
    let token = fixtures::sign_in(&subject).await;

    let me: MeView = get(&token, "/v1/me").await.json().await.unwrap();
    assert_eq!(
        me,
        MeView::TenantUser {
            user_id: p.owner.id,
            tenant_id: p.tenant.id,
            role: cp_domain::Role::Owner,
            email: Some(p.owner.email.as_str().to_owned()),
            tenant: Some((&p.tenant).into()),
        }
    );
    assert_eq!(
        get(&token, &format!("/v1/tenants/{}", p.tenant.id))
            .await
            .status(),
        StatusCode::OK
    );

    // Operator routes: refused.
    problem(
        get(&token, "/v1/tenants").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let response = http()
        .post(url("/v1/tenants"))
        .bearer_auth(&token)
        .json(&json!({"name": "Mine", "domain": unique("mine"), "plan": "Free", "owner_email": "me@mine.example"}))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::FORBIDDEN, "ERR-AUTH-403").await;
    problem(
        get(&token, "/v1/audit-records?tenant_id=platform").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;

    // Another tenant's resources do not exist for them.
    problem(
        get(&token, &format!("/v1/tenants/{}", other.tenant.id)).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    problem(
        get(
            &token,
            &format!("/v1/audit-records?tenant_id={}", other.tenant.id),
        )
        .await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    // Their own audit trail is theirs to read (Owner).
    assert_eq!(
        get(&token, "/v1/audit-records").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn uc_tenant_suspend_a_token_from_before_a_suspension_stops_working_at_once() {
    let (p, subject) = fixtures::tenant_owner().await;
    let token = fixtures::sign_in(&subject).await;
    let tenant_path = format!("/v1/tenants/{}", p.tenant.id);
    assert_eq!(get(&token, &tenant_path).await.status(), StatusCode::OK);

    let store = store().await;
    let mut tenant = store.tenant(p.tenant.id).await.unwrap().unwrap();
    tenant.suspend(None, Utc::now()).unwrap();
    fixtures::save_tenant(&store, &tenant).await;

    // The very next request with the old token: session ended.
    let response = get(&token, &tenant_path).await;
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    problem(response, StatusCode::UNAUTHORIZED, "ERR-AUTH-440").await;
    // Signing in again does not help while suspended, and says nothing
    // more than to somebody nobody knows.
    let denied = fixtures::refused(fixtures::try_sign_in(&subject).await);
    let unknown = fixtures::refused(fixtures::try_sign_in(&unique("stranger")).await);
    assert_eq!(denied, unknown, "no hint whether the user or tenant exists");
}

#[tokio::test]
async fn fr_sys_004_an_operator_gets_one_user_record_at_first_sign_in_and_keeps_it() {
    let subject = unique("new-operator");
    let token = platform_token(&subject, &["Operator"]).await;
    let first: MeView = get(&token, "/v1/me").await.json().await.unwrap();
    let again = platform_token(&subject, &["Operator"]).await;
    let second: MeView = get(&again, "/v1/me").await.json().await.unwrap();
    assert_eq!(first, second);
    let MeView::Platform { user_id, .. } = first else {
        panic!("{first:?}")
    };
    let bindings = store()
        .await
        .identities(&stack().oidc_issuer, &subject)
        .await
        .unwrap();
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].user_id, user_id);
    assert_eq!(bindings[0].tenant_id, None);

    let resource = format!("platform-user/{user_id}");
    let records = eventually(
        "the sign-in audit record",
        std::time::Duration::from_secs(20),
        || async {
            let filter = format!("&actor_id={user_id}&action=platform_user.create");
            let mine: Vec<Value> = cp_tests::audit_trail(&token, "platform", &filter)
                .await
                .into_iter()
                .filter(|r| r.resource == resource)
                .map(|r| serde_json::to_value(r).unwrap())
                .collect();
            (!mine.is_empty()).then_some(mine)
        },
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["action"], "platform_user.create");
    assert_eq!(records[0]["tenant_id"], Value::Null);
    assert_eq!(records[0]["actor_id"], user_id.to_string());
}

#[tokio::test]
async fn cc_log_001_a_correlation_id_is_made_when_none_is_given_and_returned() {
    let token = operator().await;
    let response = get(&token, "/v1/me").await;
    let id = response.headers()["x-correlation-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    let _ = Duration::zero();
}
