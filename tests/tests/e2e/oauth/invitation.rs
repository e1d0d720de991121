//! UC-TENANT-INVITE through the OpenID Provider: a customer's Owner (or any
//! invitee) accepts the emailed invitation by signing in at the customers'
//! directory, and is a member from that sign-in on; the address the
//! directory verified must be the one the invitation went to.

use crate::support::members::emailed_token;
use crate::support::sign_in::{LOOPBACK, authorize_url, cli_redeem, error_of, person, verified};
use cp_local::browser::{Browser, Pkce, query_param};
use cp_local::stack::CLI_CLIENT_ID;
use cp_tests::{operator, send_json, stack, unique};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

/// A tenant an operator provisioned for `owner_email`: its id.
async fn provisioned(owner_email: &str) -> String {
    let created: Value = send_json(
        Method::POST,
        &operator().await,
        "/v1/tenants",
        &json!({"name": "Invited Ltd", "domain": unique("invited"), "plan": "Pro", "owner_email": owner_email}),
    )
    .await
    .json()
    .await
    .unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// `subject`, whose directory verified `email`, signs in with `cpctl`
/// carrying the invitation `token`; where the browser ends up.
async fn accept_by_signing_in(token: &str, subject: &str, email: &str, pkce: &Pkce) -> Url {
    Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, pkce, &[("invitation", token)]),
            subject,
            &person(email),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn uc_tenant_invite_an_owner_accepts_the_invitation_by_signing_in_at_the_customers_directory()
{
    let email = format!("{}@invited.example", unique("owner"));
    let tenant = provisioned(&email).await;
    let token = emailed_token(&email).await;

    // Someone whose directory verified another address gets nothing, and
    // the invitation stays usable.
    let pkce = Pkce::new();
    let refused =
        accept_by_signing_in(&token, &unique("other"), "other@invited.example", &pkce).await;
    assert_eq!(error_of(&refused).as_deref(), Some("access_denied"));
    assert!(
        query_param(&refused, "error_description")
            .unwrap()
            .contains("another address")
    );

    let subject = unique("invitee");
    let back = accept_by_signing_in(&token, &subject, &email, &pkce).await;
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let response = cli_redeem(&code, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    let id = verified(tokens["id_token"].as_str().unwrap(), CLI_CLIENT_ID).await;
    assert_eq!(id["tid"], tenant);
    assert_eq!(id["role"], "Owner");
    assert_eq!(id["idp"], "customer");

    // A member from now on, by that identity, without the link ...
    let again = Pkce::new();
    let next = Browser::new(&stack().gateway_url)
        .authorize(
            &authorize_url(CLI_CLIENT_ID, LOOPBACK, &again, &[("idp", "customer")]),
            &subject,
            &person(&email),
        )
        .await
        .unwrap();
    assert!(query_param(&next, "code").is_some(), "{next}");
    // ... and the link is used up.
    let used = accept_by_signing_in(&token, &unique("late"), &email, &Pkce::new()).await;
    assert_eq!(error_of(&used).as_deref(), Some("access_denied"));
}
