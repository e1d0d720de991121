//! Billing events (FR-BILL-001/002): usage that managed applications report
//! as CloudEvents, and the control plane's own billable facts.
//!
//! An application reports usage as a CloudEvents 1.0 event in structured
//! JSON mode: `id` and `source` identify it (the deduplication key), `type`
//! is the usage type (`api_call`, `storage_gb`), `time` when it happened,
//! and `data` names the tenant and the quantity:
//!
//! ```json
//! {"specversion": "1.0", "id": "req-8f2c", "source": "//crm.example/api",
//!  "type": "api_call", "time": "2026-11-23T10:00:00Z",
//!  "data": {"tenant_id": "…", "quantity": 3, "properties": {"endpoint": "/v1/leads"}}}
//! ```
//!
//! Parsing is per event ([`parse_cloud_event`]): in a batch, one malformed
//! event is rejected with its reason and the others go on.

use crate::{ApplicationId, Error, FieldError, Retention, TenantId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The most events one batch request may carry (documented in the API).
pub const MAX_BATCH: usize = 100;
/// How far in the future an occurrence time may lie (clock skew).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_ID: usize = 256;
const MAX_SOURCE: usize = 512;
const MAX_TYPE: usize = 64;
const MAX_PROPERTIES: usize = 20;
const MAX_PROPERTY_NAME: usize = 64;
const MAX_PROPERTY_VALUE: usize = 256;

/// Who reported a billing event: a managed application, or the control
/// plane itself (its billing consumer). Deduplication is per reporter, so
/// one application can never shadow another's events by reusing their ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "app_id")]
pub enum Reporter {
    Application(ApplicationId),
    ControlPlane,
}

impl Reporter {
    pub fn app_id(self) -> Option<ApplicationId> {
        match self {
            Self::Application(id) => Some(id),
            Self::ControlPlane => None,
        }
    }
}

/// A billing event as reported, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingEvent {
    pub reporter: Reporter,
    /// CloudEvents `source`.
    pub source: String,
    /// CloudEvents `id`, unique within `source`.
    pub id: String,
    pub tenant_id: TenantId,
    /// The usage type, e.g. `api_call`, or a control-plane fact such as
    /// `tenant.plan_changed`.
    pub event_type: String,
    pub quantity: u64,
    pub occurred_at: DateTime<Utc>,
    /// Small string dimensions (endpoint, plan, region...).
    pub properties: BTreeMap<String, String>,
}

impl BillingEvent {
    /// The deduplication key: SHA-256 over the reporter, source and id
    /// (length-prefixed, so no two triples share an encoding), in hex.
    pub fn dedup_key(&self) -> String {
        let reporter = match self.reporter {
            Reporter::Application(id) => id.to_string(),
            Reporter::ControlPlane => "control-plane".to_owned(),
        };
        let mut hash = Sha256::new();
        for part in [reporter.as_str(), &self.source, &self.id] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hex::encode(hash.finalize())
    }
}

/// A billing event as stored and exported: with the time the control
/// plane committed it (the export's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBillingEvent {
    #[serde(flatten)]
    pub event: BillingEvent,
    pub ingested_at: DateTime<Utc>,
}

impl StoredBillingEvent {
    /// CON-DATA-003: kept five years from ingestion (never shorter than from
    /// occurrence, which is earlier).
    pub fn retain_until(&self) -> DateTime<Utc> {
        Retention::BillingEvent.until(self.ingested_at)
    }
}

/// What happened to one reported event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored now.
    Accepted,
    /// Stored before (same reporter, source and id): acknowledged, not
    /// stored again.
    Duplicate,
}

/// The CloudEvents attributes this API reads, in structured JSON mode.
#[derive(Debug, Deserialize)]
struct CloudEvent {
    specversion: String,
    id: String,
    source: String,
    #[serde(rename = "type")]
    event_type: String,
    time: Option<String>,
    datacontenttype: Option<String>,
    data: Option<Value>,
    // Other attributes (subject, dataschema, extensions) are allowed and
    // ignored, as the CloudEvents spec asks of consumers.
}

/// The `data` of a usage event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageData {
    tenant_id: TenantId,
    quantity: u64,
    #[serde(default)]
    properties: BTreeMap<String, String>,
}

/// The `(source, id)` of an event as far as it could be read, for the
/// caller to match a batch result with what it sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl EventRef {
    pub fn of(value: &Value) -> Self {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        Self {
            id: text("id"),
            source: text("source"),
        }
    }
}

