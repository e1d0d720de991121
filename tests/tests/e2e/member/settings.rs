//! The tenant's plan (FR-TENANT-003), settings (FR-AUTH-006) and SSO
//! configuration (UC-TENANT-SSO), changed by whom the requirements name.

use crate::support::fixtures::stored_tenant;
use crate::support::members::{fresh_email, join, me, onboarded, open_invitation, set_plan};
use chrono::Utc;
use cp_api::InvitationDetailView;
use cp_domain::TenantId;
use cp_tests::{delete, get, get_json, problem, send_json, store, unique};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn fr_tenant_003_only_the_owner_changes_the_plan() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    problem(
        set_plan(&admin_token, "Enterprise").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        set_plan(&org.owner_token, "Gold").await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    let changed = set_plan(&org.owner_token, "Enterprise").await;
    assert_eq!(changed.status(), StatusCode::OK);
    let me: Value = me(&admin_token).await.json().await.unwrap();
    assert_eq!(me["tenant"]["plan"], "Enterprise");
    let tenant = stored_tenant(org.tenant_id).await;
    assert_eq!(tenant.plan, cp_domain::Plan::Enterprise);
}

#[tokio::test]
async fn fr_auth_006_administrators_set_the_password_policy_and_invitation_lifetime_within_bounds()
{
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let settings: Value = get_json(&admin_token, "/v1/tenant/settings").await;
    assert_eq!(settings["invitation_ttl_days"], 7);
    assert_eq!(settings["password_policy"]["min_length"], 8);

    for bad in [
        json!({ "password_policy": { "min_length": 6, "require_uppercase": true, "require_lowercase": true, "require_digit": true, "require_symbol": false } }),
        json!({ "invitation_ttl_days": 31 }),
        json!({ "invitation_ttl_days": 0 }),
    ] {
        problem(
            send_json(Method::PATCH, &admin_token, "/v1/tenant/settings", &bad).await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
    }
    let changed = send_json(
        Method::PATCH,
        &admin_token,
        "/v1/tenant/settings",
        &json!({
            "invitation_ttl_days": 2,
            "password_policy": { "min_length": 14, "require_uppercase": true, "require_lowercase": true, "require_digit": true, "require_symbol": true }
        }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let tenant = stored_tenant(org.tenant_id).await;
    assert_eq!(tenant.settings.password_policy.min_length, 14);

    // New invitations last the configured two days.
    let invitation: InvitationDetailView =
        open_invitation(&org.owner_token, &fresh_email("dan"), "User").await;
    let hours = (invitation.expires_at - Utc::now()).num_hours();
    assert!((47..=48).contains(&hours), "{hours}");
}

#[tokio::test]
async fn uc_tenant_sso_the_owner_configures_a_validated_issuer_and_the_secret_is_sealed() {
    let org = onboarded().await;
    let (_, admin_token, _) = join(&org, "Administrator").await;
    let issuer = cp_tests::stack().oidc_issuer.clone();
    let secret = format!("s3cret-{}", unique("x"));
    let body = json!({ "issuer": issuer, "client_id": "control-plane", "client_secret": secret });

    problem(
        send_json(Method::POST, &admin_token, "/v1/tenant/sso", &body).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        get(&org.owner_token, "/v1/tenant/sso").await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;

    let created = send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let shown: Value = created.json().await.unwrap();
    assert_eq!(shown["client_secret_set"], true);
    assert!(!shown.to_string().contains(&secret));
    // A second configuration is a conflict: changing it is explicit. It is
    // told before any issuer is fetched, whatever the issuer.
    for second in [
        body.clone(),
        json!({ "issuer": "https://10.0.0.1", "client_id": "c", "client_secret": "s" }),
    ] {
        problem(
            send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &second).await,
            StatusCode::CONFLICT,
            "ERR-VAL-409",
        )
        .await;
    }

    // Stored sealed: the table never holds the secret, and it opens only
    // for its own tenant.
    let config = store().await.sso(org.tenant_id).await.unwrap().unwrap();
    assert!(!format!("{:?} {}", config, config.secret.ciphertext).contains(&secret));
    let keys = cp_tests::stack().resources.keys.clone();
    let sealer = cp_aws::Sealer::new(
        aws_sdk_kms::Client::new(&cp_tests::sdk().await),
        keys["data"].clone(),
    );
    assert_eq!(
        sealer.open(org.tenant_id, &config.secret).await.unwrap(),
        secret
    );
    assert!(
        sealer
            .open(TenantId::random(), &config.secret)
            .await
            .is_err()
    );

    // An update without a secret keeps it.
    let updated = send_json(
        Method::PUT,
        &org.owner_token,
        "/v1/tenant/sso",
        &json!({ "issuer": issuer, "client_id": "control-plane-2" }),
    )
    .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let config = store().await.sso(org.tenant_id).await.unwrap().unwrap();
    assert_eq!(config.client_id, "control-plane-2");
    assert_eq!(
        sealer.open(org.tenant_id, &config.secret).await.unwrap(),
        secret
    );

    // Removed, it is gone; configured again, it is new.
    let removed = delete(&org.owner_token, "/v1/tenant/sso").await;
    assert_eq!(removed.status(), StatusCode::OK);
    problem(
        get(&org.owner_token, "/v1/tenant/sso").await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    assert!(store().await.sso(org.tenant_id).await.unwrap().is_none());
    let again = send_json(Method::POST, &org.owner_token, "/v1/tenant/sso", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // The secret was never logged.
    assert!(!cp_tests::stack_log().contains(&secret));
}

#[tokio::test]
async fn uc_tenant_sso_issuers_that_would_reach_inside_are_refused_with_the_reason() {
    let org = onboarded().await;
    for issuer in [
        "http://login.example.com",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1:8443",
        "https://[fd00:ec2::254]",
        "https://10.0.0.1/tenant",
        "https://user:pw@login.example.com",
        "not a url",
    ] {
        let refused = problem(
            send_json(
                Method::POST,
                &org.owner_token,
                "/v1/tenant/sso",
                &json!({ "issuer": issuer, "client_id": "c", "client_secret": "s" }),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
        assert_eq!(
            refused["invalid_params"][0]["name"], "issuer",
            "{issuer}: {refused}"
        );
    }
    assert!(store().await.sso(org.tenant_id).await.unwrap().is_none());
}
