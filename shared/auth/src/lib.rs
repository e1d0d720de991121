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

pub mod claims;
pub mod edge;
pub mod resolver;

pub use claims::TokenClaims;
pub use edge::{EdgeConfig, JwtVerifier, Rejection};
pub use resolver::{PrincipalResolver, session_of};
