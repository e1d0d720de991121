//! How long records are kept (FR-OPS-003): audit logs seven years
//! (CON-DATA-002), billing events five (CON-DATA-003).
//!
//! Retention is enforced by the table's TTL: each record carries the epoch
//! second after which DynamoDB deletes it, computed here once, when it is
//! written. DynamoDB deletes an expired item within days, never before its
//! time, so a record is neither deleted early nor kept forever. Archives in
//! S3 carry the same period as Object Lock retention and a lifecycle rule
//! (doc/adr/0012-purge-and-retention.md).

use chrono::{DateTime, Duration, Months, Utc};

/// A class of records with a legal minimum retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// CON-DATA-002: 7 years.
    AuditLog,
    /// CON-DATA-003: 5 years.
    BillingEvent,
}

impl Retention {
    pub fn years(self) -> u32 {
        match self {
            Self::AuditLog => 7,
            Self::BillingEvent => 5,
        }
    }

    /// When a record made at `at` may be deleted: the same calendar day
    /// `years` later, plus one day, so that a record of 29 February is not
    /// deleted on 28 February (a calendar shortcut a year count would take).
    pub fn until(self, at: DateTime<Utc>) -> DateTime<Utc> {
        at.checked_add_months(Months::new(self.years() * 12))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
            + Duration::days(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fr_ops_003_records_are_kept_at_least_their_years_and_not_much_longer() {
        let leap = Utc.with_ymd_and_hms(2024, 2, 29, 12, 0, 0).unwrap();
        let audit = Retention::AuditLog.until(leap);
        // Never before seven full years...
        assert!(audit > Utc.with_ymd_and_hms(2031, 2, 28, 23, 59, 59).unwrap());
        // ...and not much after.
        assert!(audit <= Utc.with_ymd_and_hms(2031, 3, 1, 12, 0, 0).unwrap());
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        assert_eq!(
            Retention::BillingEvent.until(t),
            Utc.with_ymd_and_hms(2031, 11, 24, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Retention::AuditLog.until(t),
            Utc.with_ymd_and_hms(2033, 11, 24, 0, 0, 0).unwrap()
        );
    }
}
