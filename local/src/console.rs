//! The console as CloudFront serves it: the built SPA (`console/dist`) at
//! `/`, every path without a file extension answered with `index.html` (as
//! `terraform/modules/edge/spa-routes.js` does), `config.json` describing
//! this environment, and on every response, the API's included, the
//! security headers of the CloudFront response headers policy, read from the
//! same file (`terraform/modules/edge/security-headers.json`).

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The response headers policy's values; `{identity_provider}` in the CSP
/// is the identity provider's origin (Entra ID; locally the OIDC provider).
pub const SECURITY_HEADERS_JSON: &str =
    include_str!("../../terraform/modules/edge/security-headers.json");

/// The paths CloudFront forwards to the API (the edge module's `api_paths`);
/// every other path is the console's.
const API_PREFIXES: [&str; 4] = ["/v1/", "/ofrep/", "/oauth2/", "/.well-known/"];

#[derive(Debug, Deserialize)]
struct Policy {
    content_security_policy: String,
    strict_transport_security: Hsts,
    frame_options: String,
    referrer_policy: String,
    custom_headers: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Hsts {
    max_age_seconds: u64,
    include_subdomains: bool,
    preload: bool,
}

/// The headers CloudFront adds to every response.
pub fn security_headers() -> HeaderMap {
    let policy: Policy = serde_json::from_str(SECURITY_HEADERS_JSON)
        .unwrap_or_else(|e| panic!("security-headers.json: {e}"));
    let hsts = &policy.strict_transport_security;
    let mut sts = format!("max-age={}", hsts.max_age_seconds);
    if hsts.include_subdomains {
        sts.push_str("; includeSubDomains");
    }
    if hsts.preload {
        sts.push_str("; preload");
    }
    let fixed = [
        (
            "content-security-policy".to_owned(),
            policy.content_security_policy,
        ),
        ("strict-transport-security".to_owned(), sts),
        ("x-content-type-options".to_owned(), "nosniff".to_owned()),
        ("x-frame-options".to_owned(), policy.frame_options),
        ("referrer-policy".to_owned(), policy.referrer_policy),
    ];
    fixed
        .into_iter()
        .chain(policy.custom_headers)
        .filter_map(|(name, value)| {
            Some((
                HeaderName::try_from(name.to_lowercase()).ok()?,
                HeaderValue::try_from(value).ok()?,
            ))
        })
        .collect()
}

/// Whether CloudFront sends `path` to the API rather than to the console.
pub fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The built console and this environment's `config.json`.
#[derive(Debug, Clone)]
pub struct Console {
    dir: PathBuf,
    config: String,
}

/// What the SPA reads at start: one build serves every environment.
#[derive(Debug, serde::Serialize)]
pub struct ConsoleConfig<'a> {
    /// Where the API is; empty for the console's own origin.
    pub api_base_url: &'a str,
    pub authority: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    /// Which token the API accepts: Entra ID's `access_token` for the API,
    /// or locally the provider's `id_token` (its access tokens are opaque).
    pub api_token: &'a str,
}

impl Console {
    pub fn new(dir: impl Into<PathBuf>, config: &ConsoleConfig<'_>) -> Self {
        Self {
            dir: dir.into(),
            config: serde_json::to_string_pretty(config).unwrap_or_default(),
        }
    }

    /// Answers a request for the console: a file of the build, `index.html`
    /// for the SPA's own routes, or this environment's `config.json`.
    pub async fn serve(&self, method: &Method, path: &str) -> http::Response<Vec<u8>> {
        if method != Method::GET && method != Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        }
        if path == "/config.json" {
            return file(
                self.config.clone().into_bytes(),
                "application/json",
                "no-cache",
            );
        }
        let Some(relative) = relative_file(path) else {
            return plain(StatusCode::NOT_FOUND, "Not Found");
        };
        match tokio::fs::read(self.dir.join(&relative)).await {
            Ok(bytes) => {
                let cache = if relative.starts_with("assets") {
                    // Vite names them by content hash.
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                file(bytes, content_type(&relative), cache)
            }
            Err(_) if !self.dir.join("index.html").exists() => plain(
                StatusCode::NOT_FOUND,
                "The console is not built: cd console && npm ci && npm run build",
            ),
            Err(_) => plain(StatusCode::NOT_FOUND, "Not Found"),
        }
    }
}

/// The file a path names inside the build; the SPA's own routes (no dot in
/// the last segment) are `index.html`. `None` for anything leaving the
/// directory.
fn relative_file(path: &str) -> Option<PathBuf> {
    let last = path.rsplit('/').next().unwrap_or_default();
    if !last.contains('.') {
        return Some(PathBuf::from("index.html"));
    }
    let relative = Path::new(path.trim_start_matches('/'));
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| relative.to_path_buf())
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

fn plain(status: StatusCode, message: &'static str) -> http::Response<Vec<u8>> {
    let mut response = file(message.into(), "text/plain; charset=utf-8", "no-store");
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spa_routes_are_index_html_and_nothing_leaves_the_build() {
        assert_eq!(relative_file("/"), Some("index.html".into()));
        assert_eq!(relative_file("/tenants/42"), Some("index.html".into()));
        assert_eq!(
            relative_file("/assets/index-abc.js"),
            Some("assets/index-abc.js".into())
        );
        assert_eq!(relative_file("/../secret.txt"), None);
        assert_eq!(relative_file("/assets/../../x.js"), None);
    }

    #[test]
    fn security_headers_are_the_response_headers_policy() {
        let h = security_headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("connect-src 'self';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(
            h["strict-transport-security"],
            "max-age=63072000; includeSubDomains; preload"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert!(h.contains_key("permissions-policy"));
    }

    #[test]
    fn api_paths_are_the_edge_modules() {
        assert!(is_api_path("/v1/tenants"));
        assert!(is_api_path("/.well-known/jwks.json"));
        assert!(!is_api_path("/tenants"));
        assert!(!is_api_path("/config.json"));
    }
}
