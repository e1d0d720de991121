//! Proof Key for Code Exchange (RFC 7636), `S256` only: every client, public
//! or confidential, sends a challenge with its authorization request and the
//! verifier with its code (OAuth 2.0 Security BCP, RFC 9700 §2.1.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `BASE64URL(SHA256(verifier))`, 43 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The challenge of an authorization request: `S256` and 43 base64url
    /// characters, or why not.
    pub fn parse(challenge: Option<&str>, method: Option<&str>) -> Result<Self, &'static str> {
        let challenge = challenge.ok_or("code_challenge is required (PKCE)")?;
        match method {
            Some("S256") => {}
            None | Some("plain") => return Err("code_challenge_method must be S256"),
            Some(_) => return Err("code_challenge_method must be S256"),
        }
        let valid = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err("code_challenge must be the base64url SHA-256 of the verifier");
        }
        Ok(Self(challenge.to_owned()))
    }

    /// The challenge of `verifier`.
    pub fn of(verifier: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
    }

    /// Whether `verifier` (43 to 128 unreserved characters) is this
    /// challenge's, compared in constant time.
    pub fn verifies(&self, verifier: &str) -> bool {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        well_formed
            && Self::of(verifier)
                .0
                .as_bytes()
                .ct_eq(self.0.as_bytes())
                .into()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pair computed independently (Python's hashlib and base64).
    #[test]
    fn the_challenge_is_the_base64url_sha256_of_the_verifier() {
        let verifier = "dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rno";
        let challenge = CodeChallenge::parse(
            Some("WHkOn03gIJshirkRgnZ6-gio9QRHF6HVpj_AyhrjemY"),
            Some("S256"),
        )
        .unwrap();
        assert_eq!(CodeChallenge::of(verifier), challenge);
        assert!(challenge.verifies(verifier));
        assert!(!challenge.verifies("dBjftJeZ4CVP-mJ92K1uhbF7NCAu9w4ObLC2Y0-6rnO"));
        assert!(!challenge.verifies("short"));
    }

    #[test]
    fn only_s256_is_accepted_never_plain_or_none() {
        let c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(CodeChallenge::parse(Some(c), Some("plain")).is_err());
        assert!(CodeChallenge::parse(Some(c), None).is_err());
        assert!(CodeChallenge::parse(None, Some("S256")).is_err());
        assert!(CodeChallenge::parse(Some("short"), Some("S256")).is_err());
        assert!(CodeChallenge::parse(Some(&format!("{}=", &c[..42])), Some("S256")).is_err());
    }
}
