//! The one adapter between the control plane and AWS's SDKs, used by every
//! function and crate that calls AWS:
//!
//! - [`failure`]: an SDK failure as the error catalogue's entry: throttling
//!   and transport trouble are ERR-SYS-503 (retry later), anything else
//!   ERR-SYS-500; logged by operation and code, never with the service's
//!   message, which may quote the request's values (CC-LOG-002).
//! - [`DigestArchive`]: the audit trail's signed digests in their S3
//!   bucket, where the domain's [`DigestKey`](cp_domain::audit::digest::DigestKey)
//!   decides each one's key.
//! - [`ExportBucket`]: the audit exports' files, written part by part and
//!   handed out through presigned links.
//! - [`SigningKey`]: an asymmetric KMS key that signs, and its public half,
//!   fetched once per process.
//! - [`Sealer`]: envelope encryption with a KMS key, bound to a tenant (SSO
//!   client secrets).
//! - [`open_config_secret`]: secrets in a function's configuration, as KMS
//!   ciphertext (the control plane's client secrets at its upstream
//!   directories).

mod config_secret;
mod digests;
mod error;
mod exports;
mod kms;
mod seal;

pub use config_secret::{open_config_secret, seal_config_secret};
pub use digests::DigestArchive;
pub use error::{failure, is_throttling};
pub use exports::{ExportBucket, Upload};
pub use kms::SigningKey;
pub use seal::Sealer;
