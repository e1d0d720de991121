//! What every function shares, so that a use case is only its own logic.
//!
//! - [`env`]: the function's configuration (environment variables and the AWS
//!   SDK config), read once at init.
//! - [`telemetry`]: JSON logs through `tracing`, every line carrying the
//!   correlation id (CC-LOG-001), never personal data or tokens (CC-LOG-002).
//! - [`http`]: the HTTP adapter: correlation id, the caller's principal, the
//!   request's body and parameters, and every error as an RFC 7807 problem.
//! - [`route`]: a function's routes and their request rules (body,
//!   `Idempotency-Key`).
//! - [`idempotency`]: `Idempotency-Key` handling (CC-DAT-001).
//! - [`lambda`]: the entry points a function's `main` calls.
//! - [`metrics`]: request metrics as CloudWatch EMF (FR-SYS-005).

pub mod clock;
pub mod env;
pub mod http;
pub mod idempotency;
pub mod lambda;
pub mod metrics;
pub mod problem;
pub mod queue;
pub mod route;
pub mod telemetry;

pub use clock::{Clock, SystemClock};
pub use env::{ConfigError, FunctionEnv};
pub use http::{ApiRequest, ApiResponse, Callers, HttpAdapter, HttpFunction};
pub use route::{BodyRule, Route};
