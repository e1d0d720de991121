//! Integration tests, one folder for each tier (see tests/README.md): the
//! store against moto server through the real SDK; what the edge checks,
//! in process; the local stack against its definitions; the event
//! pipeline; SDK-level fault injection where moto cannot fail on demand;
//! end-to-end tests through the local gateway with real tokens from the
//! local OIDC provider, one folder for each bounded context; and capacity.
//! What more than one file uses is in `support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod capacity;
mod definitions;
mod e2e;
mod edge;
mod faults;
mod pipeline;
mod store;
mod support;
