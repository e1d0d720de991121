//! The HTTP adapter between API Gateway and a use case.
//!
//! A use case implements [`HttpFunction`]: it gets an [`ApiRequest`] (the
//! resolved principal, the correlation id, the time, the parsed pieces of the
//! request) and returns an [`ApiResponse`] or a domain [`Error`]. The
//! [`HttpAdapter`] does the rest, the same way in Lambda and in the local
//! gateway:
//!
//! 1. take `x-correlation-id` from the request (or make one) and open the
//!    request's log span with it;
//! 2. read the claims API Gateway's JWT authorizer verified and resolve the
//!    caller's principal (denying disabled users, inactive tenants and
//!    revoked sessions);
//! 3. find the request's route among the function's own and apply its
//!    request rules (body, `Idempotency-Key`; see [`crate::route`]);
//! 4. run the use case;
//! 5. render errors as RFC 7807 problems, return the correlation id, and log
//!    one access line.

use crate::Clock;
use crate::idempotency::Idempotency;
use crate::problem::{self, Problem};
use crate::route::{BodyRule, Route};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use cp_auth::{PrincipalResolver, TokenClaims};
use cp_domain::{Error, Principal};
use cp_events::{Envelope, EventContext, PersonalDataRead};
use futures::FutureExt;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Who calls a function, and so which verified token its routes carry
/// (the `authorizer` of its routes in `functions/functions.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    /// People, with an Entra ID token: platform people and tenant users.
    People,
    /// Managed applications, with an access token from the control plane's
    /// own token endpoint.
    Applications,
    /// Anyone: no token is verified (the token endpoint, key sets).
    Anyone,
    /// People with a verified Entra ID token who need not be known yet:
    /// the token's claims are the whole input, no principal is resolved
    /// (accepting an invitation binds the identity in the first place).
    SignedIn,
}

/// A use case behind an HTTP route.
pub trait HttpFunction: Send + Sync + 'static {
    /// The function's name, as in the route definitions.
    const NAME: &'static str;
    /// Who may call it.
    const CALLERS: Callers = Callers::People;
    /// Its routes, as in the route definitions, with their request rules.
    const ROUTES: &'static [Route];

    fn handle(
        &self,
        request: ApiRequest,
    ) -> impl Future<Output = Result<ApiResponse, Error>> + Send;
}

/// A request, with its caller resolved.
#[derive(Debug)]
pub struct ApiRequest {
    pub principal: Principal,
    /// The verified token claims the principal was resolved from; `None`
    /// for anonymous callers.
    pub claims: Option<TokenClaims>,
    pub correlation_id: String,
    /// The time of the request, from the function's clock.
    pub now: DateTime<Utc>,
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    route: &'static Route,
    idempotency: Option<Idempotency>,
    path_params: HashMap<String, String>,
    query: HashMap<String, Vec<String>>,
    source_ip: Option<String>,
}

