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

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use chrono::Utc;
use cp_domain::{Actor, AuditExport, Error, ExportFile, ExportStatus, audit_csv};
use cp_events::{AuditExportFinished, AuditExportRequested, Envelope, EventContext};
use cp_runtime::env::AUDIT_EXPORT_BUCKET;
use cp_runtime::{ConfigError, FunctionEnv, queue};
use cp_store::Store;
use sha2::{Digest, Sha256};

/// The size of every part but the last (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// Shown to the requester when the file could not be written; the details
/// are in the job's logs.
const WRITE_FAILED: &str = "the export could not be written; request it again";

#[derive(Debug)]
pub struct AuditExportJob {
    store: Store,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl AuditExportJob {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            s3: aws_sdk_s3::Client::new(&env.sdk),
            bucket: env.var(AUDIT_EXPORT_BUCKET)?,
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
    async fn write(&self, job: &AuditExport, key: &str) -> Result<ExportFile, Error> {
        let upload = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type("text/csv; charset=utf-8")
            .send()
            .await
            .map_err(|e| s3_failed("CreateMultipartUpload", &e))?;
        let upload_id = upload.upload_id().ok_or(Error::Internal)?.to_owned();
        let result = self.write_parts(job, key, &upload_id).await;
        if result.is_err() {
            // Parts of an abandoned upload cost storage until aborted (the
            // bucket's lifecycle rule aborts any this misses).
            self.s3
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .send()
                .await
                .ok();
        }
        result
    }

    async fn write_parts(
        &self,
        job: &AuditExport,
        key: &str,
        upload_id: &str,
    ) -> Result<ExportFile, Error> {
        let mut parts = Vec::new();
        let mut buffer = audit_csv::header();
        let (mut records, mut bytes) = (0_u64, 0_u64);
        let mut hash = Sha256::new();
        let mut position = None;
        loop {
            let (page, next) = self
                .store
                .audit_records_in_order(job.tenant_id, job.from, job.to, position)
                .await?;
            for record in page.iter().filter(|r| job.filter.admits(r)) {
                buffer.extend(audit_csv::row(record));
                records += 1;
            }
            position = next;
            let last = position.is_none();
            if buffer.len() >= PART_BYTES || last {
                hash.update(&buffer);
                bytes += buffer.len() as u64;
                let number = i32::try_from(parts.len() + 1).map_err(|_| Error::Internal)?;
                let part = self
                    .s3
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .body(ByteStream::from(std::mem::take(&mut buffer)))
                    .send()
                    .await
                    .map_err(|e| s3_failed("UploadPart", &e))?;
                parts.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(part.e_tag().map(str::to_owned))
                        .build(),
                );
            }
            if last {
                break;
            }
        }
        self.s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| s3_failed("CompleteMultipartUpload", &e))?;
        Ok(ExportFile {
            object_key: key.to_owned(),
            records,
            bytes,
            sha256: hex::encode(hash.finalize()),
        })
    }

    /// Ends the job as `written` says, with its event; a job ended
    /// meanwhile (a concurrent redelivery) stays as it is.
    async fn finish(
        &self,
        mut job: AuditExport,
        written: Result<ExportFile, Error>,
        requested: &Envelope,
    ) -> Result<(), Error> {
        let now = Utc::now();
        match written {
            Ok(file) => job.succeed(file, now),
            Err(e) => {
                tracing::error!(export_id = %job.id, error = %e, "export failed");
                job.fail(WRITE_FAILED, now)
            }
        };
        let file = job.file.as_ref();
        let event = Envelope::new(
            &AuditExportFinished {
                export_id: job.id,
                tenant_id: job.tenant_id,
                status: job.status,
                records: file.map(|f| f.records),
                sha256: file.map(|f| f.sha256.clone()),
                failure: job.failure.clone(),
            },
            EventContext {
                time: now,
                actor: Actor::system("audit-export-job"),
                correlation_id: requested.correlation_id.clone(),
            },
        )
        .map_err(|_| Error::Internal)?;
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

fn s3_failed<E, R>(operation: &'static str, e: &aws_sdk_s3::error::SdkError<E, R>) -> Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    tracing::error!(operation, error = %aws_sdk_s3::error::DisplayErrorContext(e), "S3 call failed");
    Error::Internal
}
