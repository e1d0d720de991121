//! UC-DEV-REGISTER "via CLI or script": `cpctl` against the local stack,
//! with a developer's token, or signed in through the browser
//! (`cpctl login`, RFC 8252).

use crate::support::cli::cpctl;
use clap::Parser;
use cp_cli::{Cli, CliError, execute, login};
use cp_local::browser::{Browser, query_param};
use cp_local::tokens;
use cp_tests::{developer, stack, unique};
use reqwest::Url;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

#[tokio::test]
async fn uc_dev_register_a_developer_registers_rotates_and_disables_with_cpctl() {
    let dev = developer().await;
    let name = unique("Orders");
    let registered = cpctl(
        &dev,
        &[
            "apps",
            "register",
            "--name",
            &name,
            "--environment",
            "Staging",
            "--owner",
            "team-orders",
            "--scope",
            "flags:read",
            "--scope",
            "billing:write",
        ],
    )
    .await
    .unwrap();
    let app_id = registered["application"]["id"].as_str().unwrap().to_owned();
    let secret = registered["secret"]["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("cpsk_v1."));
    assert_eq!(registered["secret"]["client_id"], app_id.as_str());

    let next = cpctl(
        &dev,
        &["secrets", "issue", &app_id, "--scope", "flags:read"],
    )
    .await
    .unwrap();
    let listed = cpctl(&dev, &["secrets", "list", &app_id]).await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(secret));
    let old = registered["secret"]["id"].as_str().unwrap();
    let revoked = cpctl(&dev, &["secrets", "revoke", &app_id, old])
        .await
        .unwrap();
    assert_eq!(revoked["active"], false);
    assert_eq!(next["active"], true);

    let disabled = cpctl(&dev, &["apps", "disable", &app_id]).await.unwrap();
    assert_eq!(disabled["status"], "Disabled");
    let shown = cpctl(&dev, &["apps", "get", &app_id]).await.unwrap();
    assert_eq!(shown["status"], "Disabled");

    // Refusals are errors with exit code 1 and the problem's words.
    let refused = cpctl(
        &dev,
        &[
            "apps",
            "register",
            "--name",
            "",
            "--environment",
            "Prod",
            "--owner",
            "x",
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(refused.exit_code(), 1);
    assert!(refused.to_string().contains("ERR-VAL-400"), "{refused}");
    let auditor = cp_tests::platform_token(&unique("auditor"), &["Auditor"]).await;
    let denied = cpctl(
        &auditor,
        &["secrets", "issue", &app_id, "--scope", "flags:read"],
    )
    .await
    .unwrap_err();
    assert!(denied.to_string().contains("ERR-AUTH-403"), "{denied}");
    // An unreachable control plane is exit code 3.
    let gone = execute(
        &Cli::try_parse_from([
            "cpctl",
            "--api",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "apps",
            "list",
        ])
        .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(gone.exit_code(), 3);
}

/// `cpctl` with the tokens kept at `credentials` (no `--token`).
async fn signed_in_cpctl(credentials: &Path, args: &[&str]) -> Result<Value, CliError> {
    let path = credentials.to_str().unwrap();
    let mut argv = vec![
        "cpctl",
        "--api",
        &stack().gateway_url,
        "--credentials",
        path,
    ];
    argv.extend_from_slice(args);
    execute(&Cli::try_parse_from(argv).unwrap()).await
}

/// The developer's browser: signs `subject` in at the workforce directory
/// from `url`, and follows the redirect back to cpctl's loopback listener.
async fn browser_signs_in(url: &str, subject: &str) -> reqwest::StatusCode {
    let back = Browser::new(&stack().gateway_url)
        .authorize(url, subject, &tokens::staff(subject, &["Developer"]))
        .await
        .unwrap();
    assert!(back.as_str().starts_with("http://127.0.0.1:"), "{back}");
    reqwest::get(back).await.unwrap().status()
}

#[tokio::test]
async fn uc_dev_register_cpctl_login_signs_a_developer_in_through_the_browser_with_a_loopback_redirect()
 {
    let dir = std::env::temp_dir().join(unique("cpctl"));
    let credentials = dir.join("credentials.json");
    // Not signed in: told what to do.
    let none = signed_in_cpctl(&credentials, &["apps", "list"])
        .await
        .unwrap_err();
    assert!(none.to_string().contains("cpctl login"), "{none}");

    // RFC 8252: a port of the loopback address the system picked, PKCE S256,
    // and the person's browser through the control plane's sign-in.
    let pending = login::start(&stack().gateway_url, Some("workforce"))
        .await
        .unwrap();
    let asked = Url::parse(&pending.url).unwrap();
    let param = |name: &str| query_param(&asked, name).unwrap_or_default();
    assert_eq!(param("client_id"), "cpctl");
    assert_eq!(param("code_challenge_method"), "S256");
    assert!(param("redirect_uri").starts_with("http://127.0.0.1:"));
    assert_ne!(param("redirect_uri"), "http://127.0.0.1:0/callback");
    let subject = unique("developer");
    let url = pending.url.clone();
    let (signed_in, page) = tokio::join!(
        pending.finish(Duration::from_secs(30)),
        browser_signs_in(&url, &subject)
    );
    assert_eq!(page, reqwest::StatusCode::OK);
    let kept = signed_in.unwrap();
    login::save(&credentials, &kept).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads the tokens");
    }
    let name = unique("Signed-in");
    let registered = signed_in_cpctl(
        &credentials,
        &[
            "apps",
            "register",
            "--name",
            &name,
            "--environment",
            "Staging",
            "--owner",
            "me",
        ],
    )
    .await
    .unwrap();
    assert_eq!(registered["name"], name.as_str());

    // Expired: refreshed with the rotating refresh token, and kept.
    let mut expired = kept.clone();
    expired.expires_at = 0;
    login::save(&credentials, &expired).unwrap();
    signed_in_cpctl(&credentials, &["apps", "list"])
        .await
        .unwrap();
    let refreshed: login::Credentials =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    assert_ne!(refreshed.access_token, kept.access_token);
    assert_ne!(refreshed.refresh_token, kept.refresh_token);

    // Logout revokes the refresh token: a copy of the file is good for
    // nothing once its access token expires.
    let mut stolen = refreshed.clone();
    stolen.expires_at = 0;
    let out = signed_in_cpctl(&credentials, &["logout"]).await.unwrap();
    assert_eq!(out["signed_out"], true);
    assert!(!credentials.exists());
    login::save(&credentials, &stolen).unwrap();
    let refused = signed_in_cpctl(&credentials, &["apps", "list"])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 1, "{refused}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn cpctl_login_refuses_a_return_with_another_state_or_a_refusal() {
    // Somebody else's redirect to the listener (another state): refused,
    // and no code is redeemed.
    let pending = login::start(&stack().gateway_url, Some("workforce"))
        .await
        .unwrap();
    let redirect = query_param(&Url::parse(&pending.url).unwrap(), "redirect_uri").unwrap();
    let (refused, status) = tokio::join!(pending.finish(Duration::from_secs(30)), async {
        reqwest::get(format!("{redirect}?code=stolen&state=forged"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(refused.unwrap_err().to_string().contains("another state"));

    // A person the control plane does not admit: the refusal, said.
    let pending = login::start(&stack().gateway_url, Some("customer"))
        .await
        .unwrap();
    let url = pending.url.clone();
    let (refused, _) = tokio::join!(pending.finish(Duration::from_secs(30)), async {
        let back = Browser::new(&stack().gateway_url)
            .authorize(
                &url,
                &unique("stranger"),
                &tokens::verified("x@y.example", "X"),
            )
            .await
            .unwrap();
        reqwest::get(back).await.unwrap().status()
    });
    let refused = refused.unwrap_err().to_string();
    assert!(refused.contains("access_denied"), "{refused}");
}

#[tokio::test]
async fn uc_dev_register_cpctl_registers_an_application_as_an_openid_connect_client() {
    let dev = developer().await;
    let registered = cpctl(
        &dev,
        &[
            "apps",
            "register",
            "--name",
            &unique("Portal"),
            "--environment",
            "Staging",
            "--owner",
            "web",
        ],
    )
    .await
    .unwrap();
    let app_id = registered["id"].as_str().unwrap().to_owned();
    let client = cpctl(
        &dev,
        &[
            "apps",
            "client",
            &app_id,
            "--redirect-uri",
            "https://portal.example/callback",
            "--post-logout-redirect-uri",
            "https://portal.example/",
            "--backchannel-logout-uri",
            "https://portal.example/backchannel-logout",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--grant",
            "token_exchange",
        ],
    )
    .await
    .unwrap();
    assert_eq!(client["client"]["client_type"], "confidential");
    assert_eq!(
        client["client"]["redirect_uris"],
        serde_json::json!(["https://portal.example/callback"])
    );
    assert_eq!(
        client["client"]["grants"],
        serde_json::json!([
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ])
    );
    let shown = cpctl(&dev, &["apps", "get", &app_id]).await.unwrap();
    assert_eq!(shown["client"], client["client"]);

    // What the provider would refuse is refused here, field by field, and
    // the registration stays as it was.
    let refused = cpctl(
        &dev,
        &[
            "apps",
            "client",
            &app_id,
            "--redirect-uri",
            "https://*.portal.example/callback",
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(refused.exit_code(), 1);
    assert!(refused.to_string().contains("ERR-VAL-400"), "{refused}");
    assert!(refused.to_string().contains("redirect_uris"), "{refused}");
    let unchanged = cpctl(&dev, &["apps", "get", &app_id]).await.unwrap();
    assert_eq!(unchanged["client"], client["client"]);
}