impl ApiRequest {
    /// The route this request came by (API Gateway's route key, e.g.
    /// `"POST /v1/tenants/{tenantId}/suspend"`), to match on the function's
    /// route constants.
    pub fn route_key(&self) -> &'static str {
        self.route.key
    }

    /// The request's `Idempotency-Key`, checked, on a route that honours it.
    pub fn idempotency(&self) -> Option<&Idempotency> {
        self.idempotency.as_ref()
    }

    /// The JSON body as `T`: exactly one JSON value, nothing after it.
    /// Fields that are missing, of the wrong type or unknown are reported
    /// by name (ERR-VAL-400).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        if self.body.is_empty() {
            return Err(Error::invalid("body", "is required"));
        }
        self.require_media_type("application/json")?;
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_owned() } else { path };
            Error::invalid(field, e.into_inner().to_string())
        })?;
        // One value, then only whitespace: anything after it would be read
        // differently by whatever sits in front of the API.
        deserializer
            .end()
            .map_err(|_| Error::invalid("body", "must be one JSON value, with nothing after it"))?;
        Ok(value)
    }

    /// The body's media type must be `expected` (parameters aside).
    fn require_media_type(&self, expected: &str) -> Result<(), Error> {
        let media_type = self
            .header(header::CONTENT_TYPE.as_str())?
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .trim();
        if media_type.eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(Error::invalid(
                "content-type",
                format!("must be {expected}"),
            ))
        }
    }

    /// An `application/x-www-form-urlencoded` body (OAuth token requests),
    /// each name at most once.
    pub fn form(&self) -> Result<HashMap<String, String>, Error> {
        self.require_media_type("application/x-www-form-urlencoded")?;
        let mut form = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(&self.body) {
            if form.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(Error::invalid(name, "must be given at most once"));
            }
        }
        Ok(form)
    }

    /// The caller's IP address, as API Gateway saw it.
    pub fn source_ip(&self) -> Option<&str> {
        self.source_ip.as_deref()
    }

    pub fn path_param(&self, name: &str) -> Result<&str, Error> {
        self.path_params
            .get(name)
            .map(String::as_str)
            .ok_or(Error::NotFound)
    }

    /// An id from the path. A malformed id cannot name an existing
    /// resource, so it is ERR-RES-404 like an unknown one.
    pub fn id_param<T: std::str::FromStr>(&self, name: &str) -> Result<T, Error> {
        self.path_param(name)?.parse().map_err(|_| Error::NotFound)
    }

    /// A JSON body that may be absent (e.g. an optional reason).
    pub fn optional_json<T: DeserializeOwned + Default>(&self) -> Result<T, Error> {
        if self.body.is_empty() {
            return Ok(T::default());
        }
        self.json()
    }

    /// Every query parameter, with every value it was given (a protocol
    /// that decides itself what a repeated one means: OAuth).
    pub fn query_params(&self) -> &HashMap<String, Vec<String>> {
        &self.query
    }

    /// A cookie the browser sent (API Gateway hands them on in one
    /// `Cookie` header); the first of a name given twice.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value)
    }

    /// A query parameter; given twice, it is ambiguous and refused.
    pub fn query(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.query.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([one]) => Ok(Some(one.as_str())),
            Some(_) => Err(Error::invalid(name, "must be given at most once")),
        }
    }

    /// A request header the API gives meaning to. Present but not visible
    /// ASCII, it cannot be read as the caller meant it: ERR-VAL-400 naming
    /// it, never treated as absent.
    pub fn header(&self, name: &str) -> Result<Option<&str>, Error> {
        header_text(&self.headers, name)
    }

    /// Who, when and why, for the events this request causes.
    pub fn event_context(&self) -> EventContext {
        EventContext {
            time: self.now,
            actor: self.principal.actor(),
            correlation_id: self.correlation_id.clone(),
        }
    }

    /// CON-SEC-002: records that this request read personal data, before
    /// the answer leaves; an answer whose read could not be recorded is not
    /// given. `filters` names the query parameters the record keeps (never
    /// a cursor). An answer that holds nothing reveals nothing, and is not
    /// recorded.
    pub async fn record_read(
        &self,
        store: &cp_store::Store,
        mut read: PersonalDataRead,
        filters: &[&str],
    ) -> Result<(), Error> {
        if read.count == 0 {
            return Ok(());
        }
        for name in filters {
            if let Some(value) = self.query(name)? {
                read.query.insert((*name).to_owned(), value.to_owned());
            }
        }
        let event = Envelope::new(&read, self.event_context())?;
        store.emit(&event).await
    }
}

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: StatusCode,
    /// JSON text.
    pub body: String,
    pub location: Option<String>,
    /// Set when this is the stored outcome of an earlier request with the
    /// same idempotency key.
    pub replayed: bool,
    /// Headers of the use case's own, set over the defaults (e.g. a
    /// `Cache-Control` for public, cacheable documents).
    pub headers: HeaderMap,
}

impl ApiResponse {
    pub fn json(status: StatusCode, body: &impl Serialize) -> Result<Self, Error> {
        let body = serde_json::to_string(body).map_err(|e| {
            tracing::error!(error = %e, "response could not be serialised");
            Error::Internal
        })?;
        Ok(Self {
            status,
            body,
            location: None,
            replayed: false,
            headers: HeaderMap::new(),
        })
    }

