//! Rotating the key that signs the control plane's tokens (ADR 0042,
//! doc/deployment.md "Rotating the token signing key"), step by step as
//! the procedure does it, with the issuer's real code against KMS (moto):
//! the next key is published before it signs, the previous one stays
//! published until its tokens have expired, and a token verifies exactly
//! while the key that signed it is published.

use chrono::Utc;
use cp_auth::JwtVerifier;
use cp_domain::{AppScope, ApplicationId, SecretId};
use cp_tests::{jwt, sdk, stack};
use cp_tokens::TokenIssuer;

/// A new RSA signing key, as terraform makes one (resources.json's spec).
async fn new_signing_key(kms: &aws_sdk_kms::Client) -> String {
    kms.create_key()
        .description("the next token signing key")
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .key_spec(aws_sdk_kms::types::KeySpec::Rsa2048)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned()
}

/// The issuer as a function builds it from `TOKEN_SIGNING_KEY` and
/// `TOKEN_PUBLISHED_KEYS`.
fn issuer(kms: &aws_sdk_kms::Client, signing: &str, published: &[String]) -> TokenIssuer {
    TokenIssuer::new(
        kms.clone(),
        signing,
        stack().token_issuer.clone(),
        stack().token_audience.clone(),
    )
    .publishing(kms, published)
}

async fn issued_by(tokens: &TokenIssuer) -> String {
    tokens
        .issue(
            ApplicationId::random(),
            SecretId::random(),
            &[AppScope::FlagsRead],
            Utc::now(),
        )
        .await
        .unwrap()
        .access_token
}

/// Whether a resource server holding `tokens`' JWKS (as API Gateway does)
/// takes `token`.
async fn verifies_at_the_edge(tokens: &TokenIssuer, token: &str) -> bool {
    JwtVerifier::of_own_keys(stack().token_issuer.clone(), tokens.jwks().await.unwrap())
        .unwrap()
        .verify(token)
        .await
        .is_ok()
}

fn kid(token: &str) -> String {
    jwt::decode(token).0["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotated_signing_key_verifies_its_tokens_until_it_is_withdrawn() {
    let kms = aws_sdk_kms::Client::new(&sdk().await);
    let old = stack().resources.token_signing_key.clone();
    let new = new_signing_key(&kms).await;
    let before = issuer(&kms, &old, &[]);
    let old_token = issued_by(&before).await;

    // 1. The next key is published; the old one still signs.
    let announcing = issuer(&kms, &old, std::slice::from_ref(&new));
    let jwks = announcing.jwks().await.unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert_ne!(kids[0], kids[1], "each key has its own kid");
    assert_eq!(kids[0], kid(&old_token), "the signing key comes first");
    assert_eq!(kid(&issued_by(&announcing).await), kid(&old_token));

    // 2. The keys swap: the new one signs, the old one stays published, and
    // both generations verify, at the edge and at the issuer itself
    // (introspection, logout hints).
    let rotated = issuer(&kms, &new, std::slice::from_ref(&old));
    let new_token = issued_by(&rotated).await;
    assert_ne!(kid(&new_token), kid(&old_token));
    for token in [&old_token, &new_token] {
        assert!(verifies_at_the_edge(&rotated, token).await);
        assert!(rotated.read_access_token(token).await.unwrap().is_some());
    }

    // 3. Once the old key's last token has expired, it is withdrawn: what
    // it signed verifies nowhere any more; the new key's tokens do.
    let after = issuer(&kms, &new, &[]);
    assert!(!verifies_at_the_edge(&after, &old_token).await);
    assert!(after.read_access_token(&old_token).await.unwrap().is_none());
    assert!(verifies_at_the_edge(&after, &new_token).await);
    assert!(after.read_access_token(&new_token).await.unwrap().is_some());
}
