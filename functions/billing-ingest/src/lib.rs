//! `POST /v1/app/billing-events`: a managed application reports usage
//! (FR-BILL-001/002, UC-SYS-BILL-REPORT) as CloudEvents 1.0 in structured
//! JSON, with an access token holding `billing:write`.
//!
//! - `Content-Type: application/cloudevents+json`: one event. 202 when it
//!   was stored, 200 with `"status": "duplicate"` when it was stored before,
//!   otherwise the problem that refused it (ERR-VAL-400, ERR-AUTH-403 for a
//!   tenant that has not enabled the application or is suspended or being
//!   deleted, ERR-RES-410 for a purged one).
//! - `Content-Type: application/cloudevents-batch+json`: an array of at most
//!   [`MAX_BATCH`] events. 200 with a result per event, in the order sent:
//!   `accepted`, `duplicate`, or `rejected` with its problem. A bad event
//!   never drops the good ones.
//!
//! Deduplication is on (application, `source`, `id`) for the five years the
//! event is kept; a retry is acknowledged as `duplicate`, also when it races
//! the original. If DynamoDB throttles, the answer is ERR-SYS-503 for the
//! request: events may have been stored, and the retry the client owes
//! finds them as duplicates (doc/adr/0024-billing-event-ingestion.md).
//!
//! DynamoDB round trips: one `BatchGetItem` for the tenants the events name,
//! then one conditional `PutItem` per event, all in parallel (so two
//! sequential round trips per request, whatever the batch size).

use cp_domain::billing::{EventRef, MAX_BATCH, parse_cloud_event};
use cp_domain::{AppScope, ApplicationId, BillingEvent, Error, Recorded, TenantId};
use cp_runtime::Route;
use cp_runtime::problem::Problem;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use http::{StatusCode, header};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

pub const SINGLE: &str = "application/cloudevents+json";
pub const BATCH: &str = "application/cloudevents-batch+json";

#[derive(Debug)]
pub struct BillingIngest {
    store: Store,
}

/// What happened to one event of a batch.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Duplicate,
    Rejected,
}

#[derive(Debug, Serialize)]
pub struct EventResult {
    #[serde(flatten)]
    pub event: EventRef,
    pub status: Status,
    /// Why it was rejected, as a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize)]
pub struct BatchResult {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// One per event, in the order sent.
    pub results: Vec<EventResult>,
}

impl BillingIngest {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self::new(env.store()?))
    }

    /// Records the events sent by `app`, each parsed or refused on its own;
    /// per event, the outcome or the reason it was refused.
    pub async fn ingest(
        &self,
        app: ApplicationId,
        events: Vec<Value>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(EventRef, Result<Recorded, Error>)>, Error> {
        let mut outcomes: Vec<(EventRef, Result<BillingEvent, Error>)> = events
            .into_iter()
            .map(|value| (EventRef::of(&value), parse_cloud_event(value, app, now)))
            .collect();
        self.admit(app, &mut outcomes).await?;

        // The first of several events with the same (source, id) is the one
        // recorded; the others are its duplicates.
        let mut seen = HashSet::new();
        let mut to_record = Vec::new();
        let mut recorded: Vec<Option<Result<Recorded, Error>>> = Vec::new();
        for (_, parsed) in &outcomes {
            recorded.push(match parsed {
                Err(e) => Some(Err(e.clone())),
                Ok(event) if !seen.insert(event.dedup_key()) => Some(Ok(Recorded::Duplicate)),
                Ok(event) => {
                    to_record.push(event.clone());
                    None
                }
            });
        }
        let mut stored = self
            .store
            .record_billing_events(&to_record, &chrono::Utc::now)
            .await?
            .into_iter();
        Ok(outcomes
            .into_iter()
            .zip(recorded)
            .map(|((event, _), outcome)| {
                let outcome = outcome.unwrap_or_else(|| stored.next().ok_or(Error::Internal));
                (event, outcome)
            })
            .collect())
    }

    /// Refuses the events of tenants that do not admit the application;
    /// one read for all the tenants named.
    async fn admit(
        &self,
        app: ApplicationId,
        outcomes: &mut [(EventRef, Result<BillingEvent, Error>)],
    ) -> Result<(), Error> {
        let named: HashSet<TenantId> = outcomes
            .iter()
            .filter_map(|(_, e)| e.as_ref().ok().map(|e| e.tenant_id))
            .collect();
        let named: Vec<TenantId> = named.into_iter().collect();
        let tenants: HashMap<TenantId, _> = self
            .store
            .tenants(&named)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for (_, outcome) in outcomes.iter_mut() {
            let Ok(event) = outcome else { continue };
            // An unknown tenant reads like one that did not enable the
            // application: an application learns nothing about others.
            let admitted = match tenants.get(&event.tenant_id) {
                Some(tenant) => tenant.admit_application(app),
                None => Err(Error::Refused(
                    "the application is not enabled for this tenant".into(),
                )),
            };
            if let Err(e) = admitted {
                *outcome = Err(e);
            }
        }
        Ok(())
    }
}

