//! CC-LOG-003: the OpenID Provider's sign-ins, refusals and replays in the
//! audit trail: a member's in their tenant's, what cannot be tied to
//! anyone in the platform's, refusals with outcome `failure`.

use crate::support::fixtures;
use crate::support::sign_in::{app_sign_in, application_client, cli_refresh, cli_tokens, recorded};
use cp_domain::Outcome;
use cp_local::browser::{Pkce, query_param};
use cp_local::stack::CLI_CLIENT_ID;
use cp_tests::{stack, store, unique};

#[tokio::test]
async fn cc_log_003_a_members_sign_in_and_a_replay_of_its_refresh_token_are_in_the_tenants_trail() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let subject = unique("audited");
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let tokens = cli_tokens(&subject).await;
    let trail = p.tenant.id.to_string();
    let signed_in = recorded(&trail, "auth.sign_in", |r| {
        r.actor_id == owner.id.to_string()
    })
    .await;
    assert_eq!(signed_in.outcome, Outcome::Success);
    assert_eq!(signed_in.metadata["client_id"], CLI_CLIENT_ID);
    assert_eq!(signed_in.metadata["upstream"], "customer");
    let sid = signed_in.metadata["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sid.starts_with("cp-"));

    let spent = tokens["refresh_token"].as_str().unwrap();
    assert!(cli_refresh(spent).await.status().is_success());
    assert_eq!(cli_refresh(spent).await.status(), 400);
    let replay = recorded(&trail, "auth.token", |r| r.metadata["session_id"] == sid).await;
    assert_eq!(replay.outcome, Outcome::Failure);
    assert_eq!(replay.metadata["replayed"], true);
    assert_eq!(replay.metadata["grant_type"], "refresh_token");
    assert_eq!(replay.resource, format!("tenant/{trail}/user/{}", owner.id));
}

#[tokio::test]
async fn cc_log_003_a_sign_in_the_provider_refuses_is_a_failure_in_the_platforms_trail() {
    let redirect = "https://app.example/refused";
    // An application no tenant uses: whoever signs in is refused.
    let (_, client_id, _) = application_client(redirect).await;
    let back = app_sign_in(&client_id, redirect, &unique("stranger"), &Pkce::new()).await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    let refused = recorded("platform", "auth.sign_in", |r| {
        r.metadata["client_id"] == client_id.as_str()
    })
    .await;
    assert_eq!(refused.outcome, Outcome::Failure);
    assert_eq!(refused.metadata["reason"], "not_admitted");
    assert_eq!(refused.resource, format!("client/{client_id}"));
}
