//! The local stack: the whole control plane on one machine.
//!
//! - [`processes`]: moto server (AWS) and oidc-provider-mock (Entra ID);
//! - [`appconfig`]: the flag catalog in the emulator's AppConfig, and the
//!   AppConfig Lambda extension's HTTP contract in front of it;
//! - [`bootstrap`]: the table, bus, queues, keys and email identity, created
//!   from `terraform/resources.json`;
//! - [`gateway`]: API Gateway's part: routes from `functions/functions.json`,
//!   JWT verification, the payload 2.0 event, the function's own adapter;
//! - [`console`]: CloudFront's part: the console and the security headers;
//! - [`pollers`]: the event source mappings (stream → publisher, queues →
//!   consumers);
//! - [`metrics`]: CloudWatch Logs' part: EMF documents become metrics;
//! - [`tokens`]: bearer tokens from the local provider;
//! - [`browser`]: a scripted browser that signs people in through the
//!   control plane's OpenID Provider;
//! - [`receiver`]: a managed application's back-channel logout endpoint,
//!   keeping what it is told;
//! - [`stack`]: all of it, started and stopped together.

pub mod appconfig;
pub mod bootstrap;
pub mod browser;
pub mod console;
pub mod definitions;
pub mod error;
pub mod gateway;
pub mod metrics;
pub mod pattern;
pub mod pollers;
pub mod processes;
pub mod receiver;
pub mod registry;
pub mod stack;
pub mod tokens;

pub use stack::{Stack, StackInfo, StackOptions};
pub use tokens::LocalIdp;