fn media_type(request: &ApiRequest) -> Result<String, Error> {
    Ok(request
        .header(header::CONTENT_TYPE.as_str())?
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase())
}

impl HttpFunction for BillingIngest {
    const NAME: &'static str = "billing-ingest";
    const CALLERS: Callers = Callers::Applications;
    const ROUTES: &'static [Route] = &[Route::new("POST /v1/app/billing-events").own_body()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let app = request.principal.authorize_app(AppScope::BillingWrite)?;
        let body = || -> Result<Value, Error> {
            serde_json::from_slice(&request.body)
                .map_err(|e| Error::invalid("body", format!("is not JSON: {e}")))
        };
        match media_type(&request)?.as_str() {
            SINGLE => {
                let [(event, outcome)]: [_; 1] = self
                    .ingest(app, vec![body()?], request.now)
                    .await?
                    .try_into()
                    .map_err(|_| Error::Internal)?;
                let (code, status) = match outcome? {
                    Recorded::Accepted => (StatusCode::ACCEPTED, Status::Accepted),
                    Recorded::Duplicate => (StatusCode::OK, Status::Duplicate),
                };
                ApiResponse::json(
                    code,
                    &EventResult {
                        event,
                        status,
                        problem: None,
                    },
                )
            }
            BATCH => {
                let Value::Array(events) = body()? else {
                    return Err(Error::invalid(
                        "body",
                        "must be a JSON array of CloudEvents",
                    ));
                };
                if events.is_empty() || events.len() > MAX_BATCH {
                    return Err(Error::invalid(
                        "body",
                        format!("must hold 1 to {MAX_BATCH} events"),
                    ));
                }
                let mut result = BatchResult {
                    accepted: 0,
                    duplicates: 0,
                    rejected: 0,
                    results: Vec::with_capacity(events.len()),
                };
                for (event, outcome) in self.ingest(app, events, request.now).await? {
                    let (status, problem) = match outcome {
                        Ok(Recorded::Accepted) => (Status::Accepted, None),
                        Ok(Recorded::Duplicate) => (Status::Duplicate, None),
                        Err(e) => (
                            Status::Rejected,
                            Some(Problem::new(&e, &request.path, &request.correlation_id)),
                        ),
                    };
                    match status {
                        Status::Accepted => result.accepted += 1,
                        Status::Duplicate => result.duplicates += 1,
                        Status::Rejected => result.rejected += 1,
                    }
                    result.results.push(EventResult {
                        event,
                        status,
                        problem,
                    });
                }
                ApiResponse::ok(&result)
            }
            _ => Err(Error::invalid(
                "content-type",
                format!("must be {SINGLE} or {BATCH}"),
            )),
        }
    }
}
