//! Flag delivery over OFREP through the local gateway (FR-FLAG-002,
//! API-FLAG) with real application tokens: `ETag` and 304, reasons and
//! error codes, and isolation from the attacker's side.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use crate::support::flags::{context, ofrep, reader, set};
use cp_tests::{developer, get, http, operator, problem, send_json, store, url};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn fr_flag_002_an_application_reads_its_tenants_flags_over_ofrep_with_etag_and_304() {
    let (token, p) = reader().await;
    let op = operator().await;

    let response = ofrep(&token, "", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, max-age=30");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let flags = body["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 6);
    let editor = flags.iter().find(|f| f["key"] == "new-editor").unwrap();
    assert_eq!(
        (&editor["value"], &editor["reason"], &editor["variant"]),
        (&json!(true), &json!("DEFAULT"), &json!("Pro"))
    );
    let theme = flags.iter().find(|f| f["key"] == "theme").unwrap();
    assert_eq!(theme["reason"], "STATIC");

    // Unchanged: 304 without a body.
    let response = ofrep(&token, "", &context(&p), Some(&etag)).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    assert!(response.bytes().await.unwrap().is_empty());

    // An operator's change is a new ETag and the new value at once.
    assert_eq!(
        set(&op, &p, "max-projects", json!(7)).await.status(),
        StatusCode::OK
    );
    let response = ofrep(&token, "", &context(&p), Some(&etag)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = response.json().await.unwrap();
    let projects = body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "max-projects")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &projects["value"],
            &projects["reason"],
            &projects["variant"]
        ),
        (&json!(7), &json!("TARGETING_MATCH"), &json!("override"))
    );

    // One flag.
    let response = ofrep(&token, "/support-tier", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let one: Value = response.json().await.unwrap();
    assert_eq!(
        (&one["key"], &one["value"]),
        (&json!("support-tier"), &json!("standard"))
    );

    // The provider's configuration.
    let response = get(&token, "/ofrep/v1/configuration").await;
    assert_eq!(response.status(), StatusCode::OK);
    let configuration: Value = response.json().await.unwrap();
    assert_eq!(
        configuration["capabilities"]["cacheInvalidation"]["polling"]["minPollingIntervalMs"],
        30000
    );
}

#[tokio::test]
async fn api_flag_ofrep_reasons_and_error_codes() {
    let (token, p) = reader().await;
    let tenant = p.tenant.id.to_string();
    let cases = [
        (
            "/new-editor",
            json!({"context": {"tenantId": tenant}}),
            "TARGETING_KEY_MISSING",
        ),
        (
            "/new-editor",
            json!({"context": {"targetingKey": "u", "tenantId": "nope"}}),
            "INVALID_CONTEXT",
        ),
        (
            "/new-editor",
            json!({"context": {"targetingKey": "u"}}),
            "INVALID_CONTEXT",
        ),
        ("", json!({}), "INVALID_CONTEXT"),
        (
            "",
            json!({"context": {"targetingKey": "", "tenantId": tenant}}),
            "TARGETING_KEY_MISSING",
        ),
    ];
    for (path, body, code) in cases {
        let response = ofrep(&token, path, &body, None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["errorCode"], code, "{body}");
        assert!(error["errorDetails"].is_string());
        assert_eq!(error.get("key").is_some(), !path.is_empty());
    }
    let response = http()
        .post(url("/ofrep/v1/evaluate/flags"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errorCode"],
        "PARSE_ERROR"
    );

    let response = ofrep(&token, "/no-such-flag", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        (&error["key"], &error["errorCode"]),
        (&json!("no-such-flag"), &json!("FLAG_NOT_FOUND"))
    );
}

#[tokio::test]
async fn fr_flag_002_isolation_an_application_never_reads_another_tenants_flags() {
    let (token, p) = reader().await;
    let op = operator().await;
    // A tenant that did not enable the application, and one that does not
    // exist: the same refusal.
    let other = fixtures::tenant(&store().await).await;
    assert_eq!(
        set(&op, &other, "new-editor", json!(false)).await.status(),
        StatusCode::OK
    );
    for tenant in [other.tenant.id, cp_domain::TenantId::random()] {
        let body = json!({"context": {"targetingKey": "u", "tenantId": tenant.to_string()}});
        for path in ["", "/new-editor"] {
            let refused = problem(
                ofrep(&token, path, &body, None).await,
                StatusCode::FORBIDDEN,
                "ERR-AUTH-403",
            )
            .await;
            assert_eq!(
                refused["detail"],
                "the application is not enabled for this tenant"
            );
        }
    }
    // A token without flags:read, and no token.
    let dev = developer().await;
    let app = register(&dev).await;
    let tenants_only = secret(&dev, &app, &["tenants:read"]).await;
    enable(&op, p.tenant.id, &app).await;
    let tenants_token = access_token(&tenants_only).await;
    problem(
        ofrep(&tenants_token, "", &context(&p), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let anonymous = http()
        .post(url("/ofrep/v1/evaluate/flags"))
        .json(&context(&p))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A person's token is not an application's.
    let response = ofrep(&op, "", &context(&p), None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // A suspended tenant is refused, and told why.
    let suspend = send_json(
        Method::POST,
        &op,
        &format!("/v1/tenants/{}/suspend", p.tenant.id),
        &json!({}),
    )
    .await;
    assert_eq!(suspend.status(), StatusCode::OK);
    let refused = problem(
        ofrep(&token, "", &context(&p), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(refused["detail"], "the tenant is suspended");
}
