//! The local gateway: what API Gateway (HTTP API) does in AWS.
//!
//! For each request: find the route in `functions/functions.json`; check the
//! bearer token as the JWT authorizer would (a refused token gets API
//! Gateway's own `401 {"message":"Unauthorized"}`, not a problem document);
//! turn the request into the API Gateway payload 2.0 event, with the verified
//! claims in `requestContext.authorizer.jwt.claims`; hand that event to
//! `lambda_http`'s own parser and the function's adapter (the very code
//! Lambda runs); and send its response back.

use crate::console::Console;
use crate::definitions::{Authorizer, Functions, Trigger};
use crate::registry::HttpFunctions;
use axum::body::Body as AxumBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::Utc;
use cp_auth::{JwtVerifier, Rejection, claims::to_request_context};
use cp_runtime::Callers;
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
struct RouteEntry {
    method: Method,
    segments: Vec<Segment>,
    route_key: String,
    function: String,
    authorizer: Authorizer,
}

/// Routes, the edge verifier and the functions.
pub struct Gateway {
    routes: Vec<RouteEntry>,
    /// The control plane's own tokens, people's and applications' alike:
    /// the only issuer the API trusts.
    verifier: Arc<JwtVerifier>,
    functions: HttpFunctions,
    /// The console CloudFront serves beside the API, if any.
    console: Option<Console>,
    /// CloudFront's response headers policy, on every response.
    security_headers: HeaderMap,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Every HTTP route of the definitions; each must have its function,
    /// expecting the callers its routes' authorizer lets through.
    pub fn new(
        definitions: &Functions,
        verifier: Arc<JwtVerifier>,
        functions: HttpFunctions,
    ) -> Result<Self, String> {
        let mut routes = Vec::new();
        for (name, function) in &definitions.functions {
            let Trigger::Http { routes: defined } = &function.trigger else {
                continue;
            };
            let Some(handler) = functions.get(name.as_str()) else {
                return Err(format!("function {name} is defined but not registered"));
            };
            // The function's own route table is the definitions' routes:
            // it tells its routes apart, and applies their request rules,
            // by these keys.
            let mut served: Vec<&str> = handler.routes().iter().map(|r| r.key).collect();
            let mut keys: Vec<String> = defined
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            served.sort_unstable();
            keys.sort_unstable();
            if served != keys {
                return Err(format!(
                    "{name}: the function serves {served:?} but its routes are {keys:?}"
                ));
            }
            for route in defined {
                let expected = match route.authorizer {
                    Authorizer::Jwt => Callers::People,
                    Authorizer::App => Callers::Applications,
                    Authorizer::None => Callers::Anyone,
                };
                // People's tokens serve functions that resolve them and
                // those that only read the claims.
                let compatible = handler.callers() == expected
                    || (expected == Callers::People && handler.callers() == Callers::SignedIn);
                if !compatible {
                    return Err(format!(
                        "{name}: route {} {} has authorizer {:?} but the function expects {:?}",
                        route.method,
                        route.path,
                        route.authorizer,
                        handler.callers()
                    ));
                }
                routes.push(RouteEntry {
                    method: route
                        .method
                        .parse()
                        .map_err(|_| format!("{name}: bad method"))?,
                    segments: route
                        .path
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(
                            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                                Some(param) => Segment::Param(param.to_owned()),
                                None => Segment::Literal(s.to_owned()),
                            },
                        )
                        .collect(),
                    route_key: format!("{} {}", route.method, route.path),
                    function: name.clone(),
                    authorizer: route.authorizer,
                });
            }
        }
        Ok(Self {
            routes,
            verifier,
            functions,
            console: None,
            security_headers: HeaderMap::new(),
        })
    }

    /// Plays CloudFront too: the console on every path that is not the
    /// API's, and the security headers on every response.
    pub fn with_console(mut self, console: Console, security_headers: HeaderMap) -> Self {
        self.console = Some(console);
        self.security_headers = security_headers;
        self
    }

    pub fn router(self) -> axum::Router {
        axum::Router::new()
            .fallback(handle)
            .with_state(Arc::new(self))
    }

    fn route(&self, method: &Method, path: &str) -> Option<(&RouteEntry, HashMap<String, String>)> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes.iter().find_map(|route| {
            if route.method != *method || route.segments.len() != parts.len() {
                return None;
            }
            let mut params = HashMap::new();
            for (segment, part) in route.segments.iter().zip(&parts) {
                match segment {
                    Segment::Literal(l) if l == part => {}
                    Segment::Literal(_) => return None,
                    Segment::Param(name) => {
                        params.insert(name.clone(), percent_decode(part));
                    }
                }
            }
            Some((route, params))
        })
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// API Gateway's answers of its own (not a function's).
fn gateway_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