/// Parses one CloudEvent reported by `app` at `now` into a billing event;
/// ERR-VAL-400 naming every offending attribute otherwise.
pub fn parse_cloud_event(
    value: Value,
    app: ApplicationId,
    now: DateTime<Utc>,
) -> Result<BillingEvent, Error> {
    if !value.is_object() {
        return Err(Error::invalid("event", "must be a JSON object"));
    }
    let ce: CloudEvent =
        serde_json::from_value(value).map_err(|e| Error::invalid("event", e.to_string()))?;
    let mut problems = Vec::new();
    let mut check = |ok: bool, field: &str, reason: &str| {
        if !ok {
            problems.push(FieldError::new(field, reason));
        }
    };
    check(ce.specversion == "1.0", "specversion", "must be \"1.0\"");
    check(
        valid_text(&ce.id, MAX_ID),
        "id",
        "must be 1 to 256 printable characters",
    );
    check(
        valid_text(&ce.source, MAX_SOURCE),
        "source",
        "must be a URI-reference of 1 to 512 printable characters",
    );
    check(
        valid_type(&ce.event_type),
        "type",
        "must be 1 to 64 of a-z, 0-9, '_', '.', '-', starting with a letter",
    );
    check(
        ce.datacontenttype.as_deref().is_none_or(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim() == "application/json")
        }),
        "datacontenttype",
        "must be application/json",
    );
    let occurred_at = match ce.time.as_deref().map(DateTime::parse_from_rfc3339) {
        None => {
            check(false, "time", "is required (when the usage occurred)");
            None
        }
        Some(Err(_)) => {
            check(false, "time", "must be an RFC 3339 timestamp");
            None
        }
        Some(Ok(t)) => {
            let t = t.with_timezone(&Utc);
            check(
                t <= now + MAX_CLOCK_SKEW,
                "time",
                "must not be more than 5 minutes in the future",
            );
            check(
                Retention::BillingEvent.until(t) > now,
                "time",
                "is older than the 5-year retention",
            );
            Some(t)
        }
    };
    let data = match ce.data {
        None => {
            check(false, "data", "is required");
            None
        }
        Some(data) => match serde_json::from_value::<UsageData>(data) {
            Ok(data) => Some(data),
            Err(e) => {
                check(false, "data", &e.to_string());
                None
            }
        },
    };
    if let Some(data) = &data {
        check(
            data.properties.len() <= MAX_PROPERTIES
                && data.properties.iter().all(|(k, v)| {
                    valid_text(k, MAX_PROPERTY_NAME) && v.chars().count() <= MAX_PROPERTY_VALUE
                }),
            "data.properties",
            "at most 20 names of 1 to 64 printable characters, values of at most 256",
        );
    }
    match (occurred_at, data) {
        (Some(occurred_at), Some(data)) if problems.is_empty() => Ok(BillingEvent {
            reporter: Reporter::Application(app),
            source: ce.source,
            id: ce.id,
            tenant_id: data.tenant_id,
            event_type: ce.event_type,
            quantity: data.quantity,
            occurred_at,
            properties: data.properties,
        }),
        _ => Err(Error::InvalidInput(problems)),
    }
}

fn valid_text(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

fn valid_type(s: &str) -> bool {
    s.len() <= MAX_TYPE
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn event(tenant: TenantId) -> Value {
        json!({
            "specversion": "1.0", "id": "e-1", "source": "//crm.example/api",
            "type": "api_call", "time": "2026-11-23T11:59:00+01:00",
            "subject": "ignored", "myextension": 1,
            "data": {"tenant_id": tenant, "quantity": 3, "properties": {"endpoint": "/v1/leads"}}
        })
    }

    #[test]
    fn fr_bill_002_a_cloud_event_is_a_billing_event() {
        let (app, tenant) = (ApplicationId::random(), TenantId::random());
        let parsed = parse_cloud_event(event(tenant), app, now()).unwrap();
        assert_eq!(parsed.reporter, Reporter::Application(app));
        assert_eq!(parsed.tenant_id, tenant);
        assert_eq!(parsed.quantity, 3);
        assert_eq!(
            parsed.occurred_at,
            "2026-11-23T10:59:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(parsed.properties["endpoint"], "/v1/leads");
    }

    #[test]
    fn fr_bill_002_every_bad_attribute_is_named() {
        let (app, tenant) = (ApplicationId::random(), TenantId::random());
        let mut bad = event(tenant);
        bad["specversion"] = json!("0.3");
        bad["type"] = json!("API Call");
        bad["time"] = json!("2026-11-23T13:00:00Z");
        bad["data"]["quantity"] = json!(-1);
        let Err(Error::InvalidInput(fields)) = parse_cloud_event(bad, app, now()) else {
            panic!("accepted");
        };
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["specversion", "type", "time", "data"]);
        for (field, value) in [
            ("id", json!("")),
            ("time", json!("yesterday")),
            ("time", json!("2020-01-01T00:00:00Z")),
            ("datacontenttype", json!("text/plain")),
        ] {
            let mut bad = event(tenant);
            bad[field] = value;
            assert!(parse_cloud_event(bad, app, now()).is_err(), "{field}");
        }
        let mut no_time = event(tenant);
        no_time.as_object_mut().unwrap().remove("time");
        assert!(parse_cloud_event(no_time, app, now()).is_err());
        assert!(parse_cloud_event(json!([1]), app, now()).is_err());
    }

    #[test]
    fn deduplication_is_per_reporter_source_and_id() {
        let tenant = TenantId::random();
        let app = ApplicationId::random();
        let a = parse_cloud_event(event(tenant), app, now()).unwrap();
        let mut same = a.clone();
        same.quantity = 9;
        assert_eq!(a.dedup_key(), same.dedup_key());
        let mut other_app = a.clone();
        other_app.reporter = Reporter::Application(ApplicationId::random());
        let mut shifted = a.clone();
        shifted.source = "//crm.example/ap".into();
        shifted.id = "ie-1".into();
        for other in [other_app, shifted] {
            assert_ne!(a.dedup_key(), other.dedup_key());
        }
    }
}
