//! Managed applications through the local gateway: registration and update
//! (UC-DEV-REGISTER, UC-DEV-UPDATE), which tenants an application acts for
//! (FR-SYS-001), and what it may reach when its tenant is suspended or
//! deleted, from the attacker's side.

use crate::support::applications::{
    access_token, app_get_tenant, enabled_app, issue, register, secret, token_request,
};
use crate::support::fixtures;
use base64::Engine;
use cp_api::{ApplicationView, TenantView};
use cp_domain::AppStatus;
use cp_tests::jwt::{self, RsaKey};
use cp_tests::{
    developer, get, http, operator, platform_token, problem, send_json, store, unique, url,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
    let owner = fixtures::sign_in(&subject).await;
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

    // Application tokens are not people's tokens, and the other way round:
    // both are the control plane's, so the edge lets them through and the
    // function refuses them.
    problem(
        get(&token, "/v1/tenants").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let people = operator().await;
    problem(
        app_get_tenant(&people, a.tenant.id).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-401",
    )
    .await;
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
