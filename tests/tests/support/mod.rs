//! What more than one test file uses, in one place: a helper used by one
//! file stays in that file. The harness itself (the local stack, tokens,
//! calls to the gateway, the problem check) is the `cp_tests` library
//! (`tests/src/lib.rs`).

pub(crate) mod applications;
pub(crate) mod audit;
pub(crate) mod billing;
pub(crate) mod cli;
pub(crate) mod fixtures;
pub(crate) mod flags;
pub(crate) mod members;
pub(crate) mod sign_in;