    /// Sets a header of the response.
    pub fn with_header(mut self, name: header::HeaderName, value: &str) -> Result<Self, Error> {
        let value = HeaderValue::from_str(value).map_err(|_| Error::Internal)?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// Adds a value of a header that may be given several times
    /// (`Set-Cookie`).
    pub fn with_added_header(
        mut self,
        name: header::HeaderName,
        value: &str,
    ) -> Result<Self, Error> {
        let value = HeaderValue::from_str(value).map_err(|_| Error::Internal)?;
        self.headers.append(name, value);
        Ok(self)
    }

    pub fn ok(body: &impl Serialize) -> Result<Self, Error> {
        Self::json(StatusCode::OK, body)
    }

    /// `302 Found` to `location`, without a body (a browser's next step in
    /// a sign-in).
    pub fn redirect(location: String) -> Self {
        Self {
            status: StatusCode::FOUND,
            body: String::new(),
            location: Some(location),
            replayed: false,
            headers: HeaderMap::new(),
        }
    }

    /// An HTML page of the control plane's own (sign-in pages): never
    /// framed by another site (clickjacking), no script, no resource from
    /// elsewhere.
    pub fn html(status: StatusCode, body: String) -> Result<Self, Error> {
        Self {
            status,
            body,
            location: None,
            replayed: false,
            headers: HeaderMap::new(),
        }
        .with_header(header::CONTENT_TYPE, "text/html; charset=utf-8")?
        .with_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )?
        .with_header(header::X_FRAME_OPTIONS, "DENY")
    }

    pub fn created(body: &impl Serialize, location: String) -> Result<Self, Error> {
        let mut response = Self::json(StatusCode::CREATED, body)?;
        response.location = Some(location);
        Ok(response)
    }
}

/// Runs an [`HttpFunction`] for API Gateway HTTP API (payload 2.0) requests.
#[derive(Debug)]
pub struct HttpAdapter<F> {
    function: F,
    /// `None` for functions anyone may call: they resolve nobody.
    resolver: Option<Arc<PrincipalResolver>>,
    clock: Arc<dyn Clock>,
}

impl<F: HttpFunction> HttpAdapter<F> {
    pub fn new(
        function: F,
        resolver: Option<Arc<PrincipalResolver>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            function,
            resolver,
            clock,
        }
    }

    /// Handles one request. Never fails: every error becomes a problem
    /// response. A panic in the use case becomes an ERR-SYS-500 where panics
    /// unwind (the local stack, tests); release builds abort instead, and
    /// Lambda starts a fresh process (ADR 0009).
    pub async fn call(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let correlation_id = correlation_id(request.headers());
        let method = request.method().clone();
        let path = request.raw_http_path().to_owned();
        let span = tracing::info_span!(
            "request",
            correlation_id = %correlation_id,
            function = F::NAME,
        );
        async {
            let outcome = std::panic::AssertUnwindSafe(self.run(request, &correlation_id))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    tracing::error!("use case panicked");
                    Err(Error::Internal)
                });
            let response = match outcome {
                Ok(ok) => success(ok),
                Err(error) => {
                    if error.id().is_system() {
                        tracing::error!(error = %error, "request failed");
                    }
                    failure(&error, &path, &correlation_id)
                }
            };
            let latency_ms = started.elapsed().as_millis() as u64;
            tracing::info!(
                method = %method,
                path = %path,
                status = response.status().as_u16(),
                latency_ms,
                "request"
            );
            crate::metrics::record_request(
                F::NAME,
                response.status().as_u16(),
                latency_ms,
                self.clock.now(),
            );
            with_correlation(response, &correlation_id)
        }
        .instrument(span)
        .await
    }

    async fn run(&self, request: Request, correlation_id: &str) -> Result<ApiResponse, Error> {
        let now = self.clock.now();
        let context = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => Some(context),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        let source_ip = context.and_then(|c| c.http.source_ip.clone());
        let route_key = context.and_then(|c| c.route_key.as_deref());
        let Some(route) = F::ROUTES.iter().find(|r| Some(r.key) == route_key) else {
            // API Gateway routed here a route this function does not serve:
            // the deployment and the code disagree.
            tracing::error!(route_key = ?route_key, "request on a route the function does not serve");
            return Err(Error::Internal);
        };
        let (principal, claims) = match (F::CALLERS, verified_claims(&request)) {
            (Callers::Anyone, _) => (Principal::Anonymous, None),
            (_, None) => return Err(Error::InvalidCredentials),
            (callers, Some(claims)) => {
                let claims = TokenClaims::from_request_context(&claims).map_err(|bad| {
                    tracing::warn!(%bad, "verified claims unusable");
                    Error::InvalidCredentials
                })?;
                let resolver = self.resolver.as_ref().ok_or(Error::Internal)?;
                let principal = match callers {
                    Callers::Applications => resolver.resolve_application(&claims).await?,
                    Callers::SignedIn => Principal::Anonymous,
                    _ => resolver.resolve(&claims).await?,
                };
                (principal, Some(claims))
            }
        };
        let path_params = request
            .path_parameters_ref()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let query = request
            .query_string_parameters_ref()
            .map(|q| {
                let mut map: HashMap<String, Vec<String>> = HashMap::new();
                for (k, v) in q.iter() {
                    map.entry(k.to_owned()).or_default().push(v.to_owned());
                }
                map
            })
            .unwrap_or_default();
        let (parts, body) = request.into_parts();
        let body = match body {
            Body::Empty => Bytes::new(),
            Body::Text(text) => Bytes::from(text),
            Body::Binary(bytes) => Bytes::from(bytes),
            _ => Bytes::new(),
        };
        if route.body == BodyRule::None && !body.is_empty() {
            return Err(Error::invalid("body", "this route takes no body"));
        }
        let path = parts.uri.path().to_owned();
        let idempotency = match header_text(&parts.headers, crate::idempotency::HEADER)? {
            None => None,
            Some(_) if !route.idempotency_key => {
                return Err(Error::invalid(
                    "Idempotency-Key",
                    "is not accepted by this route (see the API reference)",
                ));
            }
            Some(key) => Some(Idempotency::new(
                F::NAME,
                &principal,
                key,
                &parts.method,
                &path,
                &body,
            )?),
        };
        let request = ApiRequest {
            principal,
            claims,
            correlation_id: correlation_id.to_owned(),
            now,
            path,
            method: parts.method,
            headers: parts.headers,
            body,
            route,
            idempotency,
            path_params,
            query,
            source_ip,
        };
        self.function.handle(request).await
    }
}

