//! The audit trail's signed digests in their S3 bucket (ADR 0029), stored
//! under the keys [`DigestKey`] makes: written by the digest job, read by
//! the export job's integrity check.

use crate::failure;
use aws_sdk_s3::types::ChecksumAlgorithm;
use cp_domain::audit::digest::{DigestKey, SignedDigest};
use cp_domain::{Error, TenantId};

/// The digest bucket.
#[derive(Debug, Clone)]
pub struct DigestArchive {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl DigestArchive {
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            s3,
            bucket: bucket.into(),
        }
    }

    /// Stores `file` under its key, never over another: if a digest is
    /// there already (a run that died before noting it, or a racing one),
    /// that one is returned, to be adopted instead. The bucket's default
    /// retention (compliance mode) locks the object; the SDK's checksum
    /// satisfies Object Lock's integrity requirement.
    pub async fn put(&self, file: &SignedDigest) -> Result<SignedDigest, Error> {
        let key = file.digest.key().to_string();
        let body = serde_json::to_vec_pretty(file).map_err(|_| Error::Internal)?;
        let put = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .if_none_match("*")
            .content_type("application/json")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .body(body.into())
            .send()
            .await;
        match put {
            Ok(_) => Ok(file.clone()),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                self.get(&key).await
            }
            Err(e) => Err(failure("PutObject", &e)),
        }
    }

    /// The digest stored under `key`.
    pub async fn get(&self, key: &str) -> Result<SignedDigest, Error> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| failure("GetObject", &e))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|_| Error::Unavailable)?
            .into_bytes();
        serde_json::from_slice(&bytes).map_err(|e| {
            tracing::error!(error = %e, "a stored digest cannot be read");
            Error::Internal
        })
    }

    /// A chain's digests from the one covering sequence number `first`
    /// through those starting at or before `last`, by key. Keys sort by
    /// where their digests start, so the listing alone says which to fetch.
    pub async fn covering(
        &self,
        tenant: Option<TenantId>,
        first: u64,
        last: u64,
    ) -> Result<Vec<(String, SignedDigest)>, Error> {
        let mut keys: Vec<DigestKey> = Vec::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(DigestKey::prefix(tenant))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure("ListObjectsV2", &e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| DigestKey::parse(tenant, o.key()?))
                    .filter(|k| k.first_seq <= last),
            );
        }
        keys.sort();
        let start = keys.iter().rposition(|k| k.first_seq <= first).unwrap_or(0);
        let mut digests = Vec::new();
        for key in &keys[start.min(keys.len())..] {
            let key = key.to_string();
            let file = self.get(&key).await?;
            digests.push((key, file));
        }
        Ok(digests)
    }
}
