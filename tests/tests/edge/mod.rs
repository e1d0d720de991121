//! What the edge checks, called in process: the token verifier against an
//! issuer served in the test (jwks), the principal resolver behind it
//! against moto server (resolver), and a rotation of the key that signs
//! the tokens (rotation).

mod jwks;
mod resolver;
mod rotation;
