//! The audit trail's tamper evidence end to end (FR-LOG-003, ADR 0029):
//! control-plane events through the pipeline into each tenant's hash chain,
//! the digest job signing digests into the Object-Locked bucket, and
//! `cpctl audit verify` checking a tenant's trail offline, catching each
//! kind of tampering with records and digests.

use crate::support::audit::{download_digests, public_key, run_digest_job};
use crate::support::cli::cpctl;
use crate::support::fixtures;
use cp_cli::verify::{Finding, Scope};
use cp_cli::{CliError, verify_files};
use cp_tests::{eventually, operator, platform_token, send_json, stack, unique};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// A tenant's records so far, through `cpctl audit records`.
async fn fetch_records(token: &str, tenant: &str, out: &Path) -> Vec<Value> {
    let path = out.display().to_string();
    cpctl(
        token,
        &["audit", "records", "--tenant", tenant, "--out", &path],
    )
    .await
    .unwrap();
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

fn seq(record: &Value) -> u64 {
    record["seq"].as_u64().unwrap()
}

#[tokio::test]
async fn fr_log_003_a_tenant_s_trail_verifies_offline_and_every_tampering_is_caught() {
    let (p, _) = fixtures::tenant_owner().await;
    let tenant = p.tenant.id.to_string();
    let op = operator().await;
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    let dir = std::env::temp_dir().join(unique("audit-verify"));
    std::fs::create_dir_all(&dir).unwrap();
    let records_file = dir.join("records.json");
    let act = |action: &'static str| {
        let op = op.clone();
        let path = format!("/v1/tenants/{tenant}/{action}");
        async move {
            let response = send_json(Method::POST, &op, &path, &json!(null)).await;
            assert_eq!(response.status(), StatusCode::OK, "{action}");
        }
    };
    let recorded = |n: usize| {
        let auditor = auditor.clone();
        let tenant = tenant.clone();
        let records_file = records_file.clone();
        async move {
            eventually("the audit records", Duration::from_secs(20), || async {
                let records = fetch_records(&auditor, &tenant, &records_file).await;
                let changes = records
                    .iter()
                    .filter(|r| r["action"] != cp_tests::READ_ACTION)
                    .count();
                (changes >= n).then_some(changes)
            })
            .await
        }
    };

    // Two digests: one after the first events, one after the next.
    act("suspend").await;
    act("resume").await;
    let first = recorded(2).await;
    run_digest_job().await;
    act("suspend").await;
    recorded(first + 1).await;
    run_digest_job().await;

    let records = fetch_records(&auditor, &tenant, &records_file).await;
    let digests_dir = dir.join("digests");
    let digests = download_digests(&tenant, &digests_dir).await;
    assert!(digests.len() >= 2, "a digest per run with new records");
    let key = dir.join("audit-key.der");
    public_key(&key).await;

    let verify =
        |records: &Path, digests: &Path| verify_files(records, digests, &key, Scope::Whole);
    let verified = verify(&records_file, &digests_dir).unwrap();
    assert_eq!(verified["records"], records.len());
    // Every change is digested; the reads of the trail that fetching it
    // recorded (CON-SEC-002) may be newer than the last digest.
    let digested = verified["digested_through"].as_u64().unwrap();
    assert!(digested >= (first + 1) as u64, "{verified}");
    assert_eq!(
        digested + verified["not_yet_digested"].as_u64().unwrap(),
        records.len() as u64
    );
    // The command line says the same.
    let key_arg = key.display().to_string();
    let answer = cpctl(
        "unused",
        &[
            "audit",
            "verify",
            "--whole",
            "--records",
            &records_file.display().to_string(),
            "--digests",
            &digests_dir.display().to_string(),
            "--public-key",
            &key_arg,
        ],
    )
    .await
    .unwrap();
    assert_eq!(answer["records"], records.len());

    let by_seq = |n: u64| records.iter().find(|r| seq(r) == n).unwrap().clone();
    let id_of = |n: u64| by_seq(n)["id"].as_str().unwrap().parse().unwrap();
    let tampered = |edit: &dyn Fn(&mut Vec<Value>)| {
        let mut copy = records.clone();
        edit(&mut copy);
        let file = dir.join(unique("tampered"));
        std::fs::write(&file, serde_json::to_vec(&copy).unwrap()).unwrap();
        match verify(&file, &digests_dir) {
            Err(CliError::NotVerified(finding)) => finding,
            other => panic!("tampering went unnoticed: {other:?}"),
        }
    };

    // Altered: an outcome rewritten.
    assert_eq!(
        tampered(&|rs| {
            let r = rs.iter_mut().find(|r| seq(r) == 2).unwrap();
            r["outcome"] = json!("Failure");
        }),
        Finding::Altered {
            seq: 2,
            id: id_of(2)
        }
    );
    // Removed: the first record of the trail.
    assert_eq!(
        tampered(&|rs| rs.retain(|r| seq(r) != 1)),
        Finding::Removed {
            seq: 1,
            id: Some(id_of(1))
        }
    );
    // Inserted: a forged record in the place of the second.
    let forged: cp_domain::EventId = cp_domain::EventId::random();
    assert_eq!(
        tampered(&|rs| {
            let r = rs.iter_mut().find(|r| seq(r) == 2).unwrap();
            r["id"] = json!(forged.to_string());
        }),
        Finding::Inserted { seq: 2, id: forged }
    );

    // A digest altered (a record's hash in it replaced) or removed.
    let altered_dir = dir.join("altered-digests");
    download_digests(&tenant, &altered_dir).await;
    let first_digest = altered_dir.join(digests[0].file_name().unwrap());
    let mut file: Value = serde_json::from_slice(&std::fs::read(&first_digest).unwrap()).unwrap();
    file["digest"]["records"][0]["hash"] = json!("0".repeat(64));
    std::fs::write(&first_digest, serde_json::to_vec(&file).unwrap()).unwrap();
    assert!(matches!(
        verify(&records_file, &altered_dir),
        Err(CliError::NotVerified(Finding::DigestAltered { .. }))
    ));
    std::fs::remove_file(&first_digest).unwrap();
    assert!(matches!(
        verify(&records_file, &altered_dir),
        Err(CliError::NotVerified(Finding::DigestMissing {
            first: 1,
            ..
        }))
    ));
}

