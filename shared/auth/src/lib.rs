//! Authentication, at the edge and behind it.
//!
//! - [`edge`]: what API Gateway's JWT authorizer does, for the local gateway
//!   (and the benchmarks): RS256 signature by the issuer's JWKS, `iss`,
//!   `aud`, `exp`, `nbf`, `iat`.
//! - [`claims`]: the claims as API Gateway hands them to a function
//!   (`requestContext.authorizer.jwt.claims`, every value a string).
//! - [`resolver`]: from verified claims to a [`cp_domain::Principal`],
//!   denying disabled users, inactive tenants and revoked sessions. Every
//!   function runs it, in AWS and locally alike.
//! - [`provider`]: the OpenID Provider's clients, who may sign in to
//!   which, and whether a sign-in still stands.
//! - [`upstream`]: the control plane as a client of the directories people
//!   sign in at, for the sign-ins its OpenID Provider brokers.

pub mod claims;
pub mod edge;
pub mod provider;
pub mod resolver;
pub mod upstream;

pub use claims::TokenClaims;
pub use edge::{EdgeConfig, JwtVerifier, Rejection};
pub use provider::{Admission, Admitted, Client, Clients, Standing};
pub use resolver::{PrincipalResolver, session_of};
pub use upstream::{UpstreamDirectory, UpstreamError, UpstreamIdentity, UpstreamRequest};
