//! Relying-party libraries nobody here wrote, unchanged, against the
//! OpenID Provider on the local stack: each discovers the issuer, completes
//! code + PKCE, validates the ID token, refreshes, calls userinfo,
//! introspects and revokes. `scripts/setup-clients.sh` installs them.

use crate::support::fixtures;
use crate::support::sign_in::{person, registered_client};
use cp_local::browser::Browser;
use cp_tests::{clients, stack, store, unique};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn authlib_signs_a_member_in_to_an_application_validates_the_id_token_refreshes_introspects_and_revokes()
 {
    let mut python = Command::new(clients().join("venv/bin/python"));
    python.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/oidc_rp.py"));
    signs_in_refreshes_introspects_and_revokes(python, "authlib").await;
}

#[tokio::test]
async fn openidconnect_rs_signs_a_member_in_to_an_application_validates_the_id_token_refreshes_introspects_and_revokes()
 {
    let rust = Command::new(clients().join("oidc-rp-rust-target/debug/oidc-rp-rust"));
    signs_in_refreshes_introspects_and_revokes(rust, "openidconnect").await;
}

/// A member of a tenant that enabled a registered application signs in to
/// it through `relying_party` (a program of `tests/clients`, given the
/// issuer and the application's client in its environment), which prints
/// one JSON line per step and reads the URL the browser was redirected to.
async fn signs_in_refreshes_introspects_and_revokes(mut relying_party: Command, name: &str) {
    let redirect = "https://rp.example/callback";
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let (_, client_id, client_secret) =
        registered_client(&json!({"redirect_uris": [redirect]}), Some(p.tenant.id)).await;
    let subject = unique(name);
    let owner = fixtures::activate_owner(&store, &p, &stack().customer_issuer, &subject).await;
    let email = format!("{name}@member.example");

    let mut child = relying_party
        .env("ISSUER", &stack().token_issuer)
        .env("CLIENT_ID", &client_id)
        .env("CLIENT_SECRET", &client_secret)
        .env("REDIRECT_URI", redirect)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{e}: run scripts/setup-clients.sh"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || -> Value {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the client stopped");
        serde_json::from_str(&line).unwrap()
    };
    let authorize = next().await;
    assert_eq!(authorize["step"], "authorize");
    // The person's browser, from the client's URL to its redirect URI.
    let back = Browser::new(&stack().gateway_url)
        .authorize(
            authorize["url"].as_str().unwrap(),
            &subject,
            &person(&email),
        )
        .await
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{back}\n").as_bytes())
        .await
        .unwrap();
    let signed_in = next().await;
    assert_eq!(signed_in["step"], "signed_in", "{signed_in}");
    assert_eq!(signed_in["sub"], owner.id.to_string());
    assert_eq!(signed_in["tid"], p.tenant.id.to_string());
    assert_eq!(signed_in["role"], "Owner");
    // The ID token's address is the directory's; userinfo's, the tenant's.
    assert_eq!(signed_in["email"], email.as_str());
    assert_eq!(signed_in["has_refresh_token"], true);
    let refreshed = next().await;
    assert_eq!(refreshed["step"], "refreshed", "{refreshed}");
    assert_eq!(refreshed["sub"], signed_in["sub"]);
    assert_eq!(refreshed["sid"], signed_in["sid"]);
    assert_eq!(refreshed["rotated"], true);
    let userinfo = next().await;
    assert_eq!(userinfo["step"], "userinfo", "{userinfo}");
    assert_eq!(userinfo["sub"], signed_in["sub"]);
    assert_eq!(userinfo["email"], owner.email.as_str());
    assert_eq!(userinfo["role"], "Owner");
    let introspected = next().await;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["sid"], signed_in["sid"]);
    let revoked = next().await;
    assert_eq!(revoked["status"], 200, "{revoked}");
    assert_eq!(revoked["active"], false);
    assert!(child.wait().await.unwrap().success());
}

/// The how-to for application teams shows the Authlib client of the
/// program the test above runs, word for word.
#[test]
fn the_sign_in_how_to_is_the_code_the_tests_run() {
    let program = include_str!("../../../clients/oidc_rp.py");
    let begin = program.find("# how-to: begin\n").unwrap();
    let end = program.find("# how-to: end").unwrap();
    let ran = &program[begin + "# how-to: begin\n".len()..end];
    let doc = include_str!("../../../../doc/how-to-sign-in-users.md");
    let python = doc.split("```python\n").nth(1).unwrap();
    let documented = &python[..python.find("```").unwrap()];
    assert_eq!(
        documented, ran,
        "doc/how-to-sign-in-users.md and tests/clients/oidc_rp.py"
    );
}
