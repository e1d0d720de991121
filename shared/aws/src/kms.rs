//! An asymmetric KMS key that signs (RSASSA-PKCS1-v1_5 with SHA-256: the
//! JWTs' RS256 and the audit digests' signatures), and its public half,
//! fetched once per process.

use crate::failure;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use cp_domain::Error;
use tokio::sync::OnceCell;

#[derive(Debug)]
pub struct SigningKey {
    kms: aws_sdk_kms::Client,
    key_id: String,
    /// The public half as DER (SubjectPublicKeyInfo): read with the first
    /// call that needs it, then kept; a key's public half never changes.
    public_key: OnceCell<Vec<u8>>,
}

impl SigningKey {
    pub fn new(kms: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self {
            kms,
            key_id: key_id.into(),
            public_key: OnceCell::new(),
        }
    }

    /// The key's id, ARN or alias, as configured.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, as DER.
    pub async fn public_key(&self) -> Result<&[u8], Error> {
        self.public_key
            .get_or_try_init(|| async {
                let output = self
                    .kms
                    .get_public_key()
                    .key_id(&self.key_id)
                    .send()
                    .await
                    .map_err(|e| failure("GetPublicKey", &e))?;
                let der = output.public_key().ok_or(Error::Internal)?;
                Ok(der.as_ref().to_vec())
            })
            .await
            .map(Vec::as_slice)
    }

    /// The signature of `message` (KMS hashes it: messages up to 4 KB).
    pub async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let signed = self
            .kms
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::RsassaPkcs1V15Sha256)
            .send()
            .await
            .map_err(|e| failure("Sign", &e))?;
        Ok(signed.signature().ok_or(Error::Internal)?.as_ref().to_vec())
    }
}
