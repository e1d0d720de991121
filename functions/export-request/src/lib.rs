//! UC-AUDIT-EXPORT / FR-LOG-002: audit records as CSV, through an export
//! job (ADR 0016).
//!
//! - `POST /v1/audit-exports` `{tenant_id?, from, to, actor_id?, action?,
//!   outcome?}`: the job and its `audit.export_requested` event in one
//!   transaction; `202 Accepted` with the job. The event records the access
//!   in the exported trail (CON-SEC-002) and starts the job.
//! - `GET /v1/audit-exports/{exportId}`: the job; once `Succeeded`, with a
//!   presigned link to its file, valid for [`LINK_LIFETIME`].
//!
//! Who may export and see a job is who may read the records: Operators and
//! Auditors any tenant's (or, with `tenant_id` `platform`, the platform's),
//! a tenant's Owner their own tenant's (`audit:read`). Another tenant's job
//! is ERR-RES-404, as if it did not exist.

use chrono::{DateTime, Duration, Utc};
use cp_api::AuditExportView;
use cp_domain::{
    AuditExport, AuditExportId, AuditFilter, Error, ExportStatus, Principal, Scope, Target,
    TenantId,
};
use cp_events::{AuditExportRequested, Envelope, PersonalData, PersonalDataRead};
use cp_runtime::Route;
use cp_runtime::env::AUDIT_EXPORT_BUCKET;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use http::StatusCode;
use serde::Deserialize;

/// How long a download link works.
pub const LINK_LIFETIME: Duration = Duration::minutes(5);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    tenant_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    actor_id: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
}

#[derive(Debug)]
pub struct ExportRequest {
    store: Store,
    exports: cp_aws::ExportBucket,
}

impl ExportRequest {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            exports: cp_aws::ExportBucket::new(
                aws_sdk_s3::Client::new(&env.sdk),
                env.var(AUDIT_EXPORT_BUCKET)?,
            ),
        })
    }

    async fn request(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let body: Body = request.json()?;
        let tenant = partition(body.tenant_id.as_deref(), &request.principal)?;
        authorize(&request.principal, tenant)?;
        let time = |name: &'static str, raw: Option<&str>| -> Result<DateTime<Utc>, Error> {
            let raw = raw.ok_or_else(|| Error::invalid(name, "is required"))?;
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Error::invalid(name, "must be an RFC 3339 date-time"))
        };
        let from = time("from", body.from.as_deref());
        let to = time("to", body.to.as_deref());
        let filter = AuditFilter::parse(body.actor_id, body.action, body.outcome.as_deref());
        // Every field's problem at once, not the first only.
        let (from, to, filter) = match (from, to, filter) {
            (Ok(from), Ok(to), Ok(filter)) => (from, to, filter),
            (from, to, filter) => {
                let fields = [from.err(), to.err(), filter.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| match e {
                        Error::InvalidInput(fields) => fields,
                        _ => Vec::new(),
                    })
                    .collect();
                return Err(Error::InvalidInput(fields));
            }
        };
        let job = AuditExport::request(
            AuditExportId::random(),
            tenant,
            from,
            to,
            filter,
            request.principal.actor().id,
            request.now,
        )?;
        let event = Envelope::new(
            &AuditExportRequested {
                export_id: job.id,
                tenant_id: job.tenant_id,
                from: job.from,
                to: job.to,
                actor_id: job.filter.actor_id.clone(),
                action: job.filter.action.clone(),
                outcome: job.filter.outcome,
            },
            request.event_context(),
        )?;
        let mut writes = self.store.writes();
        writes.insert_audit_export(&job)?.event(&event)?;
        let mut response = ApiResponse::json(StatusCode::ACCEPTED, &AuditExportView::from(&job))?;
        response.location = Some(format!("/v1/audit-exports/{}", job.id));
        request.commit(&self.store, writes, response).await
    }

    async fn show(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id: AuditExportId = request.id_param("exportId")?;
        let job = self.store.audit_export(id).await?.ok_or(Error::NotFound)?;
        authorize(&request.principal, job.tenant_id)?;
        let mut view = AuditExportView::from(&job);
        if let (ExportStatus::Succeeded, Some(file)) = (job.status, &job.file) {
            let link = self.link(&file.object_key, &job).await?;
            let read = PersonalDataRead {
                tenant_id: job.tenant_id,
                data: PersonalData::AuditExportFile,
                resource: format!("audit-export/{}", job.id),
                subjects: Vec::new(),
                count: file.records,
                query: Default::default(),
            };
            request.record_read(&self.store, read, &[]).await?;
            view.download_url = Some(link);
            view.download_expires_at = Some(request.now + LINK_LIFETIME);
        }
        ApiResponse::ok(&view)
    }

    /// A presigned GET of the file, named for the download. Signing is local:
    /// no round trip.
    async fn link(&self, key: &str, job: &AuditExport) -> Result<String, Error> {
        let name = format!(
            "audit-{}-{}.csv",
            job.tenant_id
                .map_or_else(|| "platform".to_owned(), |t| t.to_string()),
            job.id
        );
        let lifetime = std::time::Duration::from_secs(LINK_LIFETIME.num_seconds().unsigned_abs());
        self.exports
            .link(key, &name, "text/csv; charset=utf-8", lifetime)
            .await
    }
}

/// Which records: a tenant's, or (`platform`) the platform's own. A tenant
/// user's are their tenant's when they name none.
fn partition(raw: Option<&str>, principal: &Principal) -> Result<Option<TenantId>, Error> {
    match (raw, principal) {
        (Some("platform"), _) => Ok(None),
        (Some(raw), _) => raw
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid("tenant_id", "must be a tenant id or `platform`")),
        (None, Principal::TenantUser { tenant_id, .. }) => Ok(Some(*tenant_id)),
        (None, _) => Err(Error::invalid("tenant_id", "is required")),
    }
}

fn authorize(principal: &Principal, tenant: Option<TenantId>) -> Result<(), Error> {
    let target = tenant.map_or(Target::Platform, Target::Tenant);
    principal.authorize(Scope::AuditRead, target)
}

pub const REQUEST: &str = "POST /v1/audit-exports";
pub const SHOW: &str = "GET /v1/audit-exports/{exportId}";

impl HttpFunction for ExportRequest {
    const NAME: &'static str = "export-request";
    const ROUTES: &'static [Route] = &[Route::new(REQUEST).json().idempotent(), Route::new(SHOW)];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        if request.route_key() == REQUEST {
            self.request(&request).await
        } else {
            self.show(&request).await
        }
    }
}
