//! Checks audit records against the signed digests and the digest key's
//! public half (FR-LOG-003, ADR 0029), in the manner of `aws cloudtrail
//! validate-logs`: offline in `cpctl audit verify`, and by the export job for
//! the file it wrote (FR-LOG-002). Nothing here does I/O: the caller brings
//! the records, the digests and the key, and trusts only the key.
//!
//! The digests are checked first: each signature, and that they follow one
//! another without gaps, each naming the previous one's signature. Then the
//! records, in chain order; the first problem found is the answer:
//! - a record whose content does not give its hash, or whose hash is not the
//!   one its digest lists, was **altered**;
//! - a record the digests do not list under its sequence number was
//!   **inserted**;
//! - a record the digests list but the records lack was **removed** (for an
//!   export, only within the export's range of sequence numbers and time);
//! - records newer than the last digest are checked by their chain only, and
//!   counted as not yet covered.

use crate::audit::digest::{ALGORITHM, Digest, DigestEntry, SignedDigest};
use crate::{AuditRecord, ChainHash, ChainLink, EventId, TenantId};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What the records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A tenant's whole trail: every digested record must be present.
    Whole,
    /// An export of a time range: the digested records inside its range must.
    Export,
    /// A filtered export (actor, action, outcome): records are checked one by
    /// one; absence proves nothing.
    Filtered,
}

/// A verified trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub tenant_id: Option<TenantId>,
    pub records: usize,
    pub digests: usize,
    /// The last sequence number the digests cover.
    pub digested_through: u64,
    /// Records newer than the last digest (checked by their chain only).
    pub not_yet_digested: usize,
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Finding {
    #[error("record {seq} ({id}) was altered")]
    Altered { seq: u64, id: EventId },
    #[error("record {seq} ({id}) was inserted: no digest lists it")]
    Inserted { seq: u64, id: EventId },
    #[error("record {seq} was removed")]
    Removed { seq: u64, id: Option<EventId> },
    #[error("digest {key} was altered: its signature does not verify")]
    DigestAltered { key: String },
    #[error("a digest is missing: records {first} to {last} are covered by none")]
    DigestMissing { first: u64, last: u64 },
    #[error("digest {key} does not chain to the digest before it")]
    DigestUnchained { key: String },
    #[error("{0}")]
    Unreadable(String),
}

/// What the check needs of a record: its place, and whether its content
/// still gives its hash. A few dozen bytes, so a job can hold millions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub id: EventId,
    pub tenant_id: Option<TenantId>,
    pub timestamp: DateTime<Utc>,
    pub chain: Option<ChainLink>,
    pub hash_holds: bool,
}

impl From<&AuditRecord> for Checked {
    fn from(r: &AuditRecord) -> Self {
        Self {
            id: r.id,
            tenant_id: r.tenant_id,
            timestamp: r.timestamp,
            chain: r.chain,
            hash_holds: r.hash_holds(),
        }
    }
}

impl From<AuditRecord> for Checked {
    fn from(r: AuditRecord) -> Self {
        Self::from(&r)
    }
}

