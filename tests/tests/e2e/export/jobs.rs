//! Audit export end to end (UC-AUDIT-EXPORT, FR-LOG-002, ADR 0016): the
//! request through the gateway, the job on the audit-exports queue writing
//! CSV to the export bucket, the presigned link, the file checked offline
//! by `cpctl audit verify` against the signed digests, and the export itself
//! in the exported trail; and who may export what, from the attacker's side.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::audit::{download_digests, public_key, run_digest_job};
use crate::support::fixtures;
use aws_sdk_dynamodb::types::AttributeValue;
use cp_api::{AuditExportView, AuditRecordView};
use cp_cli::verify::{Finding, Scope};
use cp_cli::{CliError, verify_files};
use cp_domain::{ExportStatus, Integrity};
use cp_tests::{
    developer, eventually, get, http, operator, platform_token, problem, send_json, store, unique,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

const FORMULA: &str = "=HYPERLINK(\"http://attacker.example\",\"open\")";

async fn request_export(token: &str, body: &Value) -> reqwest::Response {
    send_json(Method::POST, token, "/v1/audit-exports", body).await
}

/// The job, once it has ended.
async fn finished(token: &str, location: &str) -> AuditExportView {
    eventually("the export job to end", Duration::from_secs(60), || async {
        let job: AuditExportView = get(token, location).await.json().await.unwrap();
        (job.status != ExportStatus::Running).then_some(job)
    })
    .await
}

/// Every record of the tenant so far, as an auditor lists them.
async fn listed(token: &str, tenant: cp_domain::TenantId) -> Vec<AuditRecordView> {
    cp_tests::audit_trail(token, &tenant.to_string(), "").await
}

#[tokio::test]
async fn uc_audit_export_an_auditor_exports_a_range_as_csv_that_verifies_offline() {
    let started = chrono::Utc::now() - chrono::Duration::seconds(5);
    // A tenant whose application (enabled: one record) reports a success and
    // a failure by an actor whose id is a spreadsheet formula.
    let p = fixtures::tenant(&store().await).await;
    let tenant = p.tenant.id;
    let dev = developer().await;
    let app = register(&dev).await;
    enable(&operator().await, tenant, &app).await;
    let token = access_token(&secret(&dev, &app, &["audit:write"]).await).await;
    let event = |outcome: &str| {
        json!({
            "tenant_id": tenant,
            "event_id": unique("evt"),
            "timestamp": chrono::Utc::now().to_rfc3339(),
            "actor_id": FORMULA,
            "event_type": "invoice.download",
            "resource_id": "invoice/2026-05",
            "outcome": outcome,
            "ip_address": "203.0.113.7",
        })
    };
    for outcome in ["success", "failure"] {
        let r = send_json(Method::POST, &token, "/v1/audit-events", &event(outcome)).await;
        assert!(r.status().is_success(), "{}", r.status());
    }
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    // Listing adds records of the reads (CON-SEC-002), after this moment.
    let listed_at = chrono::Utc::now();
    let records = eventually("the records", Duration::from_secs(30), || async {
        let records = listed(&auditor, tenant).await;
        (records.len() >= 3).then_some(records)
    })
    .await;
    run_digest_job().await;

    // The whole range.
    let response = request_export(
        &auditor,
        &json!({ "tenant_id": tenant, "from": started, "to": listed_at }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let accepted: AuditExportView = response.json().await.unwrap();
    assert_eq!(accepted.status, ExportStatus::Running);
    assert_eq!(location, format!("/v1/audit-exports/{}", accepted.id));
    let job = finished(&auditor, &location).await;
    assert_eq!(job.status, ExportStatus::Succeeded, "{job:?}");
    assert_eq!(job.records, Some(records.len() as u64));
    // The job checked the file's records against the signed digests.
    // (Another test's digest run may have split the trail in two digests.)
    let n = records.len() as u64;
    assert!(
        matches!(
            job.integrity,
            Some(Integrity::Verified { records, digests: 1.., digested_through, not_yet_digested: 0 })
                if records == n && digested_through >= n
        ),
        "{job:?}"
    );

    // The link needs no token: it is the authorisation, for five minutes.
    let link = job.download_url.clone().unwrap();
    let downloaded = http().get(&link).send().await.unwrap();
    assert_eq!(downloaded.status(), StatusCode::OK);
    let csv = downloaded.bytes().await.unwrap();
    assert_eq!(Some(csv.len() as u64), job.bytes);
    assert_eq!(Some(hex::encode(Sha256::digest(&csv))), job.sha256);
    let text = String::from_utf8(csv.to_vec()).unwrap();
    assert!(text.starts_with("seq,timestamp,tenant_id,actor_id,"));
    assert_eq!(text.lines().count(), records.len() + 1);
    // The formula reaches the spreadsheet as text.
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let actors: Vec<String> = rows.records().map(|r| r.unwrap()[3].to_owned()).collect();
    assert_eq!(
        actors
            .iter()
            .filter(|a| **a == format!("'{FORMULA}"))
            .count(),
        2
    );
    assert!(!actors.iter().any(|a| a.starts_with('=')));

    // The file verifies offline against the signed digests; tampered, not.
    let dir = std::env::temp_dir().join(unique("audit-export"));
    let (file, digests, key) = (
        dir.join("export.csv"),
        dir.join("digests"),
        dir.join("key.der"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&file, &text).unwrap();
    download_digests(&tenant.to_string(), &digests).await;
    public_key(&key).await;
    let verified = verify_files(&file, &digests, &key, Scope::Export).unwrap();
    assert_eq!(verified["records"], records.len());
    let tampered = dir.join("tampered.csv");
    std::fs::write(&tampered, text.replacen(",Failure,", ",Success,", 1)).unwrap();
    assert!(matches!(
        verify_files(&tampered, &digests, &key, Scope::Export),
        Err(CliError::NotVerified(Finding::Altered { .. }))
    ));

    // Filtered by outcome: only the failure.
    let response = request_export(
        &auditor,
        &json!({ "tenant_id": tenant, "from": started, "to": chrono::Utc::now(), "outcome": "Failure" }),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let filtered = finished(&auditor, &location).await;
    assert_eq!(filtered.records, Some(1));
    assert_eq!(filtered.filter.outcome, Some(cp_domain::Outcome::Failure));
    assert!(
        matches!(
            filtered.integrity,
            Some(Integrity::Verified { records: 1, .. })
        ),
        "{filtered:?}"
    );

    // Both exports, who asked and how they ended are in the tenant's trail.
    let me: Value = get(&auditor, "/v1/me").await.json().await.unwrap();
    let auditor_id = me["user_id"].as_str().unwrap().to_owned();
    eventually(
        "the exports in the trail",
        Duration::from_secs(30),
        || async {
            let trail = listed(&auditor, tenant).await;
            let asked = trail
                .iter()
                .filter(|r| r.action == "audit.export" && r.actor_id == auditor_id)
                .count();
            let ended = trail
                .iter()
                .filter(|r| {
                    r.action == "audit.export.finish" && r.metadata["status"] == "Succeeded"
                })
                .count();
            // Each link handed out is a read of the file (CON-SEC-002).
            let reads = cp_tests::audit_trail(
                &auditor,
                &tenant.to_string(),
                &format!("&action={}&actor_id={auditor_id}", cp_tests::READ_ACTION),
            )
            .await;
            let links = reads
                .iter()
                .filter(|r| {
                    r.metadata["data"] == "audit_export_file"
                        && r.resource == format!("audit-export/{}", job.id)
                })
                .count();
            (asked == 2 && ended == 2 && links >= 1).then_some(())
        },
    )
    .await;

    // Somebody with write access to the table rewrites a failure into a
    // success: the next export's check names the record.
    let failure = records
        .iter()
        .find(|r| r.outcome == cp_domain::Outcome::Failure)
        .unwrap();
    let key = cp_store::keys::audit_record(Some(tenant), failure.timestamp, failure.id);
    aws_sdk_dynamodb::Client::new(&cp_tests::sdk().await)
        .update_item()
        .table_name(&cp_tests::stack().resources.table)
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .update_expression("SET outcome = :s")
        .expression_attribute_values(":s", AttributeValue::S("Success".into()))
        .send()
        .await
        .unwrap();
    let response = request_export(
        &auditor,
        &json!({ "tenant_id": tenant, "from": started, "to": listed_at }),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let tampered = finished(&auditor, &location).await;
    assert_eq!(tampered.status, ExportStatus::Succeeded);
    assert_eq!(
        tampered.integrity,
        Some(Integrity::Failed {
            problem: "altered".into(),
            message: format!(
                "record {} ({}) was altered",
                failure.chain.unwrap().seq,
                failure.id
            ),
        })
    );
}

#[tokio::test]
async fn fr_log_002_owners_export_their_own_tenant_and_nobody_reaches_another_s() {
    let (mine, owner_subject) = fixtures::tenant_owner().await;
    let (theirs, their_owner_subject) = fixtures::tenant_owner().await;
    let owner = fixtures::sign_in(&owner_subject).await;
    let their_owner = fixtures::sign_in(&their_owner_subject).await;
    let range = |tenant: Option<cp_domain::TenantId>| {
        let mut body = json!({
            "from": chrono::Utc::now() - chrono::Duration::hours(1),
            "to": chrono::Utc::now(),
        });
        if let Some(t) = tenant {
            body["tenant_id"] = json!(t);
        }
        body
    };

    // An Owner exports their own tenant's, naming it or not.
    let response = request_export(&owner, &range(None)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job: AuditExportView = response.json().await.unwrap();
    assert_eq!(job.tenant_id, Some(mine.tenant.id));
    let location = format!("/v1/audit-exports/{}", job.id);
    assert_eq!(
        finished(&owner, &location).await.status,
        ExportStatus::Succeeded
    );

    // Another tenant's: as if it did not exist, both ways.
    problem(
        request_export(&owner, &range(Some(theirs.tenant.id))).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    problem(
        get(&their_owner, &location).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    problem(
        request_export(
            &owner,
            &json!({ "tenant_id": "platform", "from": chrono::Utc::now() - chrono::Duration::hours(1), "to": chrono::Utc::now() }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // Operators read every trail; developers none.
    assert_eq!(
        request_export(&operator().await, &range(Some(mine.tenant.id)))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    problem(
        request_export(&developer().await, &range(Some(mine.tenant.id))).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        get(&developer().await, &location).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    // An Operator sees any tenant's job; an unknown one is 404.
    assert_eq!(
        get(&operator().await, &location).await.status(),
        StatusCode::OK
    );
    problem(
        get(
            &operator().await,
            &format!("/v1/audit-exports/{}", uuid::Uuid::new_v4()),
        )
        .await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;

    // Bad input names every field.
    let refused = problem(
        request_export(
            &owner,
            &json!({ "from": "yesterday", "outcome": "Maybe", "action": "" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    let mut names: Vec<&str> = refused["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["action", "from", "outcome", "to"]);
    problem(
        request_export(
            &owner,
            &json!({ "from": chrono::Utc::now(), "to": chrono::Utc::now() - chrono::Duration::hours(1) }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
}
