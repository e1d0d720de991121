//! `GET /v1/audit-records`: a tenant's audit records (FR-LOG-003) in
//! `[from, to)`, newest first, in pages, optionally only those of one
//! `actor_id`, `action` or `outcome`. `tenant_id` is required for platform
//! people (`platform` for platform-level records); a tenant Owner reads their
//! own tenant's and may omit it.

use chrono::{DateTime, Duration, DurationRound, Utc};
use cp_api::{AuditRecordView, PageView};
use cp_domain::{AuditFilter, Error, PageSize, Principal, Scope, Target, TenantId};
use cp_events::{PersonalData, PersonalDataRead};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{AuditQuery, Store};

/// Without `from`, the last 30 days.
const DEFAULT_RANGE: Duration = Duration::days(30);

#[derive(Debug)]
pub struct AuditRead {
    store: Store,
}

impl AuditRead {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

fn time(request: &ApiRequest, name: &'static str) -> Result<Option<DateTime<Utc>>, Error> {
    request
        .query(name)?
        .map(|raw| {
            // Records are ordered by millisecond: so is the range.
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map(|t| {
                    t.duration_trunc(chrono::TimeDelta::milliseconds(1))
                        .unwrap_or(t)
                })
                .map_err(|_| Error::invalid(name, "must be an RFC 3339 date-time"))
        })
        .transpose()
}

/// Which partition: a tenant, or (`platform`) the platform's own records.
fn partition(request: &ApiRequest) -> Result<(Option<TenantId>, Target), Error> {
    match (request.query("tenant_id")?, &request.principal) {
        (Some("platform"), _) => Ok((None, Target::Platform)),
        (Some(raw), _) => {
            let id: TenantId = raw
                .parse()
                .map_err(|_| Error::invalid("tenant_id", "must be a tenant id or `platform`"))?;
            Ok((Some(id), Target::Tenant(id)))
        }
        (None, Principal::TenantUser { tenant_id, .. }) => {
            Ok((Some(*tenant_id), Target::Tenant(*tenant_id)))
        }
        (None, Principal::Platform { .. }) => Err(Error::invalid("tenant_id", "is required")),
        (None, Principal::Application { .. } | Principal::Anonymous) => Err(Error::AccessDenied),
    }
}

impl HttpFunction for AuditRead {
    const NAME: &'static str = "audit-read";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/audit-records")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let (tenant, target) = partition(&request)?;
        request.principal.authorize(Scope::AuditRead, target)?;
        let to = time(&request, "to")?.unwrap_or(request.now);
        // `to` from the clock has finer precision than the keys; the range is
        // in whole milliseconds either way.
        let from = time(&request, "from")?.unwrap_or(to - DEFAULT_RANGE);
        if from >= to {
            return Err(Error::invalid("from", "must be before `to`"));
        }
        let filter = AuditFilter::parse(
            request.query("actor_id")?.map(str::to_owned),
            request.query("action")?.map(str::to_owned),
            request.query("outcome")?,
        )?;
        let query = AuditQuery {
            tenant,
            from,
            to,
            limit: PageSize::parse(request.query("limit")?)?,
            cursor: request.query("cursor")?,
            filter: &filter,
        };
        let page = self.store.list_audit(&query).await?;
        let mut actors: Vec<String> = page.items.iter().map(|r| r.actor_id.clone()).collect();
        actors.sort();
        actors.dedup();
        let read = PersonalDataRead {
            tenant_id: tenant,
            data: PersonalData::AuditRecords,
            resource: format!(
                "audit/{}",
                cp_domain::audit::digest::partition_label(tenant)
            ),
            subjects: actors,
            count: page.items.len() as u64,
            query: Default::default(),
        };
        request
            .record_read(
                &self.store,
                read,
                &["from", "to", "actor_id", "action", "outcome"],
            )
            .await?;
        // An audit record is its own view.
        ApiResponse::ok(&PageView::<AuditRecordView> {
            items: page.items,
            next_cursor: page.next_cursor,
        })
    }
}
