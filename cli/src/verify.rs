//! `cpctl audit verify`: checks audit records offline against the signed
//! digests and the digest key's public half (FR-LOG-003, ADR 0029), in the
//! manner of `aws cloudtrail validate-logs`. The check itself is
//! [`cp_domain::audit::verify`]; this reads its inputs from files.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cp_domain::AuditRecord;
use cp_domain::audit::digest::SignedDigest;
pub use cp_domain::audit::verify::{Finding, Scope, Verified, verify};
use std::path::Path;

/// Records from an audit CSV export (FR-LOG-002), or from JSON: an array, a
/// page (`{"items": [...]}`) or one per line.
pub fn read_records(text: &str) -> Result<Vec<AuditRecord>, String> {
    if cp_domain::export::csv::is_audit_csv(text) {
        return cp_domain::export::csv::read(text).map_err(|e| e.to_string());
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
    use cp_domain::audit::digest::{ALGORITHM, Digest, DigestEntry, DigestKey, PreviousDigest};
    use cp_domain::{ActorType, ChainHash, EventId, Outcome, TenantId};

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
                    key: DigestKey::new(tenant, p.digest.first_seq).to_string(),
                    signature: p.signature.clone(),
                }),
                key_id: "test".into(),
                algorithm: ALGORITHM.into(),
            };
            let signature = sign(&key, &digest);
            let name = DigestKey::new(tenant, digest.first_seq).to_string();
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
    fn fr_log_002_an_export_needs_only_the_digests_from_the_one_covering_its_first_record() {
        // Records 5..=7 of a trail digested in threes (1-3, 4-6, 7): the
        // digests from the second on are enough, still checked as a chain.
        let mut t = trail(7, 3);
        t.records = t.records[4..].to_vec();
        t.digests.remove(0);
        let v = t.check(Scope::Export).unwrap();
        assert_eq!((v.records, v.digests, v.digested_through), (3, 2, 7));
        // Without the digest covering the first record, it is covered by none.
        t.digests.remove(0);
        assert_eq!(
            t.check(Scope::Export),
            Err(Finding::DigestMissing { first: 5, last: 6 })
        );
        // A gap between the digests given is still a gap.
        let mut gap = trail(9, 3);
        gap.records = gap.records[3..].to_vec();
        gap.digests.remove(1);
        assert!(matches!(
            gap.check(Scope::Export),
            Err(Finding::DigestMissing { .. })
        ));
        // A whole trail still needs every digest from the first.
        let mut whole = trail(7, 3);
        whole.digests.remove(0);
        assert!(matches!(
            whole.check(Scope::Whole),
            Err(Finding::DigestMissing { first: 1, .. })
        ));
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
        use cp_domain::export::csv::{header, row};
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
