//! A tenant's own identity provider (UC-TENANT-SSO, FR-AUTH-003): its
//! issuer, the control plane's client id there, and the client secret,
//! sealed (envelope encryption with KMS; never stored or returned in clear).

use crate::{Error, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A secret encrypted with a data key that KMS encrypted in turn (base64).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    pub data_key: String,
    pub nonce: String,
    pub ciphertext: String,
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedSecret(<encrypted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConfig {
    pub tenant_id: TenantId,
    /// Validated: its discovery document was fetched and checked.
    pub issuer: String,
    pub client_id: String,
    pub secret: SealedSecret,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// A client id: 1–256 printable characters.
pub fn parse_client_id(raw: &str) -> Result<String, Error> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > 256 || id.chars().any(char::is_control) {
        return Err(Error::invalid(
            "client_id",
            "must be 1 to 256 printable characters",
        ));
    }
    Ok(id.to_owned())
}

/// A client secret: 1–1024 characters; it is only ever sealed.
pub fn check_client_secret(raw: &str) -> Result<(), Error> {
    if raw.is_empty() || raw.chars().count() > 1024 {
        return Err(Error::invalid(
            "client_secret",
            "must be 1 to 1024 characters",
        ));
    }
    Ok(())
}
