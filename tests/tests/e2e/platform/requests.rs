//! The request rules every route follows, from the attacker's side
//! (doc/spec/api.md, "Requests"): a body is one JSON value or a 400; a
//! route without a body refuses one; a header the API reads is visible
//! ASCII or a 400, never taken as absent; `Idempotency-Key` is honoured
//! where the reference says so and refused everywhere else. A property test
//! then sends every route generated bodies, headers and queries and proves
//! that none gets a 5xx or an answer that is not a problem, and that the
//! event pipeline stays live meanwhile.

use crate::support::applications::{access_token, enable, register, secret};
use crate::support::fixtures;
use crate::support::members::{Org, join, onboarded};
use cp_local::definitions::{Authorizer, Trigger};
use cp_runtime::{BodyRule, Route};
use cp_tests::{
    developer, eventually, get, http, operator, problem, send_json, store, unique, url,
};
use http::HeaderValue;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

fn application(name: &str) -> Value {
    json!({ "name": name, "environment": "Staging", "owner": "team-requests" })
}

/// `POST /v1/applications` with a raw body and extra headers.
async fn register_raw(
    token: &str,
    body: &[u8],
    headers: &[(&str, HeaderValue)],
) -> reqwest::Response {
    let mut request = http()
        .post(url("/v1/applications"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value.clone());
    }
    request.send().await.unwrap()
}

/// How many applications carry `name` (the list is by name).
async fn applications_named(token: &str, name: &str) -> usize {
    let page: Value = get(token, "/v1/applications?limit=100")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == name)
        .count()
}

/// CC-DAT-001: a key that is present but not visible ASCII cannot be read
/// as the client meant it: it is refused, never taken as no key (which
/// would let two retries create two applications).
#[tokio::test]
async fn cc_dat_001_an_idempotency_key_that_is_not_visible_ascii_is_refused_and_nothing_is_created()
{
    let dev = developer().await;
    let name = unique("unreadable-key");
    let body = application(&name).to_string();
    let key = HeaderValue::from_bytes(format!("ключ-{}", uuid::Uuid::new_v4()).as_bytes()).unwrap();
    for _ in 0..2 {
        let response =
            register_raw(&dev, body.as_bytes(), &[("idempotency-key", key.clone())]).await;
        let p = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
        assert_eq!(p["invalid_params"][0]["name"], "idempotency-key");
    }
    for bad in ["", &"k".repeat(256), "with space"] {
        let value = HeaderValue::from_str(bad).unwrap();
        let response = register_raw(&dev, body.as_bytes(), &[("idempotency-key", value)]).await;
        problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    }
    assert_eq!(applications_named(&dev, &name).await, 0);
}