fn unauthorized(rejection: &Rejection) -> Response {
    let challenge = match rejection {
        Rejection::Missing => "Bearer".to_owned(),
        other => format!(r#"Bearer error="invalid_token" error_description="{other}""#),
    };
    let mut response = gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    if let Ok(value) = challenge.parse() {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn bearer(headers: &HeaderMap) -> Result<&str, Rejection> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Rejection::Missing)?
        .to_str()
        .map_err(|_| Rejection::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(Rejection::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Rejection::Malformed);
    }
    Ok(token.trim())
}

async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = match &gateway.console {
        Some(console) if !crate::console::is_api_path(&path) => {
            console.serve(&method, &path).await.map(AxumBody::from)
        }
        _ => dispatch(&gateway, request).await,
    };
    for (name, value) in &gateway.security_headers {
        response.headers_mut().insert(name, value.clone());
    }
    tracing::info!(
        target: "gateway",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_millis() as u64,
        "gateway"
    );
    response
}

async fn dispatch(gateway: &Gateway, request: Request) -> Response {
    let Some((route, path_params)) = gateway.route(request.method(), request.uri().path()) else {
        return gateway_error(StatusCode::NOT_FOUND, "Not Found");
    };
    let claims = match route.authorizer {
        Authorizer::None => None,
        Authorizer::Jwt | Authorizer::App => {
            let verified = match bearer(request.headers()) {
                Ok(token) => gateway.verifier.verify(token).await,
                Err(rejection) => Err(rejection),
            };
            match verified {
                Ok(claims) => Some(claims),
                Err(rejection) => {
                    tracing::info!(target: "gateway", reason = %rejection, "token refused");
                    return unauthorized(&rejection);
                }
            }
        }
    };
    let source_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.ip().to_string());
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let event = api_gateway_event(
        route,
        &parts,
        &body,
        &path_params,
        claims.as_ref(),
        &source_ip,
    );
    let lambda_request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(target: "gateway", error = %e, "event not understood by lambda_http");
            return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let Some(function) = gateway.functions.get(route.function.as_str()) else {
        return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    into_http(function.call(lambda_request).await)
}

