//! Signed digests of the audit chains (ADR 0029), in the manner of
//! CloudTrail's log file integrity validation.
//!
//! A digest covers the records of one chain written since the previous
//! digest (`first_seq..=last_seq`), listing each record's sequence number,
//! event id, time and hash, and names the previous digest's signature. It is
//! signed with an asymmetric KMS key whose private half never leaves KMS, and
//! stored where nobody can change or delete it for seven years (S3 Object
//! Lock, compliance mode). Anyone with the public key can then check records
//! offline: a record whose hash is not the digest's was altered, a record the
//! digests do not list was inserted, a listed record that is missing was
//! removed, and a digest that was altered or removed breaks the chain of
//! signatures.

use crate::{ChainHash, EventId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The one signing algorithm (KMS's name; PKCS #1 v1.5 with SHA-256, as
/// CloudTrail's digests).
pub const ALGORITHM: &str = "RSASSA_PKCS1_V1_5_SHA_256";

/// The content of a digest file; what is signed is [`Digest::signing_string`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub version: u32,
    /// `None`: the platform's own records.
    pub tenant_id: Option<TenantId>,
    pub created_at: DateTime<Utc>,
    pub first_seq: u64,
    pub last_seq: u64,
    pub records: Vec<DigestEntry>,
    /// The digest before this one of the same chain; `None` for the first.
    pub previous: Option<PreviousDigest>,
    /// The KMS key that signed it, and how.
    pub key_id: String,
    pub algorithm: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub seq: u64,
    pub id: EventId,
    pub timestamp: DateTime<Utc>,
    pub hash: ChainHash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousDigest {
    pub key: String,
    /// Base64, as in that digest's file.
    pub signature: String,
}

/// A digest file: the digest and its signature (base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDigest {
    pub digest: Digest,
    pub signature: String,
}

impl Digest {
    pub const VERSION: u32 = 1;

    /// What the key signs: a version tag and the SHA-256 of the digest's
    /// canonical JSON (its fields in declaration order), short enough for
    /// KMS's raw-message signing.
    pub fn signing_string(&self) -> String {
        // Plain strings, numbers and lists: serialising cannot fail.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        format!(
            "cp-audit-digest-v{}\n{}",
            self.version,
            hex::encode(Sha256::digest(canonical))
        )
    }

    /// Where this digest is stored.
    pub fn key(&self) -> DigestKey {
        DigestKey::new(self.tenant_id, self.first_seq)
    }
}

/// The folder of a chain's digests: the tenant id, or `platform`.
pub fn partition_label(tenant: Option<TenantId>) -> String {
    tenant.map_or_else(|| "platform".to_owned(), |t| t.to_string())
}

/// Where a digest is stored, the one place its format is known to the
/// writer, the export job and `cpctl`: `<tenant id or platform>/<first
/// sequence number, 20 digits>.json`. It depends only on where the digest
/// starts, so a run that failed after writing it writes the same key again,
/// and a chain's keys sort in chain order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DigestKey {
    pub tenant: Option<TenantId>,
    pub first_seq: u64,
}

impl DigestKey {
    pub fn new(tenant: Option<TenantId>, first_seq: u64) -> Self {
        Self { tenant, first_seq }
    }

    /// What every key of a chain's digests starts with.
    pub fn prefix(tenant: Option<TenantId>) -> String {
        format!("{}/", partition_label(tenant))
    }

    /// The key of a digest of `tenant`'s chain, if `key` is one.
    pub fn parse(tenant: Option<TenantId>, key: &str) -> Option<Self> {
        let seq = key
            .strip_prefix(&Self::prefix(tenant))?
            .strip_suffix(".json")?;
        (seq.len() == 20 && seq.bytes().all(|b| b.is_ascii_digit()))
            .then(|| seq.parse().ok())
            .flatten()
            .map(|first_seq| Self::new(tenant, first_seq))
    }
}

impl std::fmt::Display for DigestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{:020}.json",
            Self::prefix(self.tenant),
            self.first_seq
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_log_003_the_signing_string_changes_with_any_part_of_the_digest() {
        let digest = Digest {
            version: Digest::VERSION,
            tenant_id: Some(TenantId::random()),
            created_at: Utc::now(),
            first_seq: 1,
            last_seq: 1,
            records: vec![DigestEntry {
                seq: 1,
                id: EventId::random(),
                timestamp: Utc::now(),
                hash: ChainHash([7; 32]),
            }],
            previous: None,
            key_id: "k".into(),
            algorithm: ALGORITHM.into(),
        };
        let text = serde_json::to_string(&digest).unwrap();
        let back: Digest = serde_json::from_str(&text).unwrap();
        assert_eq!(back.signing_string(), digest.signing_string());
        let mut altered = digest.clone();
        altered.records[0].hash = ChainHash([8; 32]);
        assert_ne!(altered.signing_string(), digest.signing_string());
        assert!(
            digest
                .key()
                .to_string()
                .ends_with("/00000000000000000001.json")
        );
    }

    #[test]
    fn fr_log_003_a_digest_key_is_written_and_read_one_way() {
        let id = TenantId::random();
        let tenant = Some(id);
        let key = DigestKey::new(tenant, 42);
        let text = key.to_string();
        assert_eq!(text, format!("{id}/00000000000000000042.json"));
        assert_eq!(DigestKey::parse(tenant, &text), Some(key));
        assert_eq!(
            DigestKey::new(None, 3).to_string(),
            "platform/00000000000000000003.json"
        );
        for other in [
            "platform/00000000000000000003.json",
            "x/42.json",
            &text.replace(".json", ".txt"),
        ] {
            assert_eq!(DigestKey::parse(tenant, other), None, "{other}");
        }
    }
}
