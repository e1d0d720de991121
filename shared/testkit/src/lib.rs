//! Helpers for tests and benchmarks only; no product code depends on this.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod jwt;