/// CC-DAT-001: a route that does not honour `Idempotency-Key` says so,
/// whatever the key, so a client never believes a write protected that is
/// not; on one that does, a retry is answered with the first outcome.
#[tokio::test]
async fn cc_dat_001_routes_that_do_not_honour_an_idempotency_key_refuse_it() {
    let dev = developer().await;
    let app = register(&dev).await;
    let key = uuid::Uuid::new_v4().to_string();
    let refused = [
        (Method::GET, "/v1/applications".to_owned(), Value::Null),
        (
            Method::POST,
            format!("/v1/applications/{}/secrets", app.id),
            json!({ "scopes": ["flags:read"] }),
        ),
        (
            Method::PATCH,
            format!("/v1/applications/{}", app.id),
            json!({ "owner": "someone-else" }),
        ),
    ];
    for (method, path, body) in refused {
        let mut request = http()
            .request(method.clone(), url(&path))
            .bearer_auth(&dev)
            .header("idempotency-key", &key);
        if !body.is_null() {
            request = request.json(&body);
        }
        let p = problem(
            request.send().await.unwrap(),
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
        assert_eq!(
            p["invalid_params"][0]["name"], "Idempotency-Key",
            "{method} {path}"
        );
    }
    // Nothing was done: no secret issued, the owner unchanged.
    let detail: Value = get(&dev, &format!("/v1/applications/{}", app.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["secrets"], json!([]));
    assert_eq!(detail["owner"], app.owner);
}

/// CC-DAT-001: a resend retried with its key is made once: one new link,
/// one email, and the retry answered with the first answer.
#[tokio::test]
async fn cc_dat_001_a_resend_retried_with_its_key_sends_one_link() {
    let org: Org = onboarded().await;
    let email = format!("{}@members.example", unique("resent"));
    let invited: Value = send_json(
        Method::POST,
        &org.owner_token,
        "/v1/invitations",
        &json!({ "email": email, "role": "User" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let path = format!("/v1/invitations/{}/resend", invited["id"].as_str().unwrap());
    let key = uuid::Uuid::new_v4().to_string();
    let resend = || {
        http()
            .post(url(&path))
            .bearer_auth(&org.owner_token)
            .header("idempotency-key", &key)
            .send()
    };
    let first = resend().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = resend().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    // The invitation's email and the one resend: two, not three.
    assert_eq!(cp_tests::sent_emails(&email).await.len(), 2);
}

/// A body is exactly one JSON value: a second value or anything else after
/// it is refused on every route that reads JSON, as the billing and OFREP
/// routes always did, so nothing in front of the API can read it otherwise.
#[tokio::test]
async fn cc_api_001_a_body_is_one_json_value_with_nothing_after_it() {
    let dev = developer().await;
    let name = unique("trailing");
    let one = application(&name).to_string();
    for body in [
        format!("{one}{one}"),
        format!("{one} {{}}"),
        format!("{one}garbage"),
        format!("{one}\n]"),
    ] {
        let response = register_raw(&dev, body.as_bytes(), &[]).await;
        let p = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
        assert_eq!(p["invalid_params"][0]["name"], "body", "{body}");
    }
    // Whitespace after the value is no second value.
    let response = register_raw(&dev, format!("{one} \n\t").as_bytes(), &[]).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(applications_named(&dev, &name).await, 1);
}

/// A route documented without a body refuses one, even an empty object,
/// before anything is done.
#[tokio::test]
async fn cc_api_001_a_route_without_a_body_refuses_one() {
    let p = fixtures::tenant(&store().await).await;
    let op = operator().await;
    let base = format!("/v1/tenants/{}", p.tenant.id);
    let suspended = send_json(Method::POST, &op, &format!("{base}/suspend"), &json!({})).await;
    assert_eq!(
        suspended.status(),
        StatusCode::OK,
        "suspend takes an optional body"
    );
    for (method, path, body) in [
        (Method::POST, format!("{base}/resume"), "{}".to_owned()),
        (Method::GET, base.clone(), "{}".to_owned()),
        (Method::POST, format!("{base}/resume"), "x".repeat(1 << 20)),
    ] {
        let response = http()
            .request(method, url(&path))
            .bearer_auth(&op)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
        assert_eq!(problem["invalid_params"][0]["name"], "body");
    }
    let tenant: Value = get(&op, &base).await.json().await.unwrap();
    assert_eq!(
        tenant["status"], "Suspended",
        "the refused resume did nothing"
    );
}

/// FR-LOG-001: a batch is `tenant_id` and `events` only, and an event with
/// a field the API does not know is rejected, not stored without it.
#[tokio::test]
async fn fr_log_001_a_report_with_fields_the_api_does_not_know_is_refused() {
    let dev = developer().await;
    let app = register(&dev).await;
    let token = access_token(&secret(&dev, &app, &["audit:write"]).await).await;
    let p = fixtures::tenant(&store().await).await;
    enable(&operator().await, p.tenant.id, &app).await;
    let event = json!({
        "event_id": unique("e"),
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "actor_id": "user-1",
        "event_type": "document.viewed",
        "resource_id": "doc-1",
        "outcome": "success",
    });
    let batch = json!({ "tenant_id": p.tenant.id, "events": [event], "priority": "high" });
    let response = send_json(Method::POST, &token, "/v1/audit-events", &batch).await;
    let refused = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    assert_eq!(refused["invalid_params"][0]["name"], "priority");

    let mut unknown = event.clone();
    unknown["severity"] = json!("high");
    let single = {
        let mut body = unknown.clone();
        body["tenant_id"] = json!(p.tenant.id);
        body
    };
    let answer: Value = send_json(Method::POST, &token, "/v1/audit-events", &single)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&answer["accepted"], &answer["rejected"]),
        (&json!(0), &json!(1))
    );
    assert!(
        answer["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("severity"),
        "{answer}"
    );
}

// --- every route, generated input --------------------------------------------------

/// Field names the API reads somewhere: generated objects use them, so the
/// input reaches each route's validation rather than stopping at an
/// unknown field.
const FIELDS: &[&str] = &[
    "name",
    "domain",
    "plan",
    "owner_email",
    "applications",
    "email",
    "role",
    "status",
    "token",
    "value",
    "reason",
    "confirm_domain",
    "scopes",
    "expires_at",
    "environment",
    "owner",
    "tenant_id",
    "events",
    "event_id",
    "timestamp",
    "actor_id",
    "event_type",
    "resource_id",
    "outcome",
    "metadata",
    "ip_address",
    "from",
    "to",
    "action",
    "issuer",
    "client_id",
    "client_secret",
    "invitation_ttl_days",
    "password_policy",
    "min_length",
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "data",
    "subject",
    "context",
    "targetingKey",
    "tenantId",
    "grant_type",
    "scope",
    "requests_per_minute",
];

/// Query parameters the API reads somewhere.
const PARAMETERS: &[&str] = &[
    "limit",
    "cursor",
    "status",
    "role",
    "email",
    "since",
    "tenant_id",
    "from",
    "to",
    "action",
    "actor_id",
    "outcome",
    "app_id",
    "occurred_from",
    "occurred_to",
    "domain",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![1e308, -1e130, 1.5e-131, 9.9e125, 1e-300]).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        prop::sample::select(vec![
            "Pro",
            "Owner",
            "User",
            "Active",
            "Disabled",
            "flags:read"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(40, 200, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(FIELDS).prop_map(str::to_owned),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object of the API's own field names with generated values.
fn api_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(FIELDS), json_value(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => api_object().prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => (api_object(), "[ \t]*[^ \t\r\n]{1,8}")
            .prop_map(|(v, after)| format!("{v}{after}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..48),
        1 => (1usize..300).prop_map(|n| format!("{}1{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        1 => "[a-z_]{1,10}=[^&]{0,16}(&[a-z_]{1,10}=[^&]{0,16}){0,3}".prop_map(String::into_bytes),
        1 => prop::sample::select(vec!["1e400", "-", "{\"value\": 1e999}", "\"\\ud800\"", "nul\u{0}l"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

/// A header value: absent, text, or bytes that are not ASCII.
fn header(text: impl Strategy<Value = String>) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        2 => Just(None),
        3 => text.prop_map(|t| Some(t.into_bytes())),
        1 => ".{1,12}".prop_map(|t| Some(format!("ключ-{t}").into_bytes())),
    ]
    // What HTTP can carry in a header at all (no control characters).
    .prop_filter("a header value HTTP can carry", |v| {
        v.as_ref()
            .is_none_or(|b| b.iter().all(|&c| c == b'\t' || (c >= 0x20 && c != 0x7f)))
    })
}

#[derive(Debug, Clone)]
struct Generated {
    body: Vec<u8>,
    content_type: Option<Vec<u8>>,
    idempotency_key: Option<Vec<u8>>,
    if_match: Option<Vec<u8>>,
    accept: Option<Vec<u8>>,
    query: Vec<(String, String)>,
}

fn generated() -> impl Strategy<Value = Generated> {
    let media = prop_oneof![
        Just("application/json".to_owned()),
        Just("application/json; charset=utf-8".to_owned()),
        Just("APPLICATION/JSON".to_owned()),
        Just("application/cloudevents+json".to_owned()),
        Just("application/cloudevents-batch+json".to_owned()),
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("text/plain".to_owned()),
        "[ -~]{0,24}",
    ];
    (
        body(),
        header(media),
        header(prop_oneof![
            Just(uuid::Uuid::new_v4().to_string()),
            "[ -~]{0,300}"
        ]),
        header("[ -~]{0,12}"),
        header(prop_oneof![Just("text/csv".to_owned()), "[ -~]{0,24}"]),
        prop::collection::vec((prop::sample::select(PARAMETERS), ".{0,24}"), 0..4),
    )
        .prop_map(
            |(body, content_type, idempotency_key, if_match, accept, query)| Generated {
                body,
                content_type,
                idempotency_key,
                if_match,
                accept,
                query: query.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            },
        )
}

/// Hand-picked input every route gets besides the generated.
fn adversarial() -> Vec<Generated> {
    let json = |body: &str| Generated {
        body: body.as_bytes().to_vec(),
        content_type: Some(b"application/json".to_vec()),
        idempotency_key: None,
        if_match: None,
        accept: None,
        query: Vec::new(),
    };
    let mut cases = vec![
        json(""),
        json("{}"),
        json("{} {}"),
        json("{}garbage"),
        json(&format!("{}1{}", "[".repeat(200), "]".repeat(200))),
        json(&format!(
            "{{\"value\": {}\"leaf\"{}}}",
            "{\"next\": ".repeat(40),
            "}".repeat(40)
        )),
        json("{\"value\": 1e400}"),
        json("\u{fffd}\u{0}"),
    ];
    let mut key = json("{}");
    key.idempotency_key = Some("ключ-1".as_bytes().to_vec());
    cases.push(key);
    let mut unreadable_type = json("{}");
    unreadable_type.content_type = Some("application/jsön".as_bytes().to_vec());
    cases.push(unreadable_type);
    cases
}

/// Who calls each route, and the ids its path names.
struct Fixture {
    operator: String,
    org: Org,
    app_token: String,
    /// Path parameter → value; others get a fresh UUID.
    ids: BTreeMap<&'static str, String>,
}

impl Fixture {
    async fn new() -> Self {
        let org = onboarded().await;
        let (_, _, member) = join(&org, "User").await;
        let op = operator().await;
        // The operator's routes act on a tenant of their own, so that a
        // generated suspension never touches the Owner's.
        let other = fixtures::tenant(&store().await).await;
        let dev = developer().await;
        let app = register(&dev).await;
        let designated = send_json(
            Method::PUT,
            &op,
            &format!("/v1/applications/{}/billing-reader", app.id),
            &Value::Null,
        )
        .await;
        assert_eq!(designated.status(), StatusCode::OK);
        let scopes = [
            "flags:read",
            "billing:write",
            "billing:read",
            "audit:write",
            "tenants:read",
        ];
        let app_token = access_token(&secret(&dev, &app, &scopes).await).await;
        enable(&op, org.tenant_id, &app).await;
        let ids = BTreeMap::from([
            ("tenantId", other.tenant.id.to_string()),
            ("appId", app.id.to_string()),
            ("userId", member.to_string()),
            ("flagKey", "rate-limits".to_owned()),
            ("key", "rate-limits".to_owned()),
        ]);
        Self {
            operator: op,
            org,
            app_token,
            ids,
        }
    }

    /// The token a route is called with: one that passes its edge and, as
    /// far as can be, its authorization, so the input reaches validation.
    async fn token(&self, route: &Route, authorizer: Authorizer) -> Option<String> {
        match authorizer {
            Authorizer::None => None,
            Authorizer::App => Some(self.app_token.clone()),
            Authorizer::Jwt => {
                let tenant_routes = [
                    "/v1/tenant/",
                    "/v1/users",
                    "/v1/invitations",
                    "/v1/me/sessions",
                    "/v1/logout",
                ];
                if tenant_routes.iter().any(|p| route.path().starts_with(p)) {
                    // A fresh sign-in per route: a generated logout ends only it.
                    Some(self.org.owner.sign_in().await)
                } else {
                    Some(self.operator.clone())
                }
            }
        }
    }

    fn path(&self, template: &str) -> String {
        template
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => self
                        .ids
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                    None => segment.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Sends `input` on `route`; `Err` says what was wrong with the answer.
async fn check(
    route: &Route,
    path: &str,
    token: Option<&str>,
    input: &Generated,
) -> Result<(), String> {
    let mut url = reqwest::Url::parse(&url(path)).map_err(|e| e.to_string())?;
    if !input.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&input.query);
    }
    let method: Method = route.method().parse().map_err(|_| "method".to_owned())?;
    let mut request = http().request(method, url).body(input.body.clone());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in [
        ("content-type", &input.content_type),
        ("idempotency-key", &input.idempotency_key),
        ("if-match", &input.if_match),
        ("accept", &input.accept),
    ] {
        if let Some(value) = value {
            let value = HeaderValue::from_bytes(value).map_err(|e| e.to_string())?;
            request = request.header(name, value);
        }
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if status.is_server_error() {
        return Err(format!("{status}: {text}"));
    }
    if !status.is_client_error() {
        return Ok(());
    }
    let body: Value =
        serde_json::from_str(&text).map_err(|_| format!("{status} not JSON: {text}"))?;
    let problem = content_type == "application/problem+json"
        && body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:saas-control-plane:problem:ERR-"));
    // Where a protocol defines its own error, that one: OFREP's for its
    // evaluations, OAuth's (RFC 6749 §5.2, RFC 6750 §3, with the problem's
    // fields beside it) for the OAuth endpoints; the request rules answer
    // every route alike.
    let protocol_error = if route.path().starts_with("/ofrep/") {
        body["errorCode"].is_string()
    } else if route.path().starts_with("/oauth2/") {
        body["error"].is_string() && body["type"].is_string()
    } else {
        false
    };
    if problem || protocol_error {
        Ok(())
    } else {
        Err(format!("{status} {content_type}: {text}"))
    }
}

/// CC-ERR-004, CON-SEC-009: no input on any route yields a 5xx, or an
/// error that is not a problem (or, on OFREP and the OAuth endpoints, their
/// protocols' own error), and the event pipeline stays live throughout.
#[test]
fn cc_err_004_no_input_on_any_route_yields_a_5xx_or_an_error_that_is_not_a_problem() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let callers = runtime.block_on(Fixture::new());
    let definitions = cp_local::definitions::functions();
    let functions = runtime
        .block_on(async { cp_local::registry::http_functions(&cp_tests::function_env().await) })
        .unwrap();
    let mut routes: Vec<(Route, Authorizer)> = Vec::new();
    for (name, function) in &definitions.functions {
        let Trigger::Http { routes: defined } = &function.trigger else {
            continue;
        };
        for route in functions[name.as_str()].routes() {
            let authorizer = defined
                .iter()
                .find(|d| format!("{} {}", d.method, d.path) == route.key)
                .map(|d| d.authorizer)
                .unwrap();
            routes.push((*route, authorizer));
        }
    }
    let cases: u32 = std::env::var("CP_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    let requests = std::cell::Cell::new(0);
    for (route, authorizer) in &routes {
        let token = runtime.block_on(callers.token(route, *authorizer));
        let path = callers.path(route.path());
        for input in adversarial() {
            requests.set(requests.get() + 1);
            if let Err(wrong) = runtime.block_on(check(route, &path, token.as_deref(), &input)) {
                panic!("{}: {wrong}\n{input:?}", route.key);
            }
        }
        // A runner per route: one counts its cases over all its runs.
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let outcome = runner.run(&generated(), |input| {
            requests.set(requests.get() + 1);
            runtime
                .block_on(check(route, &path, token.as_deref(), &input))
                .map_err(TestCaseError::fail)
        });
        if let Err(failure) = outcome {
            panic!("{}: {failure}", route.key);
        }
        // A body on a route without one is always refused.
        if route.body == BodyRule::None {
            let refused = runtime.block_on(async {
                let mut request = http()
                    .request(route.method().parse().unwrap(), url(&path))
                    .header("content-type", "application/json")
                    .body("{}");
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                request.send().await.unwrap().status()
            });
            assert!(
                refused.is_client_error(),
                "{}: a body was not refused ({refused})",
                route.key
            );
        }
    }
    eprintln!("{} routes, {} requests", routes.len(), requests.get());

    // The pipeline is live: a change made now reaches the trail.
    runtime.block_on(async {
        let p = fixtures::tenant(&store().await).await;
        let tenant = p.tenant.id.to_string();
        let op = operator().await;
        let suspended = send_json(
            Method::POST,
            &op,
            &format!("/v1/tenants/{tenant}/suspend"),
            &Value::Null,
        )
        .await;
        assert_eq!(suspended.status(), StatusCode::OK);
        eventually(
            "the suspension in the trail",
            Duration::from_secs(30),
            || {
                let op = op.clone();
                let tenant = tenant.clone();
                async move {
                    let records =
                        cp_tests::audit_trail(&op, &tenant, "&action=tenant.suspend").await;
                    (!records.is_empty()).then_some(())
                }
            },
        )
        .await;
    });
}
