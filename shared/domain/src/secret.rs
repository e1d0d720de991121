//! Single-use secrets handed to people (invitation links) and their hashes.
//!
//! The secret leaves the control plane once, in an email; the table keeps only
//! its SHA-256. The tokens are 256 random bits, so a fast hash is the right
//! one (there is nothing to brute-force), and lookups by hash need no salt.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// A secret token. Its `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// 32 bytes from the operating system's CSPRNG, base64url without
    /// padding. The system failing to give randomness is ERR-SYS-500, and
    /// nothing is issued.
    pub fn generate() -> Result<Self, crate::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            tracing::error!(error = %e, "no randomness for a secret");
            crate::Error::Internal
        })?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wraps a token presented by a caller (e.g. from an invitation link).
    pub fn from_presented(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// The SHA-256 of a secret token, as stored.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }
}

/// Constant time, so a comparison does not leak how many bytes matched.
impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_never_printed() {
        let a = SecretToken::generate().unwrap();
        let b = SecretToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn hash_round_trips_through_hex_and_matches_the_presented_token() {
        let token = SecretToken::generate().unwrap();
        let stored = TokenHash::from_hex(&token.hash().to_hex()).unwrap();
        assert_eq!(SecretToken::from_presented(token.expose()).hash(), stored);
        assert_ne!(SecretToken::from_presented("guess").hash(), stored);
        assert!(TokenHash::from_hex("zz").is_none());
    }
}