/// The API Gateway HTTP API payload 2.0 event for a request.
fn api_gateway_event(
    route: &RouteEntry,
    parts: &http::request::Parts,
    body: &[u8],
    path_params: &HashMap<String, String>,
    claims: Option<&Map<String, Value>>,
    source_ip: &str,
) -> Value {
    // API Gateway joins repeated headers and query parameters with commas,
    // and hands on header values that are not ASCII as they came (the
    // function decides what it can read).
    let mut headers: HashMap<String, String> = HashMap::new();
    // Cookies come apart from the headers, one entry each.
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in &parts.headers {
        if name == http::header::COOKIE {
            let value = String::from_utf8_lossy(value.as_bytes());
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let now = Utc::now();
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let mut context = json!({
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": headers.get("host").cloned().unwrap_or_default(),
        "domainPrefix": "local",
        "http": {
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
        },
        "requestId": uuid::Uuid::new_v4().to_string(),
        "routeKey": route.route_key,
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(claims) = claims {
        context["authorizer"] =
            json!({ "jwt": { "claims": to_request_context(claims), "scopes": null } });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !path_params.is_empty() {
        event["pathParameters"] = json!(path_params);
    }
    if !body.is_empty() {
        event["body"] = Value::String(body);
    }
    event
}

fn into_http(response: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    Response::from_parts(parts, AxumBody::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions;
    use cp_auth::EdgeConfig;

    fn gateway() -> Gateway {
        gateway_for(&definitions::functions()).unwrap()
    }

    fn gateway_for(defs: &Functions) -> Result<Gateway, String> {
        let verifier = Arc::new(JwtVerifier::new(EdgeConfig::new(
            "http://127.0.0.1:1",
            vec![],
        )));
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let env = cp_runtime::FunctionEnv::new(
            sdk,
            [
                ("TABLE_NAME", "t"),
                ("EMAIL_FROM", "a@b.example"),
                ("CONSOLE_URL", "http://c"),
                ("EVENT_BUS_NAME", "b"),
                ("TOKEN_ISSUER", "http://127.0.0.1:1"),
                ("TOKEN_AUDIENCE", "apps"),
                ("TOKEN_SIGNING_KEY", "k"),
                ("QUEUE_URLS", "{}"),
                ("KEY_IDS", r#"{"data": "k"}"#),
                ("FLAG_CATALOG_URL", "http://127.0.0.1:1/catalog"),
                ("AUDIT_EXPORT_BUCKET", "exports"),
                ("AUDIT_DIGEST_BUCKET", "digests"),
                ("AUDIT_DIGEST_KEY", "k"),
                ("OAUTH_CLIENTS", "{}"),
                ("UPSTREAM_DIRECTORIES", "{}"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        let functions = crate::registry::http_functions(&env).unwrap();
        Gateway::new(defs, verifier, functions)
    }

    #[test]
    fn every_functions_route_constants_are_its_routes_in_the_definitions() {
        // The gateway refuses to start otherwise; prove it does with the
        // definitions as they are, and does not with a route renamed.
        assert!(gateway_for(&definitions::functions()).is_ok());
        let mut renamed = definitions::functions();
        let Some(Trigger::Http { routes }) = renamed
            .functions
            .get_mut("tenant-suspend")
            .map(|f| &mut f.trigger)
        else {
            panic!("tenant-suspend has HTTP routes");
        };
        routes[0].path = "/v1/tenants/{tenantId}/pause".into();
        let refused = gateway_for(&renamed).err().unwrap_or_default();
        assert!(refused.contains("tenant-suspend"), "{refused}");
    }

    #[test]
    fn every_http_route_in_the_definitions_reaches_its_function() {
        let gw = gateway();
        let (route, params) = gw
            .route(
                &Method::GET,
                "/v1/tenants/6f1c5d6e-0000-4000-8000-000000000000",
            )
            .unwrap();
        assert_eq!(route.function, "tenant-read");
        assert_eq!(params["tenantId"], "6f1c5d6e-0000-4000-8000-000000000000");
        assert_eq!(
            gw.route(&Method::POST, "/v1/tenants").unwrap().0.function,
            "tenant-provision"
        );
        assert_eq!(
            gw.route(&Method::GET, "/v1/tenants").unwrap().0.function,
            "tenant-read"
        );
        assert!(gw.route(&Method::DELETE, "/v1/tenants").is_none());
        assert!(gw.route(&Method::GET, "/v1/nothing").is_none());
        for (name, function) in definitions::functions().functions {
            if let Trigger::Http { routes } = function.trigger {
                for r in routes {
                    let path = r.path.replace(['{', '}'], "");
                    let method: Method = r.method.parse().unwrap();
                    assert_eq!(gw.route(&method, &path).unwrap().0.function, name);
                }
            }
        }
    }

    #[test]
    fn path_parameters_are_percent_decoded() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
