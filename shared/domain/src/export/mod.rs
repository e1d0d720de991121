//! Audit exports (UC-AUDIT-EXPORT, FR-LOG-002): a time range of one
//! tenant's (or the platform's) audit records, optionally filtered by actor,
//! action and outcome, written as CSV by a job (ADR 0016).
//!
//! A job is requested, runs once and ends `Succeeded` (with where its file
//! is and what it holds) or `Failed` (with why). Who may see a job is who
//! may read the records it exports.

pub mod csv;

use crate::audit::verify::{Finding, Verified};
use crate::audit::{AuditRecord, Outcome};
use crate::{AuditExportId, Error, Retention, TenantId, Transition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which records of the range an export holds. No filter: every record,
/// which is what a whole-range integrity check needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

impl AuditFilter {
    /// At most this many characters in an actor id or action filter.
    const MAX_LEN: usize = 256;

    pub fn parse(
        actor_id: Option<String>,
        action: Option<String>,
        outcome: Option<&str>,
    ) -> Result<Self, Error> {
        let text = |name: &'static str, value: Option<String>| match value {
            Some(v) if v.is_empty() || v.chars().count() > Self::MAX_LEN => Err(
                crate::FieldError::new(name, "must be 1 to 256 characters when given"),
            ),
            other => Ok(other),
        };
        let outcome = match outcome {
            None => Ok(None),
            Some("Success") => Ok(Some(Outcome::Success)),
            Some("Failure") => Ok(Some(Outcome::Failure)),
            Some(_) => Err(crate::FieldError::new(
                "outcome",
                "must be Success or Failure",
            )),
        };
        match (text("actor_id", actor_id), text("action", action), outcome) {
            (Ok(actor_id), Ok(action), Ok(outcome)) => Ok(Self {
                actor_id,
                action,
                outcome,
            }),
            (a, b, c) => Err(Error::InvalidInput(
                [a.err(), b.err(), c.err()].into_iter().flatten().collect(),
            )),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.actor_id.is_none() && self.action.is_none() && self.outcome.is_none()
    }

    pub fn admits(&self, record: &AuditRecord) -> bool {
        self.actor_id.as_ref().is_none_or(|a| *a == record.actor_id)
            && self.action.as_ref().is_none_or(|a| *a == record.action)
            && self.outcome.is_none_or(|o| o == record.outcome)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportStatus {
    Running,
    Succeeded,
    Failed,
}

/// What a finished export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    /// The object's key in the export bucket.
    pub object_key: String,
    pub records: u64,
    pub bytes: u64,
    /// SHA-256 of the file, hex: what was handed out can be compared later.
    pub sha256: String,
}

/// What the export job found when it checked the records of its file
/// against the signed digests (FR-LOG-003, ADR 0029): shown beside the file,
/// so an auditor need not run `cpctl audit verify` to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Integrity {
    Verified {
        records: u64,
        digests: u64,
        /// The last sequence number the digests cover.
        digested_through: u64,
        /// Records newer than the last digest, checked by their chain only.
        not_yet_digested: u64,
    },
    Failed {
        /// `altered`, `inserted`, `removed`, `digest_altered`, ...
        problem: String,
        message: String,
    },
    NotChecked {
        reason: String,
    },
}

impl Integrity {
    pub fn of(checked: Result<Verified, Finding>) -> Self {
        match checked {
            Ok(v) => Self::Verified {
                records: v.records as u64,
                digests: v.digests as u64,
                digested_through: v.digested_through,
                not_yet_digested: v.not_yet_digested as u64,
            },
            Err(finding) => Self::Failed {
                problem: serde_json::to_value(&finding)
                    .ok()
                    .and_then(|v| v["problem"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: finding.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditExport {
    pub id: AuditExportId,
    /// `None`: the platform's own records.
    pub tenant_id: Option<TenantId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub filter: AuditFilter,
    /// The requester's actor id (as in audit records).
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub status: ExportStatus,
    pub file: Option<ExportFile>,
    /// Once `Succeeded`: the file's records checked against the digests.
    pub integrity: Option<Integrity>,
    /// While `Running`: records written so far.
    pub progress_records: Option<u64>,
    pub failure: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl AuditExport {
    /// A new export of `[from, to)`: the range must be ordered, not in the
    /// future, and within the audit log's retention (records older than it
    /// are gone).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        id: AuditExportId,
        tenant_id: Option<TenantId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: AuditFilter,
        requested_by: String,
        now: DateTime<Utc>,
    ) -> Result<Self, Error> {
        if from >= to {
            return Err(Error::invalid("from", "must be before `to`"));
        }
        if from > now {
            return Err(Error::invalid("from", "must not be in the future"));
        }
        if Retention::AuditLog.until(from) < now {
            return Err(Error::invalid(
                "from",
                "is beyond the audit log's retention of seven years",
            ));
        }
        Ok(Self {
            id,
            tenant_id,
            from,
            to: to.min(now),
            filter,
            requested_by,
            requested_at: now,
            status: ExportStatus::Running,
            file: None,
            integrity: None,
            progress_records: None,
            failure: None,
            finished_at: None,
            version: 0,
        })
    }

    /// The job wrote its file. A finished job stays as it ended (a
    /// redelivered request changes nothing).
    pub fn succeed(
        &mut self,
        file: ExportFile,
        integrity: Integrity,
        now: DateTime<Utc>,
    ) -> Transition {
        if self.status != ExportStatus::Running {
            return Transition::Unchanged;
        }
        self.status = ExportStatus::Succeeded;
        self.progress_records = Some(file.records);
        self.file = Some(file);
        self.integrity = Some(integrity);
        self.finished_at = Some(now);
        Transition::Changed
    }

    /// The job could not finish; `reason` is shown to the requester.
    pub fn fail(&mut self, reason: &str, now: DateTime<Utc>) -> Transition {
        if self.status != ExportStatus::Running {
            return Transition::Unchanged;
        }
        self.status = ExportStatus::Failed;
        self.failure = Some(reason.to_owned());
        self.finished_at = Some(now);
        Transition::Changed
    }

    /// When the job's record may be deleted: its file is kept
    /// [`FILE_DAYS`] days, the record a little longer so that a late
    /// download attempt still learns what happened.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.requested_at + chrono::Duration::days(FILE_DAYS + 7)
    }
}

/// Days an export's file stays in the bucket (its lifecycle rule).
pub const FILE_DAYS: i64 = 7;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorType, EventId};
    use chrono::Duration;

    fn record(actor: &str, action: &str, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            id: EventId::random(),
            timestamp: Utc::now(),
            tenant_id: None,
            actor_id: actor.into(),
            actor_type: ActorType::User,
            action: action.into(),
            resource: "r".into(),
            outcome,
            metadata: serde_json::json!({}),
            correlation_id: "c".into(),
            source: "control-plane".into(),
            chain: None,
        }
    }

    #[test]
    fn fr_log_002_filters_admit_what_they_name() {
        let none = AuditFilter::default();
        let r = record("u-1", "tenant.update", Outcome::Success);
        assert!(none.admits(&r) && none.is_empty());
        let f = AuditFilter::parse(Some("u-1".into()), None, Some("Failure")).unwrap();
        assert!(!f.admits(&r));
        assert!(f.admits(&record("u-1", "x", Outcome::Failure)));
        assert!(!f.admits(&record("u-2", "x", Outcome::Failure)));
        let f = AuditFilter::parse(None, Some("tenant.update".into()), None).unwrap();
        assert!(f.admits(&r));
        for (a, b, c) in [
            (Some(String::new()), None, None),
            (None, Some("x".repeat(257)), None),
            (None, None, Some("success")),
        ] {
            assert!(AuditFilter::parse(a, b, c).is_err());
        }
    }

    #[test]
    fn fr_log_002_a_range_is_ordered_past_and_within_retention() {
        let now = Utc::now();
        let ask = |from, to| {
            AuditExport::request(
                AuditExportId::random(),
                None,
                from,
                to,
                AuditFilter::default(),
                "u".into(),
                now,
            )
        };
        assert!(ask(now, now - Duration::hours(1)).is_err());
        assert!(ask(now + Duration::hours(1), now + Duration::hours(2)).is_err());
        assert!(ask(now - Duration::days(8 * 365), now).is_err());
        let job = ask(now - Duration::days(6 * 365), now + Duration::days(1)).unwrap();
        assert_eq!(job.to, now, "the range ends now at the latest");
        assert_eq!(job.status, ExportStatus::Running);
    }

    #[test]
    fn fr_log_002_a_job_ends_once() {
        let now = Utc::now();
        let mut job = AuditExport::request(
            AuditExportId::random(),
            None,
            now - Duration::days(1),
            now,
            AuditFilter::default(),
            "u".into(),
            now,
        )
        .unwrap();
        assert_eq!(job.fail("x", now), Transition::Changed);
        let file = ExportFile {
            object_key: "k".into(),
            records: 1,
            bytes: 1,
            sha256: "0".repeat(64),
        };
        let checked = Integrity::NotChecked { reason: "r".into() };
        assert_eq!(job.succeed(file, checked, now), Transition::Unchanged);
        assert_eq!(job.status, ExportStatus::Failed);
        assert_eq!(job.integrity, None);
    }

    #[test]
    fn fr_log_003_an_integrity_result_names_the_problem_found() {
        let failed = Integrity::of(Err(Finding::Removed { seq: 4, id: None }));
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({
                "result": "failed",
                "problem": "removed",
                "message": "record 4 was removed",
            })
        );
        let verified = Integrity::of(Ok(Verified {
            tenant_id: None,
            records: 3,
            digests: 1,
            digested_through: 2,
            not_yet_digested: 1,
        }));
        assert_eq!(
            serde_json::to_value(&verified).unwrap()["result"],
            "verified"
        );
    }
}
