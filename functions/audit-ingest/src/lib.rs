//! `POST /v1/audit-events` (FR-LOG-001, UC-SYS-LOG-REPORT, API-LOG): a
//! managed application with `audit:write` reports audit events of a tenant
//! that enabled it, one (`{"tenant_id", "event_id", ...}`) or up to 100
//! (`{"tenant_id", "events": [...]}`), and gets a result per event.
//!
//! Each accepted event is an `audit.reported` outbox item, so it takes the
//! control plane's own way into the tenant's audit chain (stream → bus →
//! audit queue → consumer, ADR 0028): nothing is written to the trail
//! directly. The outbox item's id is derived from the application and its
//! event id, so a repeated event (a retry, or the same id twice in one
//! batch) is a `duplicate` and changes nothing; the consumer's record is
//! idempotent on the same id.

use chrono::{DateTime, Duration, Utc};
use cp_domain::{AppScope, ApplicationId, Error, EventId, Outcome, TenantId};
use cp_events::{AuditEventReported, Envelope, EventContext};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::net::IpAddr;

/// Events per request at most.
pub const MAX_EVENTS: usize = 100;
/// Events written at once.
const CONCURRENCY: usize = 10;
/// How far ahead of the control plane's clock an event may be dated.
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// A reported event's metadata, as JSON text, at most.
const MAX_METADATA_BYTES: usize = 8 * 1024;
/// Namespace of the outbox ids of reported events (UUID v5 of
/// `<application id>/<event id>`).
const REPORTED_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x7a1d_4c2e_93b0_4f6a_8e15_c0d2_b9e4_1f37);

#[derive(Debug)]
pub struct AuditIngest {
    store: Store,
}

impl AuditIngest {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

/// One event as an application reports it (API-LOG); a field it does not
/// know rejects it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportedEvent {
    event_id: Option<String>,
    timestamp: Option<DateTime<Utc>>,
    actor_id: Option<String>,
    event_type: Option<String>,
    resource_id: Option<String>,
    outcome: Option<String>,
    ip_address: Option<String>,
    #[serde(default)]
    metadata: Map<String, Value>,
}

/// What became of one event.
#[derive(Debug, Serialize)]
struct EventResult {
    event_id: Option<String>,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    /// On its way into the tenant's audit trail.
    Accepted,
    /// Reported before; nothing changed.
    Duplicate,
    /// Invalid; `error` says why. Fix it before sending it again.
    Rejected,
    /// Not stored this time (`error` is the ERR-* id); send it again.
    Failed,
}

#[derive(Debug, Serialize)]
struct Answer {
    accepted: usize,
    duplicates: usize,
    rejected: usize,
    failed: usize,
    results: Vec<EventResult>,
}

fn text(value: Option<String>, field: &str, max: usize) -> Result<String, String> {
    let value = value.ok_or_else(|| format!("{field} is required"))?;
    let chars = value.chars().count();
    if chars == 0 || chars > max || value.chars().any(char::is_control) {
        return Err(format!("{field} must be 1 to {max} printable characters"));
    }
    Ok(value)
}

/// An event as the payload of its outbox event, or why it is refused.
fn parse(
    raw: Value,
    tenant: TenantId,
    app: ApplicationId,
    now: DateTime<Utc>,
) -> Result<AuditEventReported, String> {
    let e: ReportedEvent = serde_json::from_value(raw).map_err(|e| e.to_string())?;
    let event_id = text(e.event_id, "event_id", 128)?;
    let timestamp = e.timestamp.ok_or("timestamp is required (RFC 3339)")?;
    if timestamp > now + CLOCK_SKEW {
        return Err("timestamp is in the future".into());
    }
    if cp_domain::Retention::AuditLog.until(timestamp) <= now {
        return Err("timestamp is older than the audit log's retention".into());
    }
    let event_type = text(e.event_type, "event_type", 100)?;
    if !event_type
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c))
    {
        return Err("event_type may hold letters, digits and . _ : - only".into());
    }
    let outcome = match e.outcome.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("success") => Outcome::Success,
        Some("failure") => Outcome::Failure,
        _ => return Err("outcome must be success or failure".into()),
    };
    if Value::Object(e.metadata.clone()).to_string().len() > MAX_METADATA_BYTES {
        return Err(format!(
            "metadata must be at most {MAX_METADATA_BYTES} bytes of JSON"
        ));
    }
    Ok(AuditEventReported {
        tenant_id: tenant,
        application_id: app,
        event_id,
        timestamp,
        actor_id: text(e.actor_id, "actor_id", 256)?,
        event_type,
        resource_id: text(e.resource_id, "resource_id", 512)?,
        outcome,
        ip_address: e
            .ip_address
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .ok_or("ip_address must be an IPv4 or IPv6 address")?,
        metadata: e.metadata,
    })
}

