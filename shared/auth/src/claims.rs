//! Verified token claims, in the shape API Gateway passes them on.
//!
//! An HTTP API JWT authorizer puts the claims into
//! `requestContext.authorizer.jwt.claims` as a map of strings: numbers
//! become their decimal text and arrays become `[a b c]` (space-separated in
//! brackets). The local gateway produces exactly that with [`to_request_context`];
//! functions read it back with [`TokenClaims::from_request_context`].

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The claims the control plane uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub issuer: String,
    pub subject: String,
    pub issued_at: DateTime<Utc>,
    /// When the person signed in (`auth_time`), if the identity provider
    /// says: tokens refreshed from one sign-in keep it, so a revocation
    /// refuses them too however late they were issued.
    pub authenticated_at: Option<DateTime<Utc>>,
    /// Entra ID app roles (`roles`): `Operator`, `Auditor`, `Developer`.
    pub roles: Vec<String>,
    /// Application access tokens (RFC 9068): the OAuth client.
    pub client_id: Option<String>,
    /// Application access tokens: the granted scopes (`scope`).
    pub scopes: Vec<String>,
    /// Application access tokens: the client secret the token was
    /// exchanged for, so revoking the secret ends its tokens at once.
    pub secret_id: Option<String>,
    /// The control plane session (`sid`): every token of one sign-in
    /// carries it (FR-AUTH-005).
    pub session: Option<String>,
    /// A member's tenant (`tid`); platform people have none.
    pub tenant: Option<String>,
}

/// What is missing or malformed in the claims (never shown to callers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claim `{0}` is missing or malformed")]
pub struct BadClaim(pub &'static str);

impl TokenClaims {
    pub fn from_request_context(claims: &HashMap<String, String>) -> Result<Self, BadClaim> {
        let text = |name: &'static str| {
            claims
                .get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or(BadClaim(name))
        };
        let issued_at = epoch(&text("iat")?).ok_or(BadClaim("iat"))?;
        let authenticated_at = claims.get("auth_time").and_then(|t| epoch(t));
        Ok(Self {
            issuer: text("iss")?,
            subject: text("sub")?,
            issued_at,
            authenticated_at,
            roles: claims.get("roles").map(|r| list(r)).unwrap_or_default(),
            client_id: claims.get("client_id").cloned(),
            scopes: claims
                .get("scope")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            secret_id: claims.get("secret_id").cloned(),
            session: claims.get("sid").filter(|v| !v.is_empty()).cloned(),
            tenant: claims.get("tid").filter(|v| !v.is_empty()).cloned(),
        })
    }

    /// The moment a revocation watermark is compared with: the sign-in the
    /// token comes from if known, else its issue.
    pub fn signed_in_at(&self) -> DateTime<Utc> {
        self.authenticated_at
            .map_or(self.issued_at, |at| at.min(self.issued_at))
    }
}

/// A NumericDate claim (seconds since the epoch, as API Gateway renders
/// it: possibly with a fraction).
fn epoch(raw: &str) -> Option<DateTime<Utc>> {
    let secs = raw.parse::<f64>().ok()?;
    DateTime::from_timestamp(secs as i64, 0)
}

/// Reads a list claim as API Gateway renders it (`[a b]`), or as JSON
/// (`["a","b"]`), or a single bare value.
fn list(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw) {
        return items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Renders verified claims the way API Gateway's JWT authorizer does.
pub fn to_request_context(claims: &Map<String, Value>) -> HashMap<String, String> {
    claims
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Array(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect();
                    format!("[{}]", parts.join(" "))
                }
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_survive_the_api_gateway_rendering() {
        let verified = json!({
            "iss": "https://login.example/t/v2.0",
            "sub": "abc",
            "iat": 1_790_000_000,
            "aud": ["api://control-plane"],
            "roles": ["Operator", "Auditor"],
        });
        let rendered = to_request_context(verified.as_object().unwrap());
        assert_eq!(rendered["roles"], "[Operator Auditor]");
        assert_eq!(rendered["iat"], "1790000000");
        let claims = TokenClaims::from_request_context(&rendered).unwrap();
        assert_eq!(claims.roles, ["Operator", "Auditor"]);
        assert_eq!(claims.issued_at.timestamp(), 1_790_000_000);
        assert_eq!(claims.subject, "abc");
        // Without auth_time, a token's sign-in is its issue.
        assert_eq!(claims.signed_in_at(), claims.issued_at);
    }

    #[test]
    fn fr_auth_005_a_refreshed_token_keeps_the_time_of_its_sign_in() {
        let refreshed = json!({
            "iss": "https://login.example/t/v2.0",
            "sub": "abc",
            "iat": 1_790_003_600,
            "auth_time": 1_790_000_000,
        });
        let claims =
            TokenClaims::from_request_context(&to_request_context(refreshed.as_object().unwrap()))
                .unwrap();
        assert_eq!(claims.signed_in_at().timestamp(), 1_790_000_000);
    }

    #[test]
    fn list_claims_are_read_in_every_shape_api_gateway_may_send() {
        assert_eq!(list("[Operator]"), ["Operator"]);
        assert_eq!(list(r#"["Operator","Auditor"]"#), ["Operator", "Auditor"]);
        assert_eq!(list("Auditor"), ["Auditor"]);
        assert!(list("[]").is_empty());
    }

    #[test]
    fn a_members_tenant_and_session_are_read_from_tid_and_sid() {
        let mut m = HashMap::from([
            ("iss".to_owned(), "x".to_owned()),
            ("sub".to_owned(), "s".to_owned()),
            ("iat".to_owned(), "1".to_owned()),
            ("sid".to_owned(), "abc".to_owned()),
        ]);
        let platform = TokenClaims::from_request_context(&m).unwrap();
        assert_eq!(platform.session.as_deref(), Some("abc"));
        assert_eq!(platform.tenant, None);
        m.insert("tid".into(), "t-1".into());
        let member = TokenClaims::from_request_context(&m).unwrap();
        assert_eq!(member.tenant.as_deref(), Some("t-1"));
    }

    #[test]
    fn missing_subject_or_iat_is_a_bad_claim() {
        let mut m = HashMap::from([
            ("iss".to_owned(), "x".to_owned()),
            ("iat".to_owned(), "1".to_owned()),
        ]);
        assert_eq!(TokenClaims::from_request_context(&m), Err(BadClaim("sub")));
        m.insert("sub".into(), "s".into());
        m.insert("iat".into(), "yesterday".into());
        assert_eq!(TokenClaims::from_request_context(&m), Err(BadClaim("iat")));
    }
}
