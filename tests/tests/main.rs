//! Integration tests: the store, the resolver and the event pipeline against
//! moto server through the real SDK; SDK-level fault injection where moto
//! cannot fail on demand; and end-to-end tests through the local gateway
//! with real tokens from the local OIDC provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod audit_chain;
mod capacity;
mod cli;
mod definitions;
mod e2e_applications;
mod e2e_audit;
mod e2e_audit_export;
mod e2e_audit_ingest;
mod e2e_auth;
mod e2e_billing;
mod e2e_flags;
mod e2e_health;
mod e2e_operations;
mod e2e_provisioning;
mod e2e_requests;
mod e2e_tenant_admin;
mod faults;
mod faults_billing;
mod fixtures;
mod jwks;
mod logs;
mod pipeline;
mod resolver;
mod store;
