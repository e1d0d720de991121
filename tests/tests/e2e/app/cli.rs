//! UC-DEV-REGISTER "via CLI or script": `cpctl` against the local stack,
//! with a developer's token from the local provider.

use crate::support::cli::cpctl;
use clap::Parser;
use cp_cli::{Cli, execute};
use cp_tests::{developer, unique};

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
