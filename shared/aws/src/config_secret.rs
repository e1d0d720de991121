//! Secrets in a function's configuration (the control plane's client
//! secrets at the upstream directories): never in the clear in an
//! environment variable, but KMS ciphertext (terraform's
//! `aws_kms_ciphertext`, base64), bound to what it is for by an encryption
//! context, and decrypted once per process when first needed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cp_domain::Error;

/// The encryption context every configuration secret is sealed with.
pub const CONTEXT_KEY: &str = "purpose";
pub const CONTEXT_VALUE: &str = "upstream-client-secret";

/// Decrypts one configuration secret.
pub async fn open_config_secret(
    kms: &aws_sdk_kms::Client,
    ciphertext: &str,
) -> Result<String, Error> {
    let blob = STANDARD.decode(ciphertext.trim()).map_err(|_| {
        tracing::error!("a configuration secret is not base64 ciphertext");
        Error::Internal
    })?;
    let output = kms
        .decrypt()
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(blob))
        .encryption_context(CONTEXT_KEY, CONTEXT_VALUE)
        .send()
        .await
        .map_err(|e| crate::failure("Decrypt", &e))?;
    let plain = output.plaintext().ok_or(Error::Internal)?;
    String::from_utf8(plain.as_ref().to_vec()).map_err(|_| Error::Internal)
}

/// Seals a configuration secret as terraform's `aws_kms_ciphertext` does
/// (the local stack's bootstrap).
pub async fn seal_config_secret(
    kms: &aws_sdk_kms::Client,
    key_id: &str,
    secret: &str,
) -> Result<String, Error> {
    let output = kms
        .encrypt()
        .key_id(key_id)
        .plaintext(aws_sdk_kms::primitives::Blob::new(secret.as_bytes()))
        .encryption_context(CONTEXT_KEY, CONTEXT_VALUE)
        .send()
        .await
        .map_err(|e| crate::failure("Encrypt", &e))?;
    let blob = output.ciphertext_blob().ok_or(Error::Internal)?;
    Ok(STANDARD.encode(blob.as_ref()))
}
