//! Audit exports (UC-AUDIT-EXPORT, FR-LOG-002): CSV files of a range of the
//! trail, written by a job, handed out by presigned links, verifiable
//! offline.

mod jobs;
