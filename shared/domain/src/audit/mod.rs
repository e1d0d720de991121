//! Audit Log records (FR-LOG-003): immutable, one per audited action, and
//! each tenant's records one hash chain (tamper evidence, ADR 0028).

pub mod digest;
pub mod verify;

use crate::{ActorType, EventId, TenantId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    /// As it is written: `Success` or `Failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Failure => "Failure",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The id of the event it records: recording the same event twice is the
    /// same record (idempotent consumers).
    pub id: EventId,
    pub timestamp: DateTime<Utc>,
    /// `None` for platform-level actions.
    pub tenant_id: Option<TenantId>,
    pub actor_id: String,
    pub actor_type: ActorType,
    /// e.g. `tenant.create`.
    pub action: String,
    /// e.g. `tenant/<id>`.
    pub resource: String,
    pub outcome: Outcome,
    /// Additional context (the event's data).
    pub metadata: serde_json::Value,
    pub correlation_id: String,
    /// Who reported it: `control-plane`, or a managed application's id.
    pub source: String,
    /// The record's place in its tenant's chain; `None` until it is stored.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
}

impl AuditRecord {
    /// When retention allows the record to be deleted.
    pub fn retain_until(&self) -> DateTime<Utc> {
        crate::Retention::AuditLog.until(self.timestamp)
    }

    /// The hash of this record as the `seq`-th of its chain after a record
    /// whose hash is `previous`: SHA-256 of the canonical JSON of every field
    /// (fixed order, metadata with sorted keys, time in nanoseconds), so that
    /// changing any field, the order or the predecessor changes it.
    pub fn chain_hash(&self, seq: u64, previous: &ChainHash) -> ChainHash {
        #[derive(Serialize)]
        struct Canonical<'a> {
            seq: u64,
            previous_hash: &'a ChainHash,
            id: EventId,
            timestamp: String,
            tenant_id: Option<TenantId>,
            actor_id: &'a str,
            actor_type: ActorType,
            action: &'a str,
            resource: &'a str,
            outcome: Outcome,
            metadata: String,
            correlation_id: &'a str,
            source: &'a str,
        }
        let canonical = Canonical {
            seq,
            previous_hash: previous,
            id: self.id,
            timestamp: self.timestamp.to_rfc3339_opts(SecondsFormat::Nanos, true),
            tenant_id: self.tenant_id,
            actor_id: &self.actor_id,
            actor_type: self.actor_type,
            action: &self.action,
            resource: &self.resource,
            outcome: self.outcome,
            // serde_json's maps are sorted: the text of a value is canonical.
            metadata: self.metadata.to_string(),
            correlation_id: &self.correlation_id,
            source: &self.source,
        };
        // Serialising plain strings and numbers cannot fail.
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        ChainHash(Sha256::digest(bytes).into())
    }

    /// This record linked after `head` (or as the first of its chain).
    pub fn linked_after(mut self, head: Option<&ChainLink>) -> Self {
        let (seq, previous) = match head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, ChainHash::GENESIS),
        };
        let hash = self.chain_hash(seq, &previous);
        self.chain = Some(ChainLink {
            seq,
            previous_hash: previous,
            hash,
        });
        self
    }

    /// Whether the stored hash is the hash of the record's content.
    pub fn hash_holds(&self) -> bool {
        self.chain
            .as_ref()
            .is_some_and(|c| self.chain_hash(c.seq, &c.previous_hash) == c.hash)
    }
}

/// A record's place in its tenant's hash chain: its sequence number (from 1,
/// without gaps), the hash of the record before it and its own hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub seq: u64,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

/// A SHA-256 hash in a chain, written as 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// What the first record of a chain follows.
    pub const GENESIS: Self = Self([0; 32]);
}

impl std::fmt::Display for ChainHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::str::FromStr for ChainHash {
    type Err = hex::FromHexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(s, &mut bytes)?;
        Ok(Self(bytes))
    }
}

impl Serialize for ChainHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AuditRecord {
        AuditRecord {
            id: EventId::random(),
            timestamp: Utc::now(),
            tenant_id: Some(TenantId::random()),
            actor_id: "u-1".into(),
            actor_type: ActorType::User,
            action: "tenant.update".into(),
            resource: "tenant/x".into(),
            outcome: Outcome::Success,
            metadata: serde_json::json!({"b": 1, "a": [true, null]}),
            correlation_id: "c-1".into(),
            source: "control-plane".into(),
            chain: None,
        }
    }

    #[test]
    fn fr_log_003_every_field_and_the_predecessor_are_in_the_hash() {
        let first = record().linked_after(None);
        let link = first.chain.unwrap();
        assert_eq!((link.seq, link.previous_hash), (1, ChainHash::GENESIS));
        assert!(first.hash_holds());
        let second = record().linked_after(Some(&link));
        assert_eq!(second.chain.unwrap().seq, 2);
        assert_eq!(second.chain.unwrap().previous_hash, link.hash);

        let changes: [fn(&mut AuditRecord); 6] = [
            |r| r.actor_id.push('x'),
            |r| r.outcome = Outcome::Failure,
            |r| r.metadata["a"] = serde_json::json!(1),
            |r| r.timestamp += chrono::Duration::nanoseconds(1),
            |r| r.source = "app".into(),
            |r| r.chain.as_mut().unwrap().seq += 1,
        ];
        for change in changes {
            let mut altered = second.clone();
            change(&mut altered);
            assert!(!altered.hash_holds());
        }
    }

    #[test]
    fn the_hash_survives_the_api_s_json() {
        let r = record().linked_after(None);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"seq\":1"));
        let back: AuditRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert!(back.hash_holds());
        let hash = r.chain.unwrap().hash;
        assert_eq!(hash.to_string().parse::<ChainHash>().unwrap(), hash);
    }
}
