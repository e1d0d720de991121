//! FR-SYS-005: `GET /v1/health`, for operators.
//!
//! - **Dependencies**, checked live and concurrently, each within two
//!   seconds: the table (`DescribeTable`), the event bus
//!   (`DescribeEventBus`), every queue and its dead-letter queue (their
//!   depths: a message in a dead-letter queue is an event that needs an
//!   operator), the KMS keys (`DescribeKey`), and each directory people
//!   sign in at (its discovery document): without one, nobody of it signs
//!   in.
//! - **Functions**: requests, system errors, error rate and P99 latency over
//!   the last 15 minutes, from the metrics every function emits (EMF, see
//!   `cp_runtime::metrics`), read with `GetMetricData`.
//!
//! `status` is `ok`, `degraded` (a dead-letter queue holds messages, with
//! the reason in its check's `detail`; the outbox's means events were set
//! aside on their way to the bus; or a
//! function's error rate is over 1 %) or `down` (a dependency failed its
//! check). The answer is always 200: the health API itself is up.

use chrono::{DateTime, Duration, Utc};
use cp_domain::{Error, Scope, Target};
use cp_runtime::Route;
use cp_runtime::env::{EVENT_BUS_NAME, KEY_IDS, QUEUE_URLS, TABLE_NAME, UPSTREAM_DIRECTORIES};
use cp_runtime::metrics::{ERRORS, FUNCTION_DIMENSION, LATENCY, NAMESPACE, REQUESTS};
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

/// How long one dependency check may take.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// The window the function figures cover.
const WINDOW: Duration = Duration::minutes(15);
/// Above this error rate a function makes the platform `degraded`.
const ERROR_RATE_LIMIT: f64 = 0.01;

/// A queue and its dead-letter queue; the outbox's dead-letter queue has
/// no queue of its own.
#[derive(Debug, Clone, Deserialize)]
struct QueueUrls {
    url: Option<String>,
    dead_letter_url: String,
}

/// Why a dead-letter queue's messages matter, for the answer's `detail`.
fn dead_letter_reason(queue: &str, depth: u64) -> String {
    if queue == "outbox" {
        format!(
            "{depth} outbox record(s) the event pipeline could not publish were set aside; the events after them flow on"
        )
    } else {
        format!(
            "{depth} message(s) the {queue} consumer could not process wait in its dead-letter queue"
        )
    }
}

#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dead_letter_depth: Option<u64>,
}