#[tokio::test]
async fn fr_log_003_digests_are_locked_in_compliance_mode_for_seven_years() {
    let (p, _) = fixtures::tenant_owner().await;
    let tenant = p.tenant.id.to_string();
    let op = operator().await;
    let response = send_json(
        Method::POST,
        &op,
        &format!("/v1/tenants/{tenant}/suspend"),
        &json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let s3 = aws_sdk_s3::Client::new(&cp_tests::sdk().await);
    let bucket = stack().resources.buckets["audit-digests"].clone();
    let key = format!("{tenant}/{:020}.json", 1);
    let head = eventually("the first digest", Duration::from_secs(30), || async {
        run_digest_job().await;
        s3.head_object().bucket(&bucket).key(&key).send().await.ok()
    })
    .await;
    assert_eq!(
        head.object_lock_mode(),
        Some(&aws_sdk_s3::types::ObjectLockMode::Compliance)
    );
    let until = head.object_lock_retain_until_date().unwrap().secs();
    // Seven years from the write, which was a moment ago (in whole days:
    // the seconds since the write and the leap days do not count).
    let days = (until - chrono::Utc::now().timestamp() + 3600) / (24 * 3600);
    assert!(
        (7 * 365..=7 * 366).contains(&days),
        "retained seven years: {days} days"
    );
    // Nobody deletes a locked version.
    let deleted = s3
        .delete_object()
        .bucket(&bucket)
        .key(&key)
        .set_version_id(head.version_id().map(str::to_owned))
        .send()
        .await;
    assert!(deleted.is_err(), "a locked digest cannot be deleted");
    assert!(
        s3.head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .is_ok()
    );
}
