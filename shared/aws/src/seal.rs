//! Envelope encryption of a tenant's SSO client secret with KMS.
//!
//! KMS makes a fresh 256-bit data key per secret (`GenerateDataKey`, with
//! the tenant's id in the encryption context); the secret is sealed with it
//! locally (AES-256-GCM, random nonce, the tenant id as associated data);
//! only the data key's KMS ciphertext is kept. Opening needs `kms:Decrypt`
//! on the key with the same tenant id, so a sealed secret copied into
//! another tenant's item does not open, and CloudTrail records every
//! decryption with the tenant it was for.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cp_domain::{Error, SealedSecret as Sealed, TenantId};

/// Seals and opens with one KMS key.
#[derive(Debug, Clone)]
pub struct Sealer {
    kms: Client,
    key_id: String,
}

const CONTEXT_KEY: &str = "tenant_id";

impl Sealer {
    pub fn new(kms: Client, key_id: impl Into<String>) -> Self {
        Self {
            kms,
            key_id: key_id.into(),
        }
    }

    pub async fn seal(&self, tenant: TenantId, secret: &str) -> Result<Sealed, Error> {
        let data_key = self
            .kms
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT_KEY, tenant.to_string())
            .send()
            .await
            .map_err(|e| crate::failure("GenerateDataKey", &e))?;
        let (Some(plain), Some(encrypted)) = (data_key.plaintext(), data_key.ciphertext_blob())
        else {
            return Err(Error::Internal);
        };
        let key = cipher(plain.as_ref())?;
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| failed("nonce"))?;
        let mut sealed = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(tenant.to_string().as_bytes()),
            &mut sealed,
        )
        .map_err(|_| failed("seal"))?;
        Ok(Sealed {
            data_key: STANDARD.encode(encrypted.as_ref()),
            nonce: STANDARD.encode(nonce),
            ciphertext: STANDARD.encode(sealed),
        })
    }

    /// The secret, for the one who signs the tenant's people in with it.
    pub async fn open(&self, tenant: TenantId, sealed: &Sealed) -> Result<String, Error> {
        let decode = |field: &str| STANDARD.decode(field).map_err(|_| failed("stored field"));
        let plain = self
            .kms
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(decode(&sealed.data_key)?))
            .encryption_context(CONTEXT_KEY, tenant.to_string())
            .send()
            .await
            .map_err(|e| crate::failure("Decrypt", &e))?;
        let key = cipher(plain.plaintext().ok_or(Error::Internal)?.as_ref())?;
        let nonce: [u8; NONCE_LEN] = decode(&sealed.nonce)?
            .try_into()
            .map_err(|_| failed("stored nonce"))?;
        let mut data = decode(&sealed.ciphertext)?;
        let opened = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(tenant.to_string().as_bytes()),
                &mut data,
            )
            .map_err(|_| failed("open"))?;
        String::from_utf8(opened.to_vec()).map_err(|_| failed("opened secret"))
    }
}

fn cipher(key: &[u8]) -> Result<LessSafeKey, Error> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| failed("data key"))
}

/// A sealing step that failed: logged by its name (never the secret).
fn failed(step: &'static str) -> Error {
    tracing::error!(step, "sealing the SSO client secret failed");
    Error::Internal
}
