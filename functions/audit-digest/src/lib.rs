//! The audit digest job (FR-LOG-003 tamper evidence, ADR 0029): on a
//! schedule, for every audit chain with records since its last digest, a
//! digest of those records, chained to the previous digest's signature,
//! signed by the asymmetric KMS key and written to the digest bucket, whose
//! Object Lock (compliance mode, seven years) keeps anyone, the account's
//! root included, from changing or deleting it.
//!
//! The order of a digest's steps makes a failed run harmless: the object is
//! written first, under a key that depends only on where the digest starts,
//! and only then noted on the chain's head. A run that dies between the two
//! writes the same key again next time, and the head never names a digest
//! that is not stored.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use cp_aws::{DigestArchive, SigningKey};
use cp_domain::Error;
use cp_domain::audit::digest::{ALGORITHM, Digest, DigestEntry, PreviousDigest, SignedDigest};
use cp_runtime::env::{AUDIT_DIGEST_BUCKET, AUDIT_DIGEST_KEY};
use cp_runtime::{ConfigError, FunctionEnv};
use cp_store::{AuditChain, DigestMark, Store};
use serde::Serialize;

/// Records per digest at most (a digest file of about 150 kB); a chain with
/// more gets several digests in one run.
const MAX_RECORDS: u16 = 1000;

#[derive(Debug)]
pub struct AuditDigest {
    store: Store,
    key: SigningKey,
    archive: DigestArchive,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub digests: u32,
    pub records: u64,
    /// Chains whose digest failed this time (retried on the next run).
    pub failed: u32,
}

impl AuditDigest {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            key: SigningKey::new(
                aws_sdk_kms::Client::new(&env.sdk),
                env.var(AUDIT_DIGEST_KEY)?,
            ),
            archive: DigestArchive::new(
                aws_sdk_s3::Client::new(&env.sdk),
                env.var(AUDIT_DIGEST_BUCKET)?,
            ),
        })
    }

    /// One run over every chain. A chain that fails is reported and left for
    /// the next run; the others go on.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<Report, Error> {
        let mut report = Report::default();
        for chain in self.store.audit_chains().await? {
            if chain.undigested() == 0 {
                continue;
            }
            match self.digest_chain(&chain, now).await {
                Ok((digests, records)) => {
                    report.digests += digests;
                    report.records += records;
                }
                Err(e) => {
                    tracing::error!(error = %e, "digest of an audit chain failed");
                    report.failed += 1;
                }
            }
        }
        if report.digests > 0 || report.failed > 0 {
            tracing::info!(?report, "audit digests written");
        }
        Ok(report)
    }

    /// Digests of a chain's new records, `MAX_RECORDS` at a time.
    async fn digest_chain(
        &self,
        chain: &AuditChain,
        now: DateTime<Utc>,
    ) -> Result<(u32, u64), Error> {
        let mut mark = chain.digest.clone();
        let (mut digests, mut covered) = (0, 0);
        loop {
            let after = mark.as_ref().map_or(0, |m| m.seq);
            let records = self
                .store
                .chain_records(chain.tenant, after, MAX_RECORDS)
                .await?;
            let (Some(first), Some(last)) = (records.first(), records.last()) else {
                return Ok((digests, covered));
            };
            let digest = Digest {
                version: Digest::VERSION,
                tenant_id: chain.tenant,
                created_at: now,
                first_seq: first.chain.map_or(0, |c| c.seq),
                last_seq: last.chain.map_or(0, |c| c.seq),
                records: records
                    .iter()
                    .filter_map(|r| {
                        r.chain.map(|c| DigestEntry {
                            seq: c.seq,
                            id: r.id,
                            timestamp: r.timestamp,
                            hash: c.hash,
                        })
                    })
                    .collect(),
                previous: mark.as_ref().map(|m| PreviousDigest {
                    key: m.key.clone(),
                    signature: m.signature.clone(),
                }),
                key_id: self.key.key_id().to_owned(),
                algorithm: ALGORITHM.to_owned(),
            };
            let next = self.write(&digest).await?;
            if !self
                .store
                .mark_digest(chain.tenant, mark.as_ref(), &next)
                .await?
            {
                // Another run noted a digest first: it covers these records.
                tracing::warn!("a concurrent digest run got there first");
                return Ok((digests, covered));
            }
            digests += 1;
            covered += records.len() as u64;
            mark = Some(next);
        }
    }

    /// Signs a digest and stores it; returns its mark for the chain's head.
    /// Never over another run's digest of the same records: that one is
    /// adopted instead (a run that died before noting it, or a racing one).
    async fn write(&self, digest: &Digest) -> Result<DigestMark, Error> {
        let signature = STANDARD.encode(self.key.sign(digest.signing_string().as_bytes()).await?);
        let stored = self
            .archive
            .put(&SignedDigest {
                digest: digest.clone(),
                signature,
            })
            .await?;
        Ok(DigestMark {
            seq: stored.digest.last_seq,
            key: stored.digest.key().to_string(),
            signature: stored.signature,
        })
    }
}