impl Check {
    fn new(name: impl Into<String>, outcome: Result<(), String>) -> Self {
        Self {
            name: name.into(),
            ok: outcome.is_ok(),
            detail: outcome.err(),
            depth: None,
            dead_letter_depth: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct FunctionFigures {
    function: String,
    requests: f64,
    errors: f64,
    error_rate: f64,
    p99_latency_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
struct HealthView {
    status: &'static str,
    checked_at: DateTime<Utc>,
    dependencies: Vec<Check>,
    window_minutes: i64,
    functions: Vec<FunctionFigures>,
}

#[derive(Debug)]
pub struct Health {
    dynamodb: aws_sdk_dynamodb::Client,
    events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
    kms: aws_sdk_kms::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    http: reqwest::Client,
    table: String,
    bus: String,
    queues: BTreeMap<String, QueueUrls>,
    keys: BTreeMap<String, String>,
    /// The directories' issuers, by name (`workforce`, `customer`).
    directories: BTreeMap<&'static str, String>,
}

fn json_var<T: serde::de::DeserializeOwned>(
    env: &FunctionEnv,
    name: &'static str,
) -> Result<T, ConfigError> {
    serde_json::from_str(&env.var(name)?).map_err(|e| ConfigError::Invalid(name, e.to_string()))
}

/// A check's outcome within the timeout; the error kind only, never details.
async fn timed<T, E: std::fmt::Display>(
    check: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            Err("unreachable or refused".into())
        }
        Err(_) => Err("timed out".into()),
    }
}

impl Health {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&env.sdk),
            events: aws_sdk_eventbridge::Client::new(&env.sdk),
            sqs: aws_sdk_sqs::Client::new(&env.sdk),
            kms: aws_sdk_kms::Client::new(&env.sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&env.sdk),
            http: reqwest::Client::builder()
                .timeout(CHECK_TIMEOUT)
                .build()
                .map_err(|e| ConfigError::Invalid(UPSTREAM_DIRECTORIES, e.to_string()))?,
            table: env.var(TABLE_NAME)?,
            bus: env.var(EVENT_BUS_NAME)?,
            queues: json_var(env, QUEUE_URLS)?,
            keys: json_var(env, KEY_IDS)?,
            directories: cp_auth::upstream::directories(&env.var(UPSTREAM_DIRECTORIES)?)
                .map_err(|e| ConfigError::Invalid(UPSTREAM_DIRECTORIES, e))?
                .into_iter()
                .map(|(upstream, config)| {
                    let issuer = config.issuer.trim_end_matches('/').to_owned();
                    (upstream.as_str(), issuer)
                })
                .collect(),
        })
    }

    async fn table(&self) -> Check {
        let outcome = timed(
            self.dynamodb
                .describe_table()
                .table_name(&self.table)
                .send(),
        )
        .await
        .and_then(|t| {
            let status = t
                .table()
                .and_then(|t| t.table_status())
                .map(|s| s.as_str().to_owned());
            match status.as_deref() {
                Some("ACTIVE") => Ok(()),
                other => Err(format!("table is {}", other.unwrap_or("unknown"))),
            }
        });
        Check::new("table", outcome)
    }

    async fn bus(&self) -> Check {
        let outcome = timed(self.events.describe_event_bus().name(&self.bus).send())
            .await
            .map(|_| ());
        Check::new("event bus", outcome)
    }

    /// The messages a queue holds: waiting, and (with `in_flight`) those
    /// received but not yet deleted. A dead-letter queue counts both: a
    /// message an operator is looking at is still there.
    async fn depth(&self, url: &str, in_flight: bool) -> Result<u64, String> {
        use aws_sdk_sqs::types::QueueAttributeName::{
            ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible,
        };
        let attributes = timed(
            self.sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(ApproximateNumberOfMessages)
                .attribute_names(ApproximateNumberOfMessagesNotVisible)
                .send(),
        )
        .await?;
        let count = |name| {
            attributes
                .attributes()
                .and_then(|a| a.get(&name))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let waiting = count(ApproximateNumberOfMessages);
        Ok(if in_flight {
            waiting + count(ApproximateNumberOfMessagesNotVisible)
        } else {
            waiting
        })
    }

    async fn queue(&self, name: &str, urls: &QueueUrls) -> Check {
        let depth = async {
            match &urls.url {
                Some(url) => self.depth(url, false).await.map(Some),
                None => Ok(None),
            }
        };
        let (depth, dead) = tokio::join!(depth, self.depth(&urls.dead_letter_url, true));
        let reachable = depth.as_ref().map(|_| ()).map_err(Clone::clone);
        let mut check = Check::new(
            format!("queue {name}"),
            reachable.and(dead.as_ref().map(|_| ()).map_err(Clone::clone)),
        );
        check.depth = depth.ok().flatten();
        check.dead_letter_depth = dead.ok();
        if let Some(n) = check.dead_letter_depth.filter(|n| *n > 0) {
            check.detail = Some(dead_letter_reason(name, n));
        }
        check
    }

    async fn key(&self, name: &str, id: &str) -> Check {
        let outcome = timed(self.kms.describe_key().key_id(id).send())
            .await
            .and_then(|k| {
                let state = k
                    .key_metadata()
                    .and_then(|m| m.key_state())
                    .map(|s| s.as_str().to_owned());
                match state.as_deref() {
                    Some("Enabled") => Ok(()),
                    other => Err(format!("key is {}", other.unwrap_or("unknown"))),
                }
            });
        Check::new(format!("key {name}"), outcome)
    }

    async fn directory(&self, name: &str, issuer: &str) -> Check {
        let url = format!("{issuer}/.well-known/openid-configuration");
        let outcome = timed(async { self.http.get(&url).send().await?.error_for_status() })
            .await
            .map(|_| ());
        Check::new(format!("directory {name}"), outcome)
    }

    /// Every function that has reported requests, with its figures.
    async fn functions(&self, now: DateTime<Utc>) -> Result<Vec<FunctionFigures>, Error> {
        use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
        let listed = self
            .cloudwatch
            .list_metrics()
            .namespace(NAMESPACE)
            .metric_name(REQUESTS)
            .send()
            .await
            .map_err(|e| unavailable("ListMetrics", &e))?;
        let mut names: Vec<String> = listed
            .metrics()
            .iter()
            .flat_map(|m| m.dimensions())
            .filter(|d| d.name() == Some(FUNCTION_DIMENSION))
            .filter_map(|d| d.value().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        let period = i32::try_from(WINDOW.num_seconds()).unwrap_or(900);
        let query = |id: String, function: &str, metric: &str, stat: &str| {
            MetricDataQuery::builder()
                .id(id)
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace(NAMESPACE)
                                .metric_name(metric)
                                .dimensions(
                                    Dimension::builder()
                                        .name(FUNCTION_DIMENSION)
                                        .value(function)
                                        .build(),
                                )
                                .build(),
                        )
                        .period(period)
                        .stat(stat)
                        .build(),
                )
                .build()
        };
        let mut figures = Vec::new();
        // GetMetricData takes up to 500 queries; three per function.
        for chunk in names.chunks(150) {
            let mut request = self
                .cloudwatch
                .get_metric_data()
                .start_time(AwsTime::from_secs((now - WINDOW).timestamp()))
                .end_time(AwsTime::from_secs(now.timestamp() + 1));
            for (i, function) in chunk.iter().enumerate() {
                request = request
                    .metric_data_queries(query(format!("r{i}"), function, REQUESTS, "Sum"))
                    .metric_data_queries(query(format!("e{i}"), function, ERRORS, "Sum"))
                    .metric_data_queries(query(format!("l{i}"), function, LATENCY, "p99"));
            }
            let output = request
                .send()
                .await
                .map_err(|e| unavailable("GetMetricData", &e))?;
            let value = |id: &str, combine: fn(&[f64]) -> f64| {
                output
                    .metric_data_results()
                    .iter()
                    .find(|r| r.id() == Some(id))
                    .map(|r| r.values())
                    .filter(|v| !v.is_empty())
                    .map(combine)
            };
            let sum: fn(&[f64]) -> f64 = |v| v.iter().sum();
            let max: fn(&[f64]) -> f64 = |v| v.iter().copied().fold(f64::MIN, f64::max);
            for (i, function) in chunk.iter().enumerate() {
                let requests = value(&format!("r{i}"), sum).unwrap_or(0.0);
                let errors = value(&format!("e{i}"), sum).unwrap_or(0.0);
                figures.push(FunctionFigures {
                    function: function.clone(),
                    requests,
                    errors,
                    error_rate: if requests > 0.0 {
                        errors / requests
                    } else {
                        0.0
                    },
                    p99_latency_ms: value(&format!("l{i}"), max),
                });
            }
        }
        Ok(figures)
    }
}

