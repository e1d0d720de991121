//! The control plane's own pages at sign-in and sign-out: no script, never
//! framed (the response's CSP has `frame-ancestors 'none'`), every text
//! escaped; for a caller that is not a browser, a problem instead
//! (CC-ERR-004).

use cp_domain::Error;
use cp_runtime::{ApiRequest, ApiResponse};
use http::StatusCode;

/// What cannot go to a client: a page for a person's browser, a problem
/// for any other caller (CC-ERR-004).
pub(crate) fn unusable(
    request: &ApiRequest,
    problem: Error,
    message: &str,
) -> Result<ApiResponse, Error> {
    if !is_browser(request) {
        return Err(problem);
    }
    page_with(
        StatusCode::BAD_REQUEST,
        "Sign in",
        &format!("<p>{}</p>", escape(message)),
    )
}

/// Whether the caller is a person's browser (it asks for HTML).
pub(crate) fn is_browser(request: &ApiRequest) -> bool {
    request
        .header("accept")
        .ok()
        .flatten()
        .is_some_and(|accept| accept.contains("text/html"))
}

pub(crate) fn unknown_client(request: &ApiRequest) -> Result<ApiResponse, Error> {
    unusable(
        request,
        Error::invalid("client_id", "is not a registered client"),
        "The application is not known here.",
    )
}

pub(crate) fn page_with(status: StatusCode, title: &str, body: &str) -> Result<ApiResponse, Error> {
    ApiResponse::html(
        status,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body}\n</body></html>\n",
            escape(title),
            escape(title)
        ),
    )
}

/// Text for HTML, attribute values included.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
