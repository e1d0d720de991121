//! The exports room: audit export jobs (FR-LOG-002, ADR 0016): the job item, and the records
//! of a range in time order for the job to write.

use crate::attributes::Keys;
use crate::audit::AuditItem;
use crate::error::{corrupt, sdk};
use crate::keys::{self, PK, SK};
use crate::{Store, WriteSet};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use cp_domain::{
    AuditExport, AuditExportId, AuditFilter, AuditRecord, Error, ExportFile, ExportStatus,
    Integrity, TenantId,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Records per query of an export (DynamoDB's 1 MB page is the other cap).
const RECORDS_PER_READ: i32 = 1000;

#[derive(Debug, Serialize, Deserialize)]
struct AuditExportItem {
    #[serde(flatten)]
    keys: Keys,
    entity: String,
    id: AuditExportId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    tenant_id: Option<TenantId>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    #[serde(flatten)]
    filter: AuditFilter,
    requested_by: String,
    requested_at: DateTime<Utc>,
    status: ExportStatus,
    #[serde(flatten, skip_serializing_if = "Option::is_none", default)]
    file: Option<ExportFile>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    integrity: Option<Integrity>,
    /// Written by [`Store::note_export_progress`] without a new version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    progress_records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    finished_at: Option<DateTime<Utc>>,
    version: u64,
    expires_at: i64,
}

impl AuditExportItem {
    fn new(job: &AuditExport) -> Self {
        Self {
            keys: keys::audit_export(job.id).into(),
            entity: "AuditExport".into(),
            id: job.id,
            tenant_id: job.tenant_id,
            from: job.from,
            to: job.to,
            filter: job.filter.clone(),
            requested_by: job.requested_by.clone(),
            requested_at: job.requested_at,
            status: job.status,
            file: job.file.clone(),
            integrity: job.integrity.clone(),
            progress_records: job.progress_records,
            failure: job.failure.clone(),
            finished_at: job.finished_at,
            version: job.version,
            expires_at: job.expires_at().timestamp(),
        }
    }

    fn into_domain(self) -> AuditExport {
        AuditExport {
            id: self.id,
            tenant_id: self.tenant_id,
            from: self.from,
            to: self.to,
            filter: self.filter,
            requested_by: self.requested_by,
            requested_at: self.requested_at,
            status: self.status,
            file: self.file,
            integrity: self.integrity,
            progress_records: self.progress_records,
            failure: self.failure,
            finished_at: self.finished_at,
            version: self.version,
        }
    }
}

/// Where the next read of an export's records starts.
pub type ExportPosition = HashMap<String, AttributeValue>;

impl WriteSet {
    /// A new export job.
    pub fn insert_audit_export(&mut self, job: &AuditExport) -> Result<&mut Self, Error> {
        self.insert(&AuditExportItem::new(job), "the export exists already")
    }

    /// A job that changed since read (`job.version` is the version read).
    pub fn replace_audit_export(&mut self, job: &AuditExport) -> Result<&mut Self, Error> {
        let mut item = AuditExportItem::new(job);
        item.version = job.version + 1;
        self.replace(&item, job.version)
    }
}

impl Store {
    /// An export job, read consistently (its status right after a change).
    pub async fn audit_export(&self, id: AuditExportId) -> Result<Option<AuditExport>, Error> {
        self.get_one(
            &keys::audit_export(id),
            "audit export",
            AuditExportItem::into_domain,
        )
        .await
    }

    /// How many records a running job has written, for its requester to
    /// see. Not a change of the job: its version stays, so the job's final
    /// write (conditioned on the version it read) is not disturbed.
    pub async fn note_export_progress(&self, id: AuditExportId, records: u64) -> Result<(), Error> {
        let key = keys::audit_export(id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(key.pk))
            .key(SK, AttributeValue::S(key.sk))
            .update_expression("SET progress_records = :n")
            .condition_expression("#status = :running")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":n", AttributeValue::N(records.to_string()))
            .expression_attribute_values(":running", AttributeValue::S("Running".into()))
            .send()
            .await;
        // Ended meanwhile (a concurrent redelivery): nothing to note.
        crate::error::unless_condition_failed("UpdateItem", result)
    }

    /// Up to a thousand records of `[from, to)` in time order, from
    /// `position` on; the position after them, if more may follow.
    pub async fn audit_records_in_order(
        &self,
        tenant: Option<TenantId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        position: Option<ExportPosition>,
    ) -> Result<(Vec<AuditRecord>, Option<ExportPosition>), Error> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(keys::audit_partition(tenant)))
            .expression_attribute_values(":from", AttributeValue::S(keys::sortable_time(from)))
            .expression_attribute_values(":to", AttributeValue::S(keys::sortable_time(to)))
            .limit(RECORDS_PER_READ)
            .set_exclusive_start_key(position)
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let records = output
            .items
            .unwrap_or_default()
            .into_iter()
            // The chain head shares the partition but sorts after every time.
            .filter(|item| {
                item.get(SK)
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|sk| sk != "CHAIN")
            })
            .map(|item| {
                serde_dynamo::from_item::<_, AuditItem>(item)
                    .map_err(|e| corrupt("audit record", e))?
                    .into_domain()
            })
            .collect::<Result<_, _>>()?;
        let next = output.last_evaluated_key.filter(|k| k.contains_key(PK));
        Ok((records, next))
    }
}
