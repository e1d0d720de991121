//! Request metrics in CloudWatch Embedded Metric Format (EMF).
//!
//! Every HTTP request emits one EMF document: its function, latency, and
//! whether it failed on our side (a system error, CC-ERR-002; a refused
//! request is the caller's and counts only as a request). In Lambda the
//! document is a line on stdout, which CloudWatch Logs turns into metrics
//! without an API call on the request path. The local stack installs a sink
//! that does what CloudWatch Logs does (the same documents become
//! `PutMetricData` calls to the local CloudWatch), so the health API reads
//! real numbers in both places.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::OnceLock;

/// The CloudWatch namespace of the control plane's own metrics.
pub const NAMESPACE: &str = "SaasControlPlane";
/// The dimension every request metric has.
pub const FUNCTION_DIMENSION: &str = "Function";
pub const REQUESTS: &str = "Requests";
pub const ERRORS: &str = "Errors";
pub const LATENCY: &str = "Latency";
/// Records the event pipeline could not publish and set aside in the
/// outbox's dead-letter queue (never dropped; see `outbox-publisher`).
pub const SET_ASIDE: &str = "OutboxRecordsSetAside";
/// Sign-ins refused after the directory answered, grants refused and
/// failed client authentications at the OpenID Provider (the alarm on it
/// tells an operator of an attack or a broken client).
pub const AUTH_FAILURES: &str = "AuthenticationFailures";

type Sink = Box<dyn Fn(Value) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends EMF documents somewhere other than stdout (the local stack).
/// The first sink set stays.
pub fn set_sink(sink: impl Fn(Value) + Send + Sync + 'static) {
    let _ = SINK.set(Box::new(sink));
}

/// An EMF document: `metrics` (name, unit, value) of `function` at `at`.
fn document(function: &str, at: DateTime<Utc>, metrics: &[(&str, &str, Value)]) -> Value {
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, unit, _)| json!({ "Name": name, "Unit": unit }))
        .collect();
    let mut document = json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[FUNCTION_DIMENSION]],
                "Metrics": definitions,
            }],
        },
        FUNCTION_DIMENSION: function,
    });
    for (name, _, value) in metrics {
        document[*name] = value.clone();
    }
    document
}

/// The EMF document of one request.
pub fn request_document(function: &str, status: u16, latency_ms: u64, at: DateTime<Utc>) -> Value {
    document(
        function,
        at,
        &[
            (REQUESTS, "Count", json!(1)),
            (ERRORS, "Count", json!(u8::from(status >= 500))),
            (LATENCY, "Milliseconds", json!(latency_ms)),
        ],
    )
}

/// Emits one request's metrics.
pub fn record_request(function: &str, status: u16, latency_ms: u64, at: DateTime<Utc>) {
    emit(request_document(function, status, latency_ms, at));
}

/// The EMF document of records set aside by `function`.
pub fn set_aside_document(function: &str, count: u64, at: DateTime<Utc>) -> Value {
    document(function, at, &[(SET_ASIDE, "Count", json!(count))])
}

/// Counts records set aside (the alarm on it pages an operator).
pub fn record_set_aside(function: &str, count: u64, at: DateTime<Utc>) {
    emit(set_aside_document(function, count, at));
}

/// Counts one refused sign-in, grant or client authentication.
pub fn record_auth_failure(function: &str, at: DateTime<Utc>) {
    emit(document(
        function,
        at,
        &[(AUTH_FAILURES, "Count", json!(1))],
    ));
}

fn emit(document: Value) {
    match SINK.get() {
        Some(sink) => sink(document),
        None => {
            let _ = writeln!(std::io::stdout().lock(), "{document}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_sys_005_a_request_is_one_emf_document_and_only_system_errors_count() {
        let at = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let ok = request_document("tenant-get", 404, 12, at);
        assert_eq!(ok["_aws"]["Timestamp"], 1_790_000_000_000_i64);
        assert_eq!(ok["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
        assert_eq!(ok["Function"], "tenant-get");
        assert_eq!(ok["Errors"], 0);
        assert_eq!(ok["Latency"], 12);
        assert_eq!(request_document("tenant-get", 503, 1, at)["Errors"], 1);
    }
}
