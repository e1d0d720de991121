//! The routes of an HTTP function and the request rules each one has.
//!
//! A function names its routes as API Gateway's route keys
//! (`"POST /v1/tenants/{tenantId}/suspend"`, exactly as in
//! `functions/functions.json`; a test keeps the two equal) and says, per
//! route, what body it takes and whether it honours `Idempotency-Key`. The
//! [`HttpAdapter`](crate::HttpAdapter) enforces both before the use case
//! runs, so every route follows one rule (doc/spec/api.md, "Requests"):
//!
//! - a route without a body refuses any body (ERR-VAL-400 `body`);
//! - a route that does not honour `Idempotency-Key` refuses the header
//!   (ERR-VAL-400 `Idempotency-Key`): a client never believes a write is
//!   protected when it is not;
//! - on a route that honours it, the key is 1 to 255 visible ASCII
//!   characters, or ERR-VAL-400.
//!
//! A function tells its routes apart by matching [`ApiRequest::route_key`]
//! against its own constants:
//!
//! ```ignore
//! pub const SUSPEND: &str = "POST /v1/tenants/{tenantId}/suspend";
//! pub const RESUME: &str = "POST /v1/tenants/{tenantId}/resume";
//! const ROUTES: &[Route] = &[Route::new(SUSPEND).optional_json(), Route::new(RESUME)];
//! match request.route_key() { SUSPEND => ..., RESUME => ..., _ => Err(Error::NotFound) }
//! ```
//!
//! [`ApiRequest::route_key`]: crate::ApiRequest::route_key

/// What a route takes as its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// No body: a request with one is refused.
    None,
    /// One JSON value (`application/json`), required.
    Json,
    /// One JSON value, or nothing.
    OptionalJson,
    /// `application/x-www-form-urlencoded` (OAuth endpoints).
    Form,
    /// A media type of the route's own protocol that its function reads
    /// itself (CloudEvents, OFREP): the function applies the same rules.
    Own,
}

impl BodyRule {
    /// Whether a request without a body is complete for this rule.
    pub fn allows_empty(self) -> bool {
        !matches!(self, Self::Json | Self::Form)
    }
}

/// One route of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// API Gateway's route key: the method, a space, the path template.
    pub key: &'static str,
    pub body: BodyRule,
    /// Whether the route stores its outcome under the caller's
    /// `Idempotency-Key` and answers a retry with it (CC-DAT-001).
    pub idempotency_key: bool,
}

impl Route {
    /// A route without a body that refuses `Idempotency-Key`.
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            body: BodyRule::None,
            idempotency_key: false,
        }
    }

    pub const fn json(self) -> Self {
        Self {
            body: BodyRule::Json,
            ..self
        }
    }

    pub const fn optional_json(self) -> Self {
        Self {
            body: BodyRule::OptionalJson,
            ..self
        }
    }

    pub const fn form(self) -> Self {
        Self {
            body: BodyRule::Form,
            ..self
        }
    }

    pub const fn own_body(self) -> Self {
        Self {
            body: BodyRule::Own,
            ..self
        }
    }

    /// The route honours `Idempotency-Key`.
    pub const fn idempotent(self) -> Self {
        Self {
            idempotency_key: true,
            ..self
        }
    }

    pub fn method(&self) -> &'static str {
        self.key
            .split_once(' ')
            .map_or(self.key, |(method, _)| method)
    }

    pub fn path(&self) -> &'static str {
        self.key.split_once(' ').map_or("", |(_, path)| path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_key_is_its_method_and_path_template() {
        let route = Route::new("POST /v1/tenants/{tenantId}/suspend").optional_json();
        assert_eq!(route.method(), "POST");
        assert_eq!(route.path(), "/v1/tenants/{tenantId}/suspend");
        assert_eq!(route.body, BodyRule::OptionalJson);
        assert!(!route.idempotency_key);
        assert!(
            Route::new("POST /v1/tenants")
                .json()
                .idempotent()
                .idempotency_key
        );
    }
}