impl HttpFunction for Health {
    const NAME: &'static str = "health";
    const ROUTES: &'static [Route] = &[Route::new("GET /v1/health")];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        request
            .principal
            .authorize(Scope::HealthRead, Target::Platform)?;
        let now = request.now;
        let queues = futures::future::join_all(self.queues.iter().map(|(n, u)| self.queue(n, u)));
        let keys = futures::future::join_all(self.keys.iter().map(|(n, id)| self.key(n, id)));
        let directories = futures::future::join_all(
            self.directories
                .iter()
                .map(|(name, issuer)| self.directory(name, issuer)),
        );
        let (table, bus, queues, keys, directories, functions) = tokio::join!(
            self.table(),
            self.bus(),
            queues,
            keys,
            directories,
            self.functions(now)
        );
        let functions = functions?;
        let mut dependencies = vec![table, bus];
        dependencies.extend(queues);
        dependencies.extend(keys);
        dependencies.extend(directories);
        let status = if dependencies.iter().any(|c| !c.ok) {
            "down"
        } else if dependencies
            .iter()
            .any(|c| c.dead_letter_depth.unwrap_or(0) > 0)
            || functions.iter().any(|f| f.error_rate > ERROR_RATE_LIMIT)
        {
            "degraded"
        } else {
            "ok"
        };
        ApiResponse::ok(&HealthView {
            status,
            checked_at: now,
            dependencies,
            window_minutes: WINDOW.num_minutes(),
            functions,
        })
    }
}

/// The health API answers 503 when the metrics cannot be read, whatever
/// the cause (logged by the AWS adapter's policy).
fn unavailable<E, R>(
    operation: &'static str,
    err: &aws_sdk_cloudwatch::error::SdkError<E, R>,
) -> Error
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    cp_aws::failure(operation, err);
    Error::Unavailable
}
