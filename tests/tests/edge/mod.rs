//! What the edge checks, called in process: the token verifier against an
//! issuer served in the test (jwks), and the principal resolver behind it
//! against moto server (resolver).

mod jwks;
mod resolver;
