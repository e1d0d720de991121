//! `cpctl audit verify`: checks audit records offline against the signed
//! digests and the digest key's public half (FR-LOG-003, ADR 0029), in the
//! manner of `aws cloudtrail validate-logs`.
//!
//! Nothing here talks to the control plane: an auditor needs the records (an
//! export, or a tenant's whole trail), the digest files (copied from the
//! digest bucket) and the public key, and trusts only the key.
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

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cp_domain::digest::{ALGORITHM, Digest, DigestEntry, SignedDigest};
use cp_domain::{AuditRecord, ChainHash, EventId, TenantId};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

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

/// Checks `records` of one tenant against `digests` (files by name) with the
/// public key (DER SubjectPublicKeyInfo, as KMS's GetPublicKey returns it).
pub fn verify(
    mut records: Vec<AuditRecord>,
    digests: Vec<(String, SignedDigest)>,
    public_key: &[u8],
    scope: Scope,
) -> Result<Verified, Finding> {
    let tenant = match records.first() {
        Some(r) if records.iter().all(|o| o.tenant_id == r.tenant_id) => r.tenant_id,
        Some(_) => {
            return Err(Finding::Unreadable(
                "the records are of several tenants".into(),
            ));
        }
        None => digests.first().and_then(|(_, d)| d.digest.tenant_id),
    };
    let digests = check_digests(tenant, digests, public_key)?;
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
    let by_seq: HashMap<u64, Vec<&AuditRecord>> =
        records.iter().fold(HashMap::new(), |mut m, r| {
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
        let link = record.chain.unwrap_or(cp_domain::ChainLink {
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
            Some(entry) if entry.hash != link.hash || !record.hash_holds() => {
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
                if !record.hash_holds() || !follows {
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
    let mut expected_first = 1;
    let mut previous: Option<&SignedDigest> = None;
    for file in &digests {
        let d = &file.digest;
        let key = Digest::object_key(d.tenant_id, d.first_seq);
        if d.first_seq > expected_first {
            return Err(Finding::DigestMissing {
                first: expected_first,
                last: d.first_seq - 1,
            });
        }
        let chained = match (previous, &d.previous) {
            (None, None) => true,
            (Some(p), Some(named)) => {
                named.signature == p.signature
                    && named.key == Digest::object_key(p.digest.tenant_id, p.digest.first_seq)
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

/// Records from an audit CSV export (FR-LOG-002), or from JSON: an array, a
/// page (`{"items": [...]}`) or one per line.
pub fn read_records(text: &str) -> Result<Vec<AuditRecord>, String> {
    if cp_domain::audit_csv::is_audit_csv(text) {
        return cp_domain::audit_csv::read(text).map_err(|e| e.to_string());
    }
    read_json_records(text).map_err(|e| e.to_string())
}

fn read_json_records(text: &str) -> Result<Vec<AuditRecord>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Records {
        List(Vec<AuditRecord>),
        Page { items: Vec<AuditRecord> },
    }
    match serde_json::from_str::<Records>(text) {
        Ok(Records::List(items) | Records::Page { items }) => Ok(items),
        Err(e) if text.trim_start().starts_with('{') && text.trim().lines().count() > 1 => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// Every `*.json` digest file under `dir`, by its path below it.
pub fn read_digests(dir: &Path, into: &mut Vec<(String, SignedDigest)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            read_digests(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path)?;
            let file = serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?;
            into.push((path.display().to_string(), file));
        }
    }
    Ok(())
}

/// A public key as DER: as given, or from PEM.
pub fn public_key_der(bytes: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(bytes.to_vec());
    };
    if !text.contains("-----BEGIN") {
        return Ok(bytes.to_vec());
    }
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD.decode(body.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
    use chrono::{Duration, Utc};
    use cp_domain::digest::PreviousDigest;
    use cp_domain::{ActorType, Outcome};

    struct Trail {
        key: KeyPair,
        records: Vec<AuditRecord>,
        digests: Vec<(String, SignedDigest)>,
    }

    /// `n` records of one tenant, digested in runs of `per_digest`.
    fn trail(n: u64, per_digest: usize) -> Trail {
        let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let tenant = Some(TenantId::random());
        let start = Utc::now();
        let mut records: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let r = AuditRecord {
                id: EventId::random(),
                timestamp: start + Duration::seconds(i as i64),
                tenant_id: tenant,
                actor_id: format!("user-{i}"),
                actor_type: ActorType::User,
                action: "tenant.update".into(),
                resource: "tenant/x".into(),
                outcome: Outcome::Success,
                metadata: serde_json::json!({"i": i}),
                correlation_id: "c".into(),
                source: "control-plane".into(),
                chain: None,
            };
            let head = records.last().and_then(|r| r.chain);
            records.push(r.linked_after(head.as_ref()));
        }
        let mut digests: Vec<(String, SignedDigest)> = Vec::new();
        for chunk in records.chunks(per_digest) {
            let digest = Digest {
                version: Digest::VERSION,
                tenant_id: tenant,
                created_at: Utc::now(),
                first_seq: chunk[0].chain.unwrap().seq,
                last_seq: chunk[chunk.len() - 1].chain.unwrap().seq,
                records: chunk
                    .iter()
                    .map(|r| DigestEntry {
                        seq: r.chain.unwrap().seq,
                        id: r.id,
                        timestamp: r.timestamp,
                        hash: r.chain.unwrap().hash,
                    })
                    .collect(),
                previous: digests.last().map(|(_, p)| PreviousDigest {
                    key: Digest::object_key(tenant, p.digest.first_seq),
                    signature: p.signature.clone(),
                }),
                key_id: "test".into(),
                algorithm: ALGORITHM.into(),
            };
            let signature = sign(&key, &digest);
            let name = Digest::object_key(tenant, digest.first_seq);
            digests.push((name, SignedDigest { digest, signature }));
        }
        Trail {
            key,
            records,
            digests,
        }
    }

    fn sign(key: &KeyPair, digest: &Digest) -> String {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature = vec![0; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &rng,
            digest.signing_string().as_bytes(),
            &mut signature,
        )
        .unwrap();
        STANDARD.encode(signature)
    }

    impl Trail {
        fn check(&self, scope: Scope) -> Result<Verified, Finding> {
            verify(
                self.records.clone(),
                self.digests.clone(),
                self.key.public_key().as_ref(),
                scope,
            )
        }

        fn id(&self, seq: u64) -> EventId {
            self.records[seq as usize - 1].id
        }
    }

    #[test]
    fn fr_log_003_an_untouched_trail_verifies_whole_and_in_parts() {
        let t = trail(7, 3);
        let v = t.check(Scope::Whole).unwrap();
        assert_eq!((v.records, v.digests, v.digested_through), (7, 3, 7));
        let mut part = trail(7, 3);
        part.records = part.records[2..5].to_vec();
        assert_eq!(part.check(Scope::Export).unwrap().records, 3);
    }

    #[test]
    fn fr_log_003_an_altered_record_is_reported_even_with_its_hash_recomputed() {
        let mut t = trail(6, 3);
        t.records[3].actor_id = "someone-else".into();
        let seq4 = Finding::Altered {
            seq: 4,
            id: t.id(4),
        };
        assert_eq!(t.check(Scope::Whole).unwrap_err(), seq4);
        // The forger recomputes the record's hash and every later one: the
        // digest still lists the true hashes.
        let head = t.records[2].chain;
        let mut forged = t.records.clone();
        let mut previous = head;
        for r in forged.iter_mut().skip(3) {
            let relinked = AuditRecord {
                chain: None,
                ..r.clone()
            }
            .linked_after(previous.as_ref());
            *r = relinked;
            previous = r.chain;
        }
        t.records = forged;
        assert_eq!(t.check(Scope::Whole).unwrap_err(), seq4);
        assert_eq!(t.check(Scope::Export).unwrap_err(), seq4);
    }

    #[test]
    fn fr_log_003_an_inserted_record_is_reported() {
        let mut t = trail(4, 2);
        let mut intruder = t.records[1].clone();
        intruder.id = EventId::random();
        intruder.actor_id = "intruder".into();
        let intruder = AuditRecord {
            chain: None,
            ..intruder
        }
        .linked_after(t.records[0].chain.as_ref());
        let id = intruder.id;
        t.records.insert(1, intruder);
        assert_eq!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::Inserted { seq: 2, id }
        );
        // Renumbering the rest does not help.
        let mut t = trail(4, 2);
        let mut moved = t.records[1].clone();
        moved.id = EventId::random();
        let id = moved.id;
        t.records[1] = moved;
        assert_eq!(
            t.check(Scope::Filtered).unwrap_err(),
            Finding::Inserted { seq: 2, id }
        );
    }

    #[test]
    fn fr_log_003_a_removed_record_is_reported_within_the_checked_range() {
        let mut t = trail(6, 3);
        let id = t.id(5);
        t.records.remove(4);
        let removed = Finding::Removed {
            seq: 5,
            id: Some(id),
        };
        assert_eq!(t.check(Scope::Whole).unwrap_err(), removed);
        assert_eq!(t.check(Scope::Export).unwrap_err(), removed);
        assert!(t.check(Scope::Filtered).is_ok(), "a filter removes records");
        // The first record of a whole trail too.
        let mut t = trail(3, 3);
        let id = t.id(1);
        t.records.remove(0);
        assert_eq!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::Removed {
                seq: 1,
                id: Some(id)
            }
        );
    }

    #[test]
    fn fr_log_003_an_altered_or_removed_digest_is_reported() {
        let mut t = trail(6, 2);
        t.digests[1].1.digest.records[0].hash = ChainHash([1; 32]);
        assert!(matches!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::DigestAltered { .. }
        ));
        let mut t = trail(6, 2);
        t.digests.remove(1);
        assert_eq!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::DigestMissing { first: 3, last: 4 }
        );
        let mut t = trail(6, 2);
        t.digests.remove(0);
        assert_eq!(
            t.check(Scope::Export).unwrap_err(),
            Finding::DigestMissing { first: 1, last: 2 }
        );
        // A digest re-signed by another key does not verify with the real one.
        let mut t = trail(4, 2);
        let other = KeyPair::generate(KeySize::Rsa2048).unwrap();
        t.digests[1].1.signature = sign(&other, &t.digests[1].1.digest);
        assert!(matches!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::DigestAltered { .. }
        ));
    }

    #[test]
    fn fr_log_003_records_newer_than_the_last_digest_are_checked_by_their_chain() {
        let mut t = trail(5, 3);
        t.digests.truncate(1);
        let v = t.check(Scope::Whole).unwrap();
        assert_eq!((v.digested_through, v.not_yet_digested), (3, 2));
        t.records[4].outcome = Outcome::Failure;
        assert_eq!(
            t.check(Scope::Whole).unwrap_err(),
            Finding::Altered {
                seq: 5,
                id: t.id(5)
            }
        );
    }

    #[test]
    fn records_are_read_as_an_array_a_page_or_lines() {
        let t = trail(2, 2);
        let array = serde_json::to_string(&t.records).unwrap();
        assert_eq!(read_records(&array).unwrap(), t.records);
        let page = serde_json::json!({ "items": t.records }).to_string();
        assert_eq!(read_records(&page).unwrap(), t.records);
        let lines: Vec<String> = t
            .records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        assert_eq!(read_records(&lines.join("\n")).unwrap(), t.records);
    }

    #[test]
    fn fr_log_002_a_csv_export_is_checked_like_json_and_tampering_is_caught() {
        use cp_domain::audit_csv::{header, row};
        let mut t = trail(4, 2);
        let mut csv = header();
        for r in &t.records {
            csv.extend(row(r));
        }
        let text = String::from_utf8(csv).unwrap();
        t.records = read_records(&text).unwrap();
        assert_eq!(t.check(Scope::Export).unwrap().records, 4);
        // An auditor's spreadsheet "corrects" one outcome and saves.
        let altered = text.replacen(",Success,", ",Failure,", 1);
        t.records = read_records(&altered).unwrap();
        assert!(matches!(
            t.check(Scope::Export).unwrap_err(),
            Finding::Altered { seq: 1, .. }
        ));
    }
}
