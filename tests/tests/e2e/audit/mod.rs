//! The audit trail: tamper evidence verified offline (FR-LOG-003), and
//! applications' own events (FR-LOG-001).

mod ingest;
mod trail;
