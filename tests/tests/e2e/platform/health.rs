//! FR-SYS-005: the health API reports live dependency checks and the real
//! request figures the functions emitted (EMF → CloudWatch).

use cp_tests::{eventually, get, operator, platform_token, problem, stack, unique};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn fr_sys_005_operators_see_dependencies_and_per_function_error_rate_and_p99() {
    let op = operator().await;
    // Real traffic: requests that are refused by the use case (404) count as
    // requests, not as errors.
    for _ in 0..5 {
        let unknown = format!("/v1/tenants/{}", uuid::Uuid::new_v4());
        assert_eq!(get(&op, &unknown).await.status(), StatusCode::NOT_FOUND);
    }
    let health: Value = eventually("tenant-read figures", Duration::from_secs(20), || async {
        let health: Value = get(&op, "/v1/health").await.json().await.unwrap();
        let figures = health["functions"]
            .as_array()?
            .iter()
            .find(|f| f["function"] == "tenant-read")?
            .clone();
        (figures["requests"].as_f64()? >= 5.0).then_some(health)
    })
    .await;
    let tenant_read = health["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "tenant-read")
        .unwrap();
    assert_eq!(tenant_read["errors"], 0.0);
    assert_eq!(tenant_read["error_rate"], 0.0);
    assert!(tenant_read["p99_latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(health["window_minutes"], 15);

    // Every dependency answered.
    let names: Vec<&str> = health["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for expected in [
        "table",
        "event bus",
        "queue audit",
        "key data",
        "key signing",
        "directory workforce",
        "directory customer",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    for check in health["dependencies"].as_array().unwrap() {
        assert_eq!(check["ok"], true, "{check}");
    }
    // The dead-letter depth is the queue's real one (waiting and being
    // looked at), and it decides status.
    use aws_sdk_sqs::types::QueueAttributeName::{
        ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible,
    };
    let sqs = aws_sdk_sqs::Client::new(&cp_tests::sdk().await);
    let dlq = &stack().resources.queues["audit"].dead_letter_url;
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(dlq)
        .attribute_names(ApproximateNumberOfMessages)
        .attribute_names(ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap();
    let count = |name| -> u64 { attributes.attributes().unwrap()[&name].parse().unwrap() };
    let depth = count(ApproximateNumberOfMessages) + count(ApproximateNumberOfMessagesNotVisible);
    let audit = health["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "queue audit")
        .unwrap();
    // Other tests may dead-letter a message meanwhile: never fewer.
    assert!(audit["dead_letter_depth"].as_u64().unwrap() <= depth);
    let busy = health["functions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["error_rate"].as_f64().unwrap() > 0.01);
    // Any dead-letter queue's messages (another test may set one aside).
    let dead_letters = health["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["dead_letter_depth"].as_u64().unwrap_or(0) > 0);
    let expected = if dead_letters || busy {
        "degraded"
    } else {
        "ok"
    };
    assert_eq!(health["status"], expected);

    // Operators only.
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    problem(
        get(&auditor, "/v1/health").await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
}
