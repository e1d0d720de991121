//! RFC 7807 problem details (`application/problem+json`) for every error
//! (CC-ERR-004). The `type` is a stable URN per ERR-* id; nothing internal
//! (stack traces, table names, SDK messages) ever appears (CC-ERR-003).

use cp_domain::Error;
use cp_domain::error::ErrorId;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// The `type` of a problem: `urn:saas-control-plane:problem:ERR-VAL-400`.
pub fn type_uri(id: ErrorId) -> String {
    format!("urn:saas-control-plane:problem:{}", id.as_str())
}

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The request path the problem occurred on.
    pub instance: String,
    pub correlation_id: String,
    /// ERR-VAL-400: every invalid field, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
}

#[derive(Debug, Serialize)]
pub struct InvalidParam {
    pub name: String,
    pub reason: String,
}

impl Problem {
    pub fn new(error: &Error, instance: &str, correlation_id: &str) -> Self {
        let id = error.id();
        let (detail, invalid_params) = match error {
            Error::InvalidInput(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                (
                    format!("Invalid input: {}.", names.join(", ")),
                    fields
                        .iter()
                        .map(|f| InvalidParam {
                            name: f.field.clone(),
                            reason: f.reason.clone(),
                        })
                        .collect(),
                )
            }
            Error::Conflict(message) | Error::BusinessRule(message) | Error::Refused(message) => (message.clone(), vec![]),
            Error::InvalidCredentials => ("Sign in to continue.".into(), vec![]),
            Error::SessionExpired => ("Your session has ended; sign in again.".into(), vec![]),
            Error::AccessDenied => ("You are not allowed to do this.".into(), vec![]),
            Error::MfaRequired => ("A second factor is required.".into(), vec![]),
            Error::NotFound => ("The resource does not exist.".into(), vec![]),
            Error::Gone => ("The resource has been permanently deleted.".into(), vec![]),
            Error::RateLimited { .. } => ("Too many requests; retry later.".into(), vec![]),
            Error::Internal => (
                "Something went wrong on our side. Quote the correlation id if you contact support."
                    .into(),
                vec![],
            ),
            Error::Unavailable => ("The service is busy; retry shortly.".into(), vec![]),
        };
        Self {
            type_uri: type_uri(id),
            title: id.title(),
            status: id.status(),
            detail,
            instance: instance.to_owned(),
            correlation_id: correlation_id.to_owned(),
            invalid_params,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cp_domain::FieldError;

    #[test]
    fn cc_err_004_problems_name_their_err_id_and_every_invalid_field() {
        let err = Error::InvalidInput(vec![
            FieldError::new("domain", "is reserved"),
            FieldError::new("plan", "is required"),
        ]);
        let p = serde_json::to_value(Problem::new(&err, "/v1/tenants", "c-1")).unwrap();
        assert_eq!(p["type"], "urn:saas-control-plane:problem:ERR-VAL-400");
        assert_eq!(p["status"], 400);
        assert_eq!(p["title"], "Invalid input");
        assert_eq!(p["instance"], "/v1/tenants");
        assert_eq!(p["correlation_id"], "c-1");
        assert_eq!(p["invalid_params"][0]["name"], "domain");
        assert_eq!(p["invalid_params"][1]["reason"], "is required");
    }

    #[test]
    fn con_sec_009_system_errors_say_nothing_internal() {
        let p = serde_json::to_value(Problem::new(&Error::Internal, "/x", "c-2")).unwrap();
        assert_eq!(p["type"], "urn:saas-control-plane:problem:ERR-SYS-500");
        assert!(p.get("invalid_params").is_none());
        let detail = p["detail"].as_str().unwrap();
        assert!(!detail.contains("DynamoDB") && !detail.contains("panic"));
    }
}
