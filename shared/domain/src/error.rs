//! The error catalogue: one variant per ERR-* id of the specification.
//!
//! Every failure a caller can see is one of these. The HTTP layer renders them
//! as RFC 7807 problems; the variant decides the status and the stable `type`.
//! Messages never carry internal details (CON-SEC-009): internal causes are
//! logged where they happen and the caller sees only the catalogue entry.

use std::fmt;

/// A field that failed validation, named as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// ERR-AUTH-401: missing, invalid or expired credentials.
    #[error("authentication required")]
    InvalidCredentials,
    /// ERR-AUTH-403: authenticated, but not allowed (role, scope, disabled
    /// user, inactive tenant). Deliberately says nothing about which.
    #[error("access denied")]
    AccessDenied,
    /// ERR-AUTH-403 with a reason the caller is entitled to know (e.g. an
    /// application told that the tenant it acts for is suspended).
    #[error("{0}")]
    Refused(String),
    /// ERR-AUTH-440: the session was ended (revocation watermark).
    #[error("session ended")]
    SessionExpired,
    /// ERR-AUTH-461: a second factor is required.
    #[error("multi-factor authentication required")]
    MfaRequired,
    /// ERR-VAL-400: malformed input; names every offending field.
    #[error("invalid input")]
    InvalidInput(Vec<FieldError>),
    /// ERR-VAL-409: conflicts with existing state (duplicate, stale version).
    #[error("{0}")]
    Conflict(String),
    /// ERR-VAL-422: violates a business rule.
    #[error("{0}")]
    BusinessRule(String),
    /// ERR-RES-404: does not exist, or belongs to another tenant.
    #[error("resource not found")]
    NotFound,
    /// ERR-RES-410: existed, permanently gone.
    #[error("resource gone")]
    Gone,
    /// ERR-RATE-429: too many requests; retry after the given seconds.
    #[error("rate limit exceeded")]
    RateLimited { retry_after_seconds: u32 },
    /// ERR-SYS-500: unexpected; details are logged, never returned.
    #[error("internal error")]
    Internal,
    /// ERR-SYS-503: a dependency is throttling or unavailable; retry later.
    #[error("service unavailable")]
    Unavailable,
}

impl Error {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput(vec![FieldError::new(field, reason)])
    }

    /// Folds the field errors of several parses into one ERR-VAL-400, so a
    /// caller hears of every bad field at once, not of the first only.
    pub fn merge(errors: impl IntoIterator<Item = Option<Error>>) -> Self {
        let fields: Vec<FieldError> = errors
            .into_iter()
            .flatten()
            .flat_map(|e| match e {
                Error::InvalidInput(fields) => fields,
                other => vec![FieldError::new("request", other.to_string())],
            })
            .collect();
        Error::InvalidInput(fields)
    }

    /// The specification's id for this error.
    pub fn id(&self) -> ErrorId {
        match self {
            Self::InvalidCredentials => ErrorId::Auth401,
            Self::AccessDenied | Self::Refused(_) => ErrorId::Auth403,
            Self::SessionExpired => ErrorId::Auth440,
            Self::MfaRequired => ErrorId::Auth461,
            Self::InvalidInput(_) => ErrorId::Val400,
            Self::Conflict(_) => ErrorId::Val409,
            Self::BusinessRule(_) => ErrorId::Val422,
            Self::NotFound => ErrorId::Res404,
            Self::Gone => ErrorId::Res410,
            Self::RateLimited { .. } => ErrorId::Rate429,
            Self::Internal => ErrorId::Sys500,
            Self::Unavailable => ErrorId::Sys503,
        }
    }
}

/// The ERR-* ids, each with its HTTP status and a human title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorId {
    Auth401,
    Auth403,
    Auth440,
    Auth461,
    Val400,
    Val409,
    Val422,
    Res404,
    Res410,
    Rate429,
    Sys500,
    Sys503,
}

impl ErrorId {
    pub const ALL: [ErrorId; 12] = [
        Self::Auth401,
        Self::Auth403,
        Self::Auth440,
        Self::Auth461,
        Self::Val400,
        Self::Val409,
        Self::Val422,
        Self::Res404,
        Self::Res410,
        Self::Rate429,
        Self::Sys500,
        Self::Sys503,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth401 => "ERR-AUTH-401",
            Self::Auth403 => "ERR-AUTH-403",
            Self::Auth440 => "ERR-AUTH-440",
            Self::Auth461 => "ERR-AUTH-461",
            Self::Val400 => "ERR-VAL-400",
            Self::Val409 => "ERR-VAL-409",
            Self::Val422 => "ERR-VAL-422",
            Self::Res404 => "ERR-RES-404",
            Self::Res410 => "ERR-RES-410",
            Self::Rate429 => "ERR-RATE-429",
            Self::Sys500 => "ERR-SYS-500",
            Self::Sys503 => "ERR-SYS-503",
        }
    }

    /// The HTTP status. ERR-AUTH-440 and ERR-AUTH-461 have no standard
    /// status of their own: both ask the client to authenticate again, which
    /// HTTP spells 401 (doc/adr/0005-edge-authentication.md).
    pub fn status(self) -> u16 {
        match self {
            Self::Auth401 | Self::Auth440 | Self::Auth461 => 401,
            Self::Auth403 => 403,
            Self::Val400 => 400,
            Self::Val409 => 409,
            Self::Val422 => 422,
            Self::Res404 => 404,
            Self::Res410 => 410,
            Self::Rate429 => 429,
            Self::Sys500 => 500,
            Self::Sys503 => 503,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Auth401 => "Invalid credentials",
            Self::Auth403 => "Access denied",
            Self::Auth440 => "Session expired",
            Self::Auth461 => "MFA required",
            Self::Val400 => "Invalid input",
            Self::Val409 => "Conflict",
            Self::Val422 => "Business rule violation",
            Self::Res404 => "Resource not found",
            Self::Res410 => "Resource gone",
            Self::Rate429 => "Rate limit exceeded",
            Self::Sys500 => "Internal error",
            Self::Sys503 => "Service unavailable",
        }
    }

    /// Business errors are the caller's to fix; system errors are ours
    /// (CC-ERR-002). Only system errors count against the error-rate SLO.
    pub fn is_system(self) -> bool {
        matches!(self, Self::Sys500 | Self::Sys503)
    }
}

impl fmt::Display for ErrorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field that must be given: its value, or ERR-VAL-400 naming it.
pub(crate) fn required<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, Error> {
    value.ok_or_else(|| Error::invalid(field, "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_ids_are_unique_and_their_number_is_the_status_where_http_has_one() {
        let mut seen = std::collections::HashSet::new();
        for id in ErrorId::ALL {
            assert!(seen.insert(id.as_str()), "{id} twice");
            let number: u16 = id.as_str().rsplit('-').next().unwrap().parse().unwrap();
            if !matches!(id, ErrorId::Auth440 | ErrorId::Auth461) {
                assert_eq!(number, id.status(), "{id}");
            }
        }
        assert_eq!(seen.len(), 12);
    }

    #[test]
    fn cc_err_002_only_sys_errors_are_system_errors() {
        let system: Vec<_> = ErrorId::ALL
            .into_iter()
            .filter(|id| id.is_system())
            .collect();
        assert_eq!(system, vec![ErrorId::Sys500, ErrorId::Sys503]);
    }
}
