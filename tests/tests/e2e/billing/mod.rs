//! Billing events: CloudEvents ingestion with deduplication and per-event
//! results (FR-BILL-002), the cursor export to the designated billing
//! reader (FR-BILL-003), and the control plane's own facts in the same
//! feed (FR-BILL-001).

mod export;
mod facts;
mod ingest;
