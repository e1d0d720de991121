//! CC-LOG-001 and CC-LOG-002, read from what the stack actually logged:
//! JSON lines carrying the request's correlation id, and no personal data,
//! tokens or secrets.

use cp_tests::{http, operator, stack_log, unique, url};
use serde_json::{Value, json};

#[tokio::test]
async fn cc_log_001_cc_log_002_logs_are_json_with_correlation_ids_and_no_personal_data_or_tokens() {
    let token = operator().await;
    let domain = unique("logged");
    let email = format!("jane.private.{domain}@example.com");
    let correlation = unique("trace");
    let response = http()
        .post(url("/v1/tenants"))
        .bearer_auth(&token)
        .header("x-correlation-id", &correlation)
        .json(&json!({"name": "Private Person Ltd", "domain": domain, "plan": "Free", "owner_email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // The invitation email carries the token; find it to be sure it is not logged.
    let sent = cp_tests::sent_emails(&email).await;
    let invitation_token = sent[0]
        .to_string()
        .split("#token=")
        .nth(1)
        .unwrap()
        .chars()
        .take(43)
        .collect::<String>();

    let log = stack_log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ours: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["correlation_id"] == correlation.as_str())
        .collect();
    let messages: Vec<&str> = ours.iter().filter_map(|l| l["message"].as_str()).collect();
    assert!(messages.contains(&"tenant provisioned"), "{messages:?}");
    assert!(messages.contains(&"request"), "{messages:?}");

    for secret in [
        email.as_str(),
        "jane.private",
        token.as_str(),
        invitation_token.as_str(),
    ] {
        assert!(!log.contains(secret), "the logs contain {secret}");
    }
}
