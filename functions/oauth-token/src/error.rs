//! The token endpoint's errors: RFC 6749 §5.2 JSON (`error`,
//! `error_description`), which OAuth clients understand, with the
//! problem-details members beside them.

use cp_domain::Error;
use cp_domain::error::ErrorId;
use cp_runtime::problem::type_uri;
use cp_runtime::{ApiRequest, ApiResponse};
use http::{StatusCode, header};
use serde_json::json;

/// An OAuth error response.
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    /// `WWW-Authenticate`, for a 401 or 403.
    challenge: Option<String>,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            challenge: None,
        }
    }

    /// A request the endpoint cannot read.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// Every failed client authentication alike, whatever was wrong; a
    /// client that tried HTTP Basic is told to try again so.
    pub(crate) fn invalid_client(basic: bool) -> Self {
        Self {
            challenge: basic.then(|| r#"Basic realm="control-plane""#.to_owned()),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        }
    }

    /// A code or refresh token that gives nothing: unknown, expired, used,
    /// another client's, or presented with the wrong redirect URI or
    /// verifier, all alike.
    pub(crate) fn invalid_grant() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the grant is invalid, expired, revoked or was issued to another client",
        )
    }

    /// A bearer token the endpoint does not take (RFC 6750 §3.1):
    /// `invalid_token` (401), `insufficient_scope` (403), or, for a request
    /// without one, a bare challenge (401).
    pub(crate) fn bearer(code: Option<&'static str>, description: &str) -> Self {
        let status = match code {
            Some("insufficient_scope") => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        let challenge = match code {
            Some(code) => format!(
                r#"Bearer realm="control-plane", error="{code}", error_description="{description}""#
            ),
            None => r#"Bearer realm="control-plane""#.to_owned(),
        };
        Self {
            challenge: Some(challenge),
            ..Self::new(status, code.unwrap_or("invalid_request"), description)
        }
    }

    pub(crate) fn response(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let id = match self.status {
            StatusCode::UNAUTHORIZED => ErrorId::Auth401,
            StatusCode::FORBIDDEN => ErrorId::Auth403,
            _ => ErrorId::Val400,
        };
        let body = json!({
            "error": self.code,
            "error_description": self.description,
            "type": type_uri(id),
            "title": id.title(),
            "status": self.status.as_u16(),
            "detail": self.description,
            "instance": request.path,
            "correlation_id": request.correlation_id,
        });
        let response = ApiResponse::json(self.status, &body)?;
        match &self.challenge {
            Some(challenge) => response.with_header(header::WWW_AUTHENTICATE, challenge),
            None => Ok(response),
        }
    }
}
