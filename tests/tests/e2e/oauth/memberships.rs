//! One person in several tenants (ADR 0042): invited into a second tenant,
//! they accept by signing in and belong to both; an application both
//! tenants use lets them choose one (or names it with `tenant`), and the
//! tokens are of the tenant chosen.

use crate::support::applications::enable;
use crate::support::members::{Person, emailed_token, invite, me, onboarded};
use crate::support::sign_in::{
    assert_never_framed, authorize_url, person, redeem, registered_client, verified,
};
use cp_local::browser::{Browser, Pkce, location_of, query_param};
use cp_tests::{operator, stack};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

const REDIRECT: &str = "https://both.example/callback";

/// The choices of the page a member of several tenants is shown: each
/// link's tenant and where it leads.
fn choices(page: &str) -> Vec<(String, String)> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .filter(|href| href.starts_with("/oauth2/authorize?"))
        .map(|href| {
            let url = Url::parse(&format!("{}{href}", stack().gateway_url)).unwrap();
            (query_param(&url, "tenant").unwrap(), url.to_string())
        })
        .collect()
}

/// `subject` signs in to the client naming `tenant`: where the browser ends.
async fn naming(client_id: &str, tenant: &str, subject: &str, email: &str, pkce: &Pkce) -> Url {
    let asked = authorize_url(
        client_id,
        REDIRECT,
        pkce,
        &[("idp", "customer"), ("tenant", tenant)],
    );
    Browser::new(&stack().gateway_url)
        .authorize(&asked, subject, &person(email))
        .await
        .unwrap()
}

/// The verified ID token that the code in `answered` is redeemed for.
async fn id_token(answered: &Url, (client_id, secret): (&str, &str), pkce: &Pkce) -> Value {
    let code = query_param(answered, "code").unwrap_or_else(|| panic!("no code: {answered}"));
    let tokens: Value = redeem(client_id, Some(secret), &code, REDIRECT, pkce)
        .await
        .json()
        .await
        .unwrap();
    Value::Object(verified(tokens["id_token"].as_str().unwrap(), client_id).await)
}

#[tokio::test]
async fn a_person_in_two_tenants_that_use_an_application_chooses_one_or_the_client_names_it() {
    let (first, second) = (onboarded().await, onboarded().await);
    let both = Person::fresh("both");
    assert_eq!(
        invite(&first.owner_token, &both.email, "User")
            .await
            .status(),
        StatusCode::CREATED
    );
    both.accept(&emailed_token(&both.email).await).await;
    // A member of one tenant accepts an invitation into another: signed in
    // to the one they just joined, a member of both.
    assert_eq!(
        invite(&second.owner_token, &both.email, "Administrator")
            .await
            .status(),
        StatusCode::CREATED
    );
    let joined = both.accept(&emailed_token(&both.email).await).await;
    let me: Value = me(&joined).await.json().await.unwrap();
    assert_eq!(me["tenant_id"], second.tenant_id.to_string());
    assert_eq!(me["role"], "Administrator");

    let (app, client_id, secret) =
        registered_client(&json!({"redirect_uris": [REDIRECT]}), Some(first.tenant_id)).await;
    enable(&operator().await, second.tenant_id, &app).await;
    let claims = person(&both.email);

    // Signed in, they are asked which tenant: each choice is the client's
    // request again, naming it.
    let pkce = Pkce::new();
    let mut browser = Browser::new(&stack().gateway_url);
    let asked = authorize_url(&client_id, REDIRECT, &pkce, &[("idp", "customer")]);
    let directory = location_of(&browser.get(&asked).await.unwrap()).unwrap();
    let back = browser
        .sign_in_at_directory(&directory, &both.subject, &claims)
        .await
        .unwrap();
    let page = browser.get(&back).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_never_framed(&page);
    let offered = choices(&page.text().await.unwrap());
    let mut tenants: Vec<&str> = offered.iter().map(|(t, _)| t.as_str()).collect();
    tenants.sort_unstable();
    let mut expected = [first.tenant_id.to_string(), second.tenant_id.to_string()];
    expected.sort();
    assert_eq!(tenants, expected);

    let (chosen, link) = offered
        .iter()
        .find(|(t, _)| *t == first.tenant_id.to_string())
        .unwrap();
    let answered = browser
        .authorize(link, &both.subject, &claims)
        .await
        .unwrap();
    assert_eq!(query_param(&answered, "state").as_deref(), Some("st"));
    let client = (client_id.as_str(), secret.as_str());
    let id = id_token(&answered, client, &pkce).await;
    assert_eq!(id["tid"].as_str(), Some(chosen.as_str()));
    assert_eq!(id["role"], "User");
    assert_eq!(id["nonce"], "nn");

    // A client that names the tenant gets its code at once.
    let pkce = Pkce::new();
    let second_id = second.tenant_id.to_string();
    let answered = naming(&client_id, &second_id, &both.subject, &both.email, &pkce).await;
    let id = id_token(&answered, client, &pkce).await;
    assert_eq!(id["tid"], second_id);
    assert_eq!(id["role"], "Administrator");

    // A tenant they are not in, named: nothing.
    let stranger = onboarded().await.tenant_id.to_string();
    let refused = naming(
        &client_id,
        &stranger,
        &both.subject,
        &both.email,
        &Pkce::new(),
    )
    .await;
    assert_eq!(
        query_param(&refused, "error").as_deref(),
        Some("access_denied")
    );
}
