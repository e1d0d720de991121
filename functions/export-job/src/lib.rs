//! The audit export job (FR-LOG-002, ADR 0016): for each
//! `audit.export_requested` event (the audit-exports queue's rule lets only
//! those through), the requested records as CSV in the export bucket.
//!
//! The records are read a thousand at a time in time order, filtered, and
//! written as rows of a multipart upload of [`PART_BYTES`] parts, so memory
//! stays flat however long the range (a Lambda response could carry 6 MB at
//! most; the file has no such limit). The file's SHA-256 and record count
//! go on the job, which ends `Succeeded` with them, or `Failed` with a
//! reason, and `audit.export_finished` records the end in the same
//! transaction. A redelivered request finds its job ended and does nothing.
//!
//! While it runs, the job notes its progress (records written) at most
//! every [`PROGRESS_EVERY`]. Before it ends, it checks the records it wrote
//! against the signed digests (FR-LOG-003) the way `cpctl audit verify`
//! does, fetching only the digests from the one that covers its first
//! record, and puts the result on the job beside the file.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use cp_aws::{DigestArchive, ExportBucket, SigningKey, Upload};
use cp_domain::audit::verify::{self, Checked, Scope};
use cp_domain::export::csv as audit_csv;
use cp_domain::{Actor, AuditExport, Error, ExportFile, ExportStatus, Integrity};
use cp_events::{AuditExportFinished, AuditExportRequested, Envelope, EventContext};
use cp_runtime::env::{AUDIT_DIGEST_BUCKET, AUDIT_DIGEST_KEY, AUDIT_EXPORT_BUCKET};
use cp_runtime::{ConfigError, FunctionEnv, queue};
use cp_store::Store;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The size of every part but the last (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// How often a running job notes how far it got.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Up to this many records are checked against the digests (about 100
/// bytes each in memory); a larger file is left to `cpctl audit verify`.
pub const MAX_CHECKED: usize = 2_000_000;

/// Shown to the requester when the file could not be written; the details
/// are in the job's logs.
/// The exported file's media type.
const CSV: &str = "text/csv; charset=utf-8";

const WRITE_FAILED: &str = "the export could not be written; request it again";

#[derive(Debug)]
pub struct ExportJob {
    store: Store,
    exports: ExportBucket,
    /// The key that signs the digests, whose public half checks them.
    digest_key: SigningKey,
    digests: DigestArchive,
}

/// What the job wrote, and what it keeps of each record for the check.
struct Written {
    file: ExportFile,
    /// `None` past [`MAX_CHECKED`] records.
    checked: Option<Vec<Checked>>,
}

impl ExportJob {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            exports: ExportBucket::new(
                aws_sdk_s3::Client::new(&env.sdk),
                env.var(AUDIT_EXPORT_BUCKET)?,
            ),
            digest_key: SigningKey::new(
                aws_sdk_kms::Client::new(&env.sdk),
                env.var(AUDIT_DIGEST_KEY)?,
            ),
            digests: DigestArchive::new(
                aws_sdk_s3::Client::new(&env.sdk),
                env.var(AUDIT_DIGEST_BUCKET)?,
            ),
        })
    }

    pub async fn handle(&self, batch: SqsEvent) -> SqsBatchResponse {
        queue::each(&batch, |message| self.run(message)).await
    }

    async fn run(&self, message: &SqsMessage) -> Result<(), Error> {
        let event = queue::domain_event(message)?;
        let Some(requested) = event.payload::<AuditExportRequested>() else {
            tracing::info!(event_type = %event.event_type, "not an export request");
            return Ok(());
        };
        let Some(job) = self.store.audit_export(requested.export_id).await? else {
            tracing::error!(export_id = %requested.export_id, "export job not found");
            return Ok(());
        };
        if job.status != ExportStatus::Running {
            tracing::info!(export_id = %job.id, "export already ended");
            return Ok(());
        }
        let key = object_key(&job);
        let written = self.write(&job, &key).await;
        self.finish(job, written, &event).await
    }

    /// Streams the job's records into the bucket under `key`.
    async fn write(&self, job: &AuditExport, key: &str) -> Result<Written, Error> {
        let mut upload = self.exports.upload(key, CSV).await?;
        match self.write_parts(job, key, &mut upload).await {
            Ok(written) => {
                upload.finish().await?;
                Ok(written)
            }
            Err(e) => {
                // Parts of an abandoned upload cost storage until aborted
                // (the bucket's lifecycle rule aborts any this misses).
                upload.abort().await;
                Err(e)
            }
        }
    }

    async fn write_parts(
        &self,
        job: &AuditExport,
        key: &str,
        upload: &mut Upload<'_>,
    ) -> Result<Written, Error> {
        let mut buffer = audit_csv::header();
        let (mut records, mut bytes) = (0_u64, 0_u64);
        let mut hash = Sha256::new();
        let mut checked = Some(Vec::new());
        let mut noted = Instant::now();
        let mut position = None;
        loop {
            let (page, next) = self
                .store
                .audit_records_in_order(job.tenant_id, job.from, job.to, position)
                .await?;
            for record in page.iter().filter(|r| job.filter.admits(r)) {
                buffer.extend(audit_csv::row(record));
                records += 1;
                match checked.as_mut() {
                    Some(c) if c.len() < MAX_CHECKED => c.push(Checked::from(record)),
                    _ => checked = None,
                }
            }
            if noted.elapsed() >= PROGRESS_EVERY {
                self.store.note_export_progress(job.id, records).await?;
                noted = Instant::now();
            }
            position = next;
            let last = position.is_none();
            if buffer.len() >= PART_BYTES || last {
                hash.update(&buffer);
                bytes += buffer.len() as u64;
                upload.part(std::mem::take(&mut buffer)).await?;
            }
            if last {
                break;
            }
        }
        Ok(Written {
            file: ExportFile {
                object_key: key.to_owned(),
                records,
                bytes,
                sha256: hex::encode(hash.finalize()),
            },
            checked,
        })
    }

    /// The written records checked against the signed digests.
    async fn integrity(&self, job: &AuditExport, checked: Option<Vec<Checked>>) -> Integrity {
        let not_checked = |reason: &str| Integrity::NotChecked {
            reason: reason.to_owned(),
        };
        let Some(checked) = checked else {
            return not_checked(
                "too many records to check here: verify the file with cpctl audit verify",
            );
        };
        let seqs = checked.iter().filter_map(|c| c.chain.map(|l| l.seq));
        let (Some(first), Some(last)) = (seqs.clone().min(), seqs.max()) else {
            return not_checked("the export holds no records");
        };
        let inputs = async {
            let key = self.digest_key.public_key().await?;
            let digests = self.digests.covering(job.tenant_id, first, last).await?;
            Ok::<_, Error>((key, digests))
        };
        match inputs.await {
            Ok((key, digests)) => {
                let scope = if job.filter.is_empty() {
                    Scope::Export
                } else {
                    Scope::Filtered
                };
                let integrity = Integrity::of(verify::verify(checked, digests, key, scope));
                if let Integrity::Failed { problem, .. } = &integrity {
                    tracing::error!(export_id = %job.id, problem, "exported records do not verify");
                }
                integrity
            }
            Err(e) => {
                tracing::error!(export_id = %job.id, error = %e, "digests could not be read");
                not_checked(
                    "the signed digests could not be read; verify the file with cpctl audit verify",
                )
            }
        }
    }

    /// Ends the job as `written` says, with its event; a job ended
    /// meanwhile (a concurrent redelivery) stays as it is.
    async fn finish(
        &self,
        mut job: AuditExport,
        written: Result<Written, Error>,
        requested: &Envelope,
    ) -> Result<(), Error> {
        match written {
            Ok(Written { file, checked }) => {
                let integrity = self.integrity(&job, checked).await;
                job.succeed(file, integrity, Utc::now())
            }
            Err(e) => {
                tracing::error!(export_id = %job.id, error = %e, "export failed");
                job.fail(WRITE_FAILED, Utc::now())
            }
        };
        let now = job.finished_at.unwrap_or_else(Utc::now);
        let file = job.file.as_ref();
        let event = Envelope::new(
            &AuditExportFinished {
                export_id: job.id,
                tenant_id: job.tenant_id,
                status: job.status,
                records: file.map(|f| f.records),
                sha256: file.map(|f| f.sha256.clone()),
                integrity: job.integrity.clone(),
                failure: job.failure.clone(),
            },
            EventContext {
                time: now,
                actor: Actor::system("export-job"),
                correlation_id: requested.correlation_id.clone(),
            },
        )?;
        let mut writes = self.store.writes();
        writes.replace_audit_export(&job)?.event(&event)?;
        match self.store.commit(writes).await {
            Ok(_) => {
                tracing::info!(export_id = %job.id, status = ?job.status, records = file.map_or(0, |f| f.records), "export ended");
                Ok(())
            }
            Err(Error::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Where a job's file goes: by partition, then job.
pub fn object_key(job: &AuditExport) -> String {
    let partition = job
        .tenant_id
        .map_or_else(|| "platform".to_owned(), |t| t.to_string());
    format!("exports/{partition}/{}.csv", job.id)
}
