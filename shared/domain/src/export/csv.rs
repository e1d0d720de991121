//! Audit records as CSV (FR-LOG-002): RFC 4180, a header row, one record per
//! row with its chain fields, so that `cpctl audit verify` can check an
//! export exactly as it checks JSON.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return as a formula (CSV injection). Such a cell is written with
//! a leading `'`, which spreadsheets show as text; a cell that starts with
//! `'` itself gets one more, so that reading strips exactly one and every
//! value comes back unchanged (the hashes still hold).

use crate::{AuditRecord, ChainLink};
use chrono::SecondsFormat;
use serde_json::Value;

/// The header row.
pub const HEADER: [&str; 14] = [
    "seq",
    "timestamp",
    "tenant_id",
    "actor_id",
    "actor_type",
    "action",
    "resource",
    "outcome",
    "source",
    "correlation_id",
    "id",
    "metadata",
    "previous_hash",
    "hash",
];

/// A CSV text that is not an audit export.
#[derive(Debug, thiserror::Error)]
#[error("row {row}: {reason}")]
pub struct CsvError {
    /// The data row (1 is the first after the header; 0 the header).
    pub row: usize,
    pub reason: String,
}

/// Whether `text` looks like an audit CSV (starts with its header).
pub fn is_audit_csv(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .next()
        .is_some_and(|l| l.trim_end() == HEADER.join(","))
}

fn neutralised(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn restored(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

fn text_of(value: impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn line<I, T>(cells: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    writer.write_record(cells).ok();
    writer.into_inner().unwrap_or_default()
}

/// The header row, CRLF-terminated.
pub fn header() -> Vec<u8> {
    line(HEADER)
}

/// One record's row, CRLF-terminated (appended after [`header`], row by
/// row, so that a large export streams).
pub fn row(r: &AuditRecord) -> Vec<u8> {
    let link = r.chain.as_ref();
    let cells = [
        link.map(|c| c.seq.to_string()).unwrap_or_default(),
        r.timestamp.to_rfc3339_opts(SecondsFormat::Nanos, true),
        r.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
        r.actor_id.clone(),
        text_of(r.actor_type),
        r.action.clone(),
        r.resource.clone(),
        text_of(r.outcome),
        r.source.clone(),
        r.correlation_id.clone(),
        r.id.to_string(),
        r.metadata.to_string(),
        link.map(|c| c.previous_hash.to_string())
            .unwrap_or_default(),
        link.map(|c| c.hash.to_string()).unwrap_or_default(),
    ];
    line(cells.iter().map(|c| neutralised(c)))
}

/// The records of an audit CSV, exactly as they were written.
pub fn read(text: &str) -> Result<Vec<AuditRecord>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header_ok = reader
        .headers()
        .map(|h| h.iter().eq(HEADER.iter().copied()))
        .unwrap_or(false);
    if !header_ok {
        return Err(CsvError {
            row: 0,
            reason: format!("the header must be {}", HEADER.join(",")),
        });
    }
    reader
        .records()
        .enumerate()
        .map(|(i, row)| {
            let fail = |reason: String| CsvError { row: i + 1, reason };
            record(&row.map_err(|e| fail(e.to_string()))?).map_err(fail)
        })
        .collect()
}

fn record(row: &csv::StringRecord) -> Result<AuditRecord, String> {
    let cell = |i: usize| restored(row.get(i).unwrap_or_default());
    let parsed = |i: usize| -> Result<Value, String> {
        Ok(match i {
            // Typed from their text as the JSON representation has them.
            11 => serde_json::from_str(cell(i)).map_err(|e| format!("metadata: {e}"))?,
            _ => Value::String(cell(i).to_owned()),
        })
    };
    let chain = match (cell(0), cell(12), cell(13)) {
        ("", "", "") => None,
        (seq, previous, hash) => Some(ChainLink {
            seq: seq.parse().map_err(|_| format!("seq `{seq}`"))?,
            previous_hash: previous.parse().map_err(|_| "previous_hash".to_owned())?,
            hash: hash.parse().map_err(|_| "hash".to_owned())?,
        }),
    };
    let mut json = serde_json::Map::new();
    for (i, name) in HEADER.iter().enumerate().skip(1).take(11) {
        json.insert((*name).to_owned(), parsed(i)?);
    }
    if cell(2).is_empty() {
        json.insert("tenant_id".into(), Value::Null);
    }
    let mut record: AuditRecord =
        serde_json::from_value(Value::Object(json)).map_err(|e| e.to_string())?;
    record.chain = chain;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorType, EventId, Outcome, TenantId};
    use chrono::Utc;

    fn record(actor: &str, metadata: Value, tenant: Option<TenantId>) -> AuditRecord {
        AuditRecord {
            id: EventId::random(),
            timestamp: Utc::now(),
            tenant_id: tenant,
            actor_id: actor.into(),
            actor_type: ActorType::User,
            action: "document.read".into(),
            resource: "doc/1, \"quoted\"\nand a new line".into(),
            outcome: Outcome::Failure,
            metadata,
            correlation_id: "c-1".into(),
            source: "control-plane".into(),
            chain: None,
        }
    }

    fn csv_of(records: &[AuditRecord]) -> String {
        let mut bytes = header();
        for r in records {
            bytes.extend(row(r));
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn fr_log_002_records_come_back_exactly_and_their_hashes_hold() {
        let first =
            record("u-1", serde_json::json!({"b": [1, "x"], "a": null}), None).linked_after(None);
        let second = record("'quoted'", serde_json::json!({}), Some(TenantId::random()))
            .linked_after(first.chain.as_ref());
        let text = csv_of(&[first.clone(), second.clone()]);
        assert!(is_audit_csv(&text));
        assert!(text.starts_with("seq,timestamp,") && text.contains("\r\n"));
        let back = read(&text).unwrap();
        assert_eq!(back, vec![first, second]);
        assert!(back.iter().all(AuditRecord::hash_holds));
    }

    #[test]
    fn fr_log_002_formula_cells_are_text_to_a_spreadsheet() {
        let attacks = [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ];
        let records: Vec<AuditRecord> = attacks
            .iter()
            .map(|a| record(a, serde_json::json!({}), None).linked_after(None))
            .collect();
        let text = csv_of(&records);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for (row, attack) in reader.records().zip(attacks) {
            let actor = row.unwrap()[3].to_owned();
            assert_eq!(actor, format!("'{attack}"));
        }
        assert_eq!(read(&text).unwrap(), records);
    }

    #[test]
    fn a_foreign_csv_is_refused_with_its_line() {
        assert!(read("a,b\n1,2\n").is_err());
        let r = record("u", serde_json::json!({}), None).linked_after(None);
        let text = csv_of(&[r]).replace("User", "Robot");
        let e = read(&text).unwrap_err();
        assert_eq!(e.row, 1, "{e}");
    }
}