impl AuditIngest {
    /// Writes one event's outbox item: accepted, or a duplicate of one
    /// written before.
    async fn report(
        &self,
        event: &AuditEventReported,
        context: EventContext,
    ) -> Result<Status, Error> {
        let mut envelope = Envelope::new(event, context)?;
        let name = format!("{}/{}", event.application_id, event.event_id);
        envelope.id = EventId::from_uuid(uuid::Uuid::new_v5(&REPORTED_NAMESPACE, name.as_bytes()));
        let mut writes = self.store.writes();
        writes.event(&envelope)?;
        match self.store.commit(writes).await {
            Ok(_) => Ok(Status::Accepted),
            Err(Error::Conflict(_)) => Ok(Status::Duplicate),
            Err(e) => Err(e),
        }
    }
}

impl HttpFunction for AuditIngest {
    const NAME: &'static str = "audit-ingest";
    const CALLERS: Callers = Callers::Applications;
    const ROUTES: &'static [Route] = &[Route::new("POST /v1/audit-events").json()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let app = request.principal.authorize_app(AppScope::AuditWrite)?;
        let mut body: Map<String, Value> = request.json()?;
        let refused = || Error::Refused("the application is not enabled for this tenant".into());
        let tenant_id: TenantId = body
            .remove("tenant_id")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| Error::invalid("tenant_id", "is required: a tenant id"))?;
        let events = match body.remove("events") {
            // A batch is `tenant_id` and `events`, nothing else.
            Some(Value::Array(events)) => match body.keys().next() {
                None => events,
                Some(unknown) => {
                    return Err(Error::invalid(
                        unknown.as_str(),
                        "unknown field: a batch has only tenant_id and events",
                    ));
                }
            },
            Some(_) => return Err(Error::invalid("events", "must be a list of events")),
            None => vec![Value::Object(body)],
        };
        if events.is_empty() || events.len() > MAX_EVENTS {
            return Err(Error::invalid(
                "events",
                format!("must hold 1 to {MAX_EVENTS} events"),
            ));
        }
        let tenant = self.store.tenant(tenant_id).await?.ok_or_else(refused)?;
        tenant.admit_application(app)?;

        let context = request.event_context();
        let mut seen = HashSet::new();
        let parsed: Vec<(Option<String>, Result<AuditEventReported, String>)> = events
            .into_iter()
            .map(|raw| {
                let id = raw["event_id"].as_str().map(str::to_owned);
                (id, parse(raw, tenant_id, app, request.now))
            })
            .collect();
        let results: Vec<EventResult> =
            futures::stream::iter(parsed.into_iter().map(|(id, event)| {
                // The second of two events with one id in a batch is a duplicate
                // without asking the table.
                let first = event
                    .as_ref()
                    .map_or(true, |e| seen.insert(e.event_id.clone()));
                let context = context.clone();
                async move {
                    let (status, error) = match event {
                        Err(reason) => (Status::Rejected, Some(reason)),
                        Ok(_) if !first => (Status::Duplicate, None),
                        Ok(e) => match self.report(&e, context).await {
                            Ok(status) => (status, None),
                            Err(err) => (Status::Failed, Some(err.id().as_str().to_owned())),
                        },
                    };
                    EventResult {
                        event_id: id,
                        status,
                        error,
                    }
                }
            }))
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let count = |s: Status| results.iter().filter(|r| r.status == s).count();
        let answer = Answer {
            accepted: count(Status::Accepted),
            duplicates: count(Status::Duplicate),
            rejected: count(Status::Rejected),
            failed: count(Status::Failed),
            results,
        };
        tracing::info!(
            tenant_id = %tenant_id,
            accepted = answer.accepted,
            duplicates = answer.duplicates,
            rejected = answer.rejected,
            failed = answer.failed,
            "audit events reported"
        );
        ApiResponse::ok(&answer)
    }
}
