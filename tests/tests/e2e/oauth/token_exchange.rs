//! Token exchange (RFC 8693): a managed application's service holding a
//! directory's token of a person (here the customers' directory's ID token,
//! issued to the control plane) gets the control plane's access token for
//! itself, for as long as the person's access stands; attacked with forged,
//! foreign and misdirected subject tokens.

use crate::support::members::{join, onboarded, set_status};
use crate::support::sign_in::{registered_client, token, verified};
use cp_domain::TenantId;
use reqwest::StatusCode;
use serde_json::{Value, json};

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// An application registered for `grants`, enabled for `tenant` if given:
/// its client id and secret.
async fn service(grants: &[&str], tenant: Option<TenantId>) -> (String, String) {
    let (_, client_id, secret) = registered_client(&json!({ "grants": grants }), tenant).await;
    (client_id, secret)
}

/// `(client_id, secret)` exchanges `subject_token`, with `extra` parameters.
async fn exchange(
    (client_id, secret): &(String, String),
    subject_token: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", EXCHANGE),
        ("subject_token", subject_token),
        ("subject_token_type", ID_TOKEN),
    ];
    form.extend_from_slice(extra);
    token(&form, Some((client_id, secret))).await
}

async fn error_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    response.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_service_exchanges_a_members_directory_token_for_its_own_access_token_while_their_access_stands()
 {
    let org = onboarded().await;
    let (member, _, user_id) = join(&org, "User").await;
    // What the customers' directory gave the service for the member.
    let member_token = member.directory_token().await;
    let svc = service(&[EXCHANGE], Some(org.tenant_id)).await;

    let response = exchange(&svc, &member_token, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer.get("refresh_token").is_none() && answer.get("id_token").is_none());
    let access = verified(answer["access_token"].as_str().unwrap(), &svc.0).await;
    assert_eq!(access["sub"], user_id.to_string());
    assert_eq!(access["tid"], org.tenant_id.to_string());
    assert_eq!(access["role"], "User");
    assert_eq!(access["idp"], "customer");
    assert_eq!(access["client_id"], svc.0);
    // Every exchange of one directory session is one session here.
    let again: Value = exchange(&svc, &member_token, &[])
        .await
        .json()
        .await
        .unwrap();
    let second = verified(again["access_token"].as_str().unwrap(), &svc.0).await;
    assert_eq!(second["sid"], access["sid"]);

    // The Owner disables the member: nothing more for them.
    assert_eq!(
        set_status(&org.owner_token, user_id, "Disabled")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        error_of(exchange(&svc, &member_token, &[]).await).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_subject_token_that_is_forged_foreign_or_not_for_this_client_gives_nothing() {
    let org = onboarded().await;
    let svc = service(&[EXCHANGE, "client_credentials"], Some(org.tenant_id)).await;
    let owner_token = org.owner_token.as_str();

    let forged = {
        let mut parts: Vec<String> = owner_token.split('.').map(str::to_owned).collect();
        parts[2] = parts[2].chars().rev().collect();
        parts.join(".")
    };
    // The service's own access token: issued by the control plane, which
    // is no directory.
    let own: Value = token(
        &[("grant_type", "client_credentials")],
        Some((&svc.0, &svc.1)),
    )
    .await
    .json()
    .await
    .unwrap();
    for subject in [
        forged.as_str(),
        own["access_token"].as_str().unwrap(),
        "not-a-jwt",
    ] {
        assert_eq!(
            error_of(exchange(&svc, subject, &[]).await).await,
            "invalid_grant"
        );
    }
    // A service of an application the tenant does not use.
    let stranger = service(&[EXCHANGE], None).await;
    assert_eq!(
        error_of(exchange(&stranger, owner_token, &[]).await).await,
        "invalid_grant"
    );
    // A client not registered for the grant.
    let plain = service(&["client_credentials"], Some(org.tenant_id)).await;
    assert_eq!(
        error_of(exchange(&plain, owner_token, &[]).await).await,
        "unauthorized_client"
    );
    // Only for itself, only an access token, no refresh, no delegation.
    for (extra, error) in [
        (("audience", "another-service"), "invalid_target"),
        (("scope", "openid offline_access"), "invalid_scope"),
        (
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
            "invalid_request",
        ),
        (("actor_token", owner_token), "invalid_request"),
        (
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:saml2",
            ),
            "invalid_request",
        ),
    ] {
        let mut form = vec![("grant_type", EXCHANGE), ("subject_token", owner_token)];
        if extra.0 != "subject_token_type" {
            form.push(("subject_token_type", ID_TOKEN));
        }
        form.push(extra);
        let response = token(&form, Some((&svc.0, &svc.1))).await;
        assert_eq!(error_of(response).await, error, "{extra:?}");
    }
}
