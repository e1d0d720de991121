//! The signed digests of the audit trail, as an auditor fetches them to
//! verify a trail or an export offline.

use cp_tests::stack;
use std::path::{Path, PathBuf};

pub(crate) async fn run_digest_job() {
    audit_digest::AuditDigest::from_env(&cp_tests::function_env().await)
        .unwrap()
        .run(chrono::Utc::now())
        .await
        .unwrap();
}

/// The tenant's digest files, as `aws s3 sync s3://<bucket>/<tenant>/` would.
pub(crate) async fn download_digests(tenant: &str, dir: &Path) -> Vec<PathBuf> {
    let s3 = aws_sdk_s3::Client::new(&cp_tests::sdk().await);
    let bucket = &stack().resources.buckets["audit-digests"];
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(format!("{tenant}/"))
        .send()
        .await
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let mut files = Vec::new();
    for object in listed.contents() {
        let key = object.key().unwrap();
        let body = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        let bytes = body.body.collect().await.unwrap().into_bytes();
        let file = dir.join(key.rsplit('/').next().unwrap());
        std::fs::write(&file, bytes).unwrap();
        files.push(file);
    }
    files.sort();
    files
}

/// The digest key's public half, as `aws kms get-public-key` gives it.
pub(crate) async fn public_key(path: &Path) {
    let kms = aws_sdk_kms::Client::new(&cp_tests::sdk().await);
    let key = kms
        .get_public_key()
        .key_id(&stack().resources.keys["audit"])
        .send()
        .await
        .unwrap();
    std::fs::write(path, key.public_key().unwrap().as_ref()).unwrap();
}
