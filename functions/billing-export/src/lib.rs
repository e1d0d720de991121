//! `GET /v1/app/billing-events`: the external billing system pages through
//! billing events in ingestion order (FR-BILL-003, UC-SYS-BILL-EXPORT), with
//! an access token holding `billing:read`.
//!
//! Query parameters: `cursor` (from the previous page), or `since` (RFC 3339
//! ingestion time to start at, without a cursor; the default is the
//! beginning); filters `tenant_id`, `app_id`, and the occurrence period
//! `occurred_from` / `occurred_to` (`[from, to)`); `limit` 1 to 1000
//! (default 100).
//!
//! The export reads only up to its horizon, [`cp_store::EXPORT_LAG`] before
//! now, before which every event is committed; so a poller that follows the
//! cursors sees every event exactly once, also one whose write committed
//! late (doc/adr/0025-billing-export-cursor.md). Every page, also an empty
//! one, has a cursor to resume from.
//!
//! `Accept: text/csv` returns the page as CSV (a header row, then one row
//! per event); its cursor and `has_more` are then the `X-Next-Cursor` and
//! `X-Has-More` response headers.
//!
//! DynamoDB round trips: one `Query` of GSI1 per billing shard (four), in
//! parallel.

use chrono::{DateTime, Utc};
use cp_api::{BillingEventView, BillingPageView};
use cp_domain::{AppScope, Error};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{BillingQuery, EXPORT_LAG, Store};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use std::str::FromStr;

pub const DEFAULT_LIMIT: u16 = 100;
pub const MAX_LIMIT: u16 = 1000;
pub const NEXT_CURSOR: &str = "x-next-cursor";
pub const HAS_MORE: &str = "x-has-more";

#[derive(Debug)]
pub struct BillingExport {
    store: Store,
}

impl BillingExport {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

fn param<T: FromStr>(request: &ApiRequest, name: &str, what: &str) -> Result<Option<T>, Error> {
    request
        .query(name)?
        .map(|raw| {
            raw.parse()
                .map_err(|_| Error::invalid(name, format!("must be {what}")))
        })
        .transpose()
}

fn limit(request: &ApiRequest) -> Result<u16, Error> {
    match param::<u16>(request, "limit", "an integer from 1 to 1000")? {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(Error::invalid("limit", "must be an integer from 1 to 1000")),
    }
}

/// Whether the caller asked for CSV rather than JSON.
fn wants_csv(request: &ApiRequest) -> Result<bool, Error> {
    Ok(request
        .header(header::ACCEPT.as_str())?
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|t| t.split(';').next().is_some_and(|t| t.trim() == "text/csv"))
        }))
}

const CSV_HEADER: [&str; 9] = [
    "ingested_at",
    "occurred_at",
    "tenant_id",
    "app_id",
    "type",
    "quantity",
    "source",
    "id",
    "properties",
];

/// The page as CSV; properties as a JSON object in one column.
pub fn to_csv(items: &[BillingEventView]) -> Result<String, Error> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "CSV could not be written");
        Error::Internal
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).map_err(|e| failed(&e))?;
    for e in items {
        let properties = serde_json::to_string(&e.properties).map_err(|e| failed(&e))?;
        writer
            .write_record([
                e.ingested_at.to_rfc3339(),
                e.occurred_at.to_rfc3339(),
                e.tenant_id.to_string(),
                e.app_id.map(|a| a.to_string()).unwrap_or_default(),
                e.event_type.clone(),
                e.quantity.to_string(),
                e.source.clone(),
                e.id.clone(),
                properties,
            ])
            .map_err(|e| failed(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

impl HttpFunction for BillingExport {
    const NAME: &'static str = "billing-export";
    const CALLERS: Callers = Callers::Applications;
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/app/billing-events")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request.principal.authorize_app(AppScope::BillingRead)?;
        const TIME: &str = "an RFC 3339 timestamp";
        let query = BillingQuery {
            cursor: request.query("cursor")?,
            since: param::<DateTime<Utc>>(&request, "since", TIME)?,
            tenant: param(&request, "tenant_id", "a tenant id")?,
            app: param(&request, "app_id", "an application id")?,
            occurred_from: param::<DateTime<Utc>>(&request, "occurred_from", TIME)?,
            occurred_to: param::<DateTime<Utc>>(&request, "occurred_to", TIME)?,
            limit: limit(&request)?,
        };
        let horizon = request.now - EXPORT_LAG;
        let page = self.store.export_billing_events(&query, horizon).await?;
        let view = BillingPageView {
            items: page.items.into_iter().map(BillingEventView::from).collect(),
            next_cursor: page.cursor,
            has_more: page.more,
            horizon,
        };
        if !wants_csv(&request)? {
            return ApiResponse::ok(&view);
        }
        let mut headers = HeaderMap::new();
        let value = |s: &str| HeaderValue::from_str(s).map_err(|_| Error::Internal);
        headers.insert(header::CONTENT_TYPE, value("text/csv; charset=utf-8")?);
        headers.insert(NEXT_CURSOR, value(&view.next_cursor)?);
        headers.insert(HAS_MORE, value(&view.has_more.to_string())?);
        Ok(ApiResponse {
            status: StatusCode::OK,
            body: to_csv(&view.items)?,
            location: None,
            replayed: false,
            headers,
        })
    }
}