/// Checks `records` of one tenant against `digests` (files by name) with the
/// public key (DER SubjectPublicKeyInfo, as KMS's GetPublicKey returns it).
/// A whole trail needs every digest from the first; an export needs those
/// from the one that covers its first record.
pub fn verify<R: Into<Checked>>(
    records: impl IntoIterator<Item = R>,
    digests: Vec<(String, SignedDigest)>,
    public_key: &[u8],
    scope: Scope,
) -> Result<Verified, Finding> {
    let mut records: Vec<Checked> = records.into_iter().map(Into::into).collect();
    let tenant = match records.first() {
        Some(r) if records.iter().all(|o| o.tenant_id == r.tenant_id) => r.tenant_id,
        Some(_) => {
            return Err(Finding::Unreadable(
                "the records are of several tenants".into(),
            ));
        }
        None => digests.first().and_then(|(_, d)| d.digest.tenant_id),
    };
    let digests = check_digests(tenant, digests, public_key, scope)?;
    let entries: BTreeMap<u64, &DigestEntry> = digests
        .iter()
        .flat_map(|d| d.records.iter().map(|e| (e.seq, e)))
        .collect();
    let digested_through = digests.last().map_or(0, |d| d.last_seq);

    let mut seqs = Vec::with_capacity(records.len());
    for r in &records {
        let link = r
            .chain
            .ok_or_else(|| Finding::Unreadable(format!("record {} has no chain fields", r.id)))?;
        seqs.push(link.seq);
    }
    records.sort_by_key(|r| r.chain.map_or(0, |c| c.seq));
    let by_seq: HashMap<u64, Vec<&Checked>> = records.iter().fold(HashMap::new(), |mut m, r| {
        m.entry(r.chain.map_or(0, |c| c.seq)).or_default().push(r);
        m
    });

    // Which sequence numbers must be present.
    let (lo, hi) = match scope {
        Scope::Whole => (
            1,
            digested_through.max(seqs.iter().copied().max().unwrap_or(0)),
        ),
        _ => (
            seqs.iter().copied().min().unwrap_or(1),
            seqs.iter().copied().max().unwrap_or(0),
        ),
    };
    let times = records.iter().map(|r| r.timestamp);
    let (from, to) = (times.clone().min(), times.max());
    let required = |seq: u64| -> bool {
        match scope {
            Scope::Whole => true,
            Scope::Filtered => false,
            // An export is a time range: a record outside it may sit
            // between two inside it in chain order.
            Scope::Export => entries
                .get(&seq)
                .is_some_and(|e| Some(e.timestamp) >= from && Some(e.timestamp) <= to),
        }
    };

    // An export's digests start where its records do: older ones were not
    // needed, and records before the first digest given are covered by none.
    let covered_from = digests.first().map_or(1, |d| d.first_seq);
    if scope != Scope::Whole && !digests.is_empty() && lo < covered_from {
        return Err(Finding::DigestMissing {
            first: lo,
            last: covered_from - 1,
        });
    }
    let mut previous: Option<(u64, ChainHash)> = None;
    let mut not_yet_digested = 0;
    for seq in lo..=hi {
        let Some(present) = by_seq.get(&seq) else {
            if required(seq) || (scope == Scope::Whole && seq > digested_through) {
                return Err(Finding::Removed {
                    seq,
                    id: entries.get(&seq).map(|e| e.id),
                });
            }
            continue;
        };
        let record = present[0];
        let link = record.chain.unwrap_or(ChainLink {
            seq,
            previous_hash: ChainHash::GENESIS,
            hash: ChainHash::GENESIS,
        });
        if present.len() > 1 {
            // Two records claim one place: the one the digest does not list
            // (or the second) was inserted.
            let intruder = present
                .iter()
                .find(|r| entries.get(&seq).is_none_or(|e| e.id != r.id))
                .unwrap_or(&present[1]);
            return Err(Finding::Inserted {
                seq,
                id: intruder.id,
            });
        }
        match entries.get(&seq) {
            Some(entry) if entry.id != record.id => {
                return Err(Finding::Inserted { seq, id: record.id });
            }
            Some(entry) if entry.hash != link.hash || !record.hash_holds => {
                return Err(Finding::Altered { seq, id: record.id });
            }
            Some(_) => {}
            None if seq <= digested_through => {
                return Err(Finding::Inserted { seq, id: record.id });
            }
            None => {
                // Newer than the last digest: its chain is all there is.
                let follows = match previous {
                    Some((p, hash)) if p + 1 == seq => link.previous_hash == hash,
                    _ => seq != 1 || link.previous_hash == ChainHash::GENESIS,
                };
                if !record.hash_holds || !follows {
                    return Err(Finding::Altered { seq, id: record.id });
                }
                not_yet_digested += 1;
            }
        }
        previous = Some((seq, link.hash));
    }
    Ok(Verified {
        tenant_id: tenant,
        records: records.len(),
        digests: digests.len(),
        digested_through,
        not_yet_digested,
    })
}

/// The tenant's digests, each signature checked, in order, each chained to
/// the one before; the first problem otherwise.
fn check_digests(
    tenant: Option<TenantId>,
    files: Vec<(String, SignedDigest)>,
    public_key: &[u8],
    scope: Scope,
) -> Result<Vec<Digest>, Finding> {
    let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key);
    let mut digests = Vec::new();
    for (name, file) in files {
        if file.digest.tenant_id != tenant {
            continue;
        }
        let signature = STANDARD.decode(&file.signature).unwrap_or_default();
        if file.digest.algorithm != ALGORITHM
            || key
                .verify(file.digest.signing_string().as_bytes(), &signature)
                .is_err()
        {
            return Err(Finding::DigestAltered { key: name });
        }
        digests.push(file);
    }
    digests.sort_by_key(|d| d.digest.first_seq);
    let mut expected_first = match (scope, digests.first()) {
        (Scope::Whole, _) | (_, None) => 1,
        (_, Some(first)) => first.digest.first_seq,
    };
    let mut previous: Option<&SignedDigest> = None;
    for file in &digests {
        let d = &file.digest;
        let key = d.key().to_string();
        if d.first_seq > expected_first {
            return Err(Finding::DigestMissing {
                first: expected_first,
                last: d.first_seq - 1,
            });
        }
        let chained = match (previous, &d.previous) {
            (None, None) => true,
            // The first digest an export needs names one it does not.
            (None, Some(_)) => d.first_seq > 1,
            (Some(p), Some(named)) => {
                named.signature == p.signature && named.key == p.digest.key().to_string()
            }
            _ => false,
        };
        let listed: Vec<u64> = d.records.iter().map(|e| e.seq).collect();
        let complete = d.first_seq == expected_first
            && listed == (d.first_seq..=d.last_seq).collect::<Vec<_>>();
        if !chained || !complete {
            return Err(Finding::DigestUnchained { key });
        }
        expected_first = d.last_seq + 1;
        previous = Some(file);
    }
    Ok(digests.into_iter().map(|f| f.digest).collect())
}