/// A header as text: `None` when absent, ERR-VAL-400 naming it when
/// present but not visible ASCII.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Error> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(Some)
            .map_err(|_| Error::invalid(name, "must be visible ASCII text")),
    }
}

/// The claims API Gateway's JWT authorizer verified, if any.
fn verified_claims(request: &Request) -> Option<HashMap<String, String>> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()
            .map(|jwt| jwt.claims.clone()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The caller's correlation id when it is sane (1–128 of `[A-Za-z0-9._:-]`),
/// else a new one. A rejected id is replaced, not refused: it is a tracing
/// aid, not an input.
pub fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

fn success(ok: ApiResponse) -> Response<Body> {
    let mut builder = Response::builder()
        .status(ok.status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store");
    if let Some(location) = &ok.location {
        builder = builder.header(header::LOCATION, location);
    }
    if ok.replayed {
        builder = builder.header("idempotent-replayed", "true");
    }
    let mut response = builder
        .body(Body::Text(ok.body))
        .unwrap_or_else(|_| Response::new(Body::Empty));
    // The use case's headers replace the defaults; a name given several
    // times (`Set-Cookie`) keeps every value.
    for name in ok.headers.keys() {
        response.headers_mut().remove(name);
    }
    for (name, value) in &ok.headers {
        response.headers_mut().append(name, value.clone());
    }
    response
}

/// The problem response for an error.
pub fn failure(error: &Error, path: &str, correlation_id: &str) -> Response<Body> {
    let problem = Problem::new(error, path, correlation_id);
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let mut builder = Response::builder()
        .status(problem.status)
        .header(header::CONTENT_TYPE, problem::CONTENT_TYPE)
        .header(header::CACHE_CONTROL, "no-store");
    match error {
        Error::InvalidCredentials => {
            builder = builder.header(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#);
        }
        Error::SessionExpired => {
            builder = builder.header(
                header::WWW_AUTHENTICATE,
                r#"Bearer error="invalid_token", error_description="session ended""#,
            );
        }
        Error::RateLimited {
            retry_after_seconds,
        } => builder = builder.header(header::RETRY_AFTER, retry_after_seconds.to_string()),
        Error::Unavailable => builder = builder.header(header::RETRY_AFTER, "1"),
        _ => {}
    }
    builder
        .body(Body::Text(body))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

fn with_correlation(mut response: Response<Body>, correlation_id: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(correlation_id) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cc_log_001_a_sane_correlation_id_is_kept_and_anything_else_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(CORRELATION_HEADER, HeaderValue::from_static("req-42.a:b"));
        assert_eq!(correlation_id(&headers), "req-42.a:b");
        headers.insert(
            CORRELATION_HEADER,
            HeaderValue::from_static("bad id\twith spaces"),
        );
        let replaced = correlation_id(&headers);
        assert!(uuid::Uuid::parse_str(&replaced).is_ok());
        assert!(uuid::Uuid::parse_str(&correlation_id(&HeaderMap::new())).is_ok());
    }
}
