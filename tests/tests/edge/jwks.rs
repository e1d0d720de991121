//! The edge verifier and the issuer's keys: found through discovery,
//! cached, refetched when an unknown key appears (at most once per
//! interval), and a key the issuer has withdrawn stops working.

use axum::routing::get;
use axum::{Json, Router};
use cp_auth::{EdgeConfig, JwtVerifier, Rejection};
use cp_tests::jwt::RsaKey;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A tiny OIDC issuer: discovery and a JWKS that the test can change.
struct Issuer {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

async fn issuer() -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let keys: Arc<Mutex<Vec<Value>>> = Arc::default();
    let fetches: Arc<AtomicUsize> = Arc::default();
    let discovery = json!({"issuer": url, "jwks_uri": format!("{url}/jwks")});
    let (served, counted) = (keys.clone(), fetches.clone());
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route(
            "/jwks",
            get(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Json(json!({"keys": *served.lock().unwrap()}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Issuer { url, keys, fetches }
}

fn claims(issuer: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": issuer, "aud": "api", "sub": "someone", "iat": now, "exp": now + 300})
}

#[tokio::test]
async fn cc_auth_002_keys_are_discovered_cached_refetched_on_rotation_and_withdrawn_keys_fail() {
    let issuer = issuer().await;
    let (first, second, stranger) = (RsaKey::generate(), RsaKey::generate(), RsaKey::generate());
    *issuer.keys.lock().unwrap() = vec![first.jwk("k1")];
    let interval = Duration::from_millis(300);
    let mut config = EdgeConfig::new(issuer.url.clone(), vec!["api".into()]);
    config.jwks_refetch_interval = interval;
    let verifier = JwtVerifier::new(config);
    let claims = claims(&issuer.url);
    // Signed up front, so that nothing slow happens between the timed steps.
    let (old, new) = (
        first.sign(&claims, Some("k1")),
        second.sign(&claims, Some("k2")),
    );
    let (unknown, another) = (
        stranger.sign(&claims, Some("zz")),
        stranger.sign(&claims, Some("yy")),
    );
    let fetches = || issuer.fetches.load(Ordering::SeqCst);

    // Discovered and fetched once, then served from the cache.
    let verified = verifier.verify(&old).await.unwrap();
    assert_eq!(verified["sub"], "someone");
    verifier.verify(&old).await.unwrap();
    assert_eq!(fetches(), 1);

    // An unknown kid, once the interval has passed: one refetch. Another
    // right after it: no refetch (rate limit), still refused.
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    assert_eq!(verifier.verify(&unknown).await, Err(Rejection::UnknownKey));
    assert_eq!(fetches(), 2);
    assert_eq!(verifier.verify(&another).await, Err(Rejection::UnknownKey));
    assert_eq!(fetches(), 2);

    // The issuer rotates: `k2` replaces `k1`. A token with the new key is
    // accepted after one refetch; the withdrawn key no longer verifies.
    *issuer.keys.lock().unwrap() = vec![second.jwk("k2")];
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    verifier.verify(&new).await.unwrap();
    assert_eq!(fetches(), 3);
    assert_eq!(verifier.verify(&old).await, Err(Rejection::UnknownKey));
}

#[tokio::test]
async fn a_token_without_kid_is_checked_only_against_a_single_key_jwks() {
    let issuer = issuer().await;
    let (only, other) = (RsaKey::generate(), RsaKey::generate());
    *issuer.keys.lock().unwrap() = vec![only.jwk("a")];
    let verifier = JwtVerifier::new(EdgeConfig::new(issuer.url.clone(), vec!["api".into()]));
    let claims = claims(&issuer.url);
    verifier.verify(&only.sign(&claims, None)).await.unwrap();
    assert_eq!(
        verifier.verify(&other.sign(&claims, None)).await,
        Err(Rejection::Signature)
    );

    // With two keys there is no telling which one is meant: refused.
    let issuer = self::issuer().await;
    *issuer.keys.lock().unwrap() = vec![only.jwk("a"), other.jwk("b")];
    let verifier = JwtVerifier::new(EdgeConfig::new(issuer.url.clone(), vec!["api".into()]));
    let claims = self::claims(&issuer.url);
    assert_eq!(
        verifier.verify(&only.sign(&claims, None)).await,
        Err(Rejection::UnknownKey)
    );
    verifier
        .verify(&only.sign(&claims, Some("a")))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreachable_issuer_is_not_hammered() {
    let mut config = EdgeConfig::new("http://127.0.0.1:9", vec!["api".into()]);
    config.jwks_refetch_interval = Duration::from_secs(60);
    let verifier = JwtVerifier::new(config);
    let token = RsaKey::generate().sign(&claims("http://127.0.0.1:9"), Some("k"));
    assert_eq!(
        verifier.verify(&token).await,
        Err(Rejection::KeysUnavailable)
    );
    // Within the interval it does not try again: the answer is "unknown
    // key" at once, not another failed fetch.
    assert_eq!(verifier.verify(&token).await, Err(Rejection::UnknownKey));
}

#[tokio::test]
async fn cc_auth_002_a_withdrawn_key_stops_verifying_once_the_cached_keys_are_too_old() {
    let issuer = issuer().await;
    let (withdrawn, other) = (RsaKey::generate(), RsaKey::generate());
    *issuer.keys.lock().unwrap() = vec![withdrawn.jwk("k1")];
    let max_age = Duration::from_millis(300);
    let mut config = EdgeConfig::new(issuer.url.clone(), vec!["api".into()]);
    config.jwks_max_age = max_age;
    let verifier = JwtVerifier::new(config);
    let token = withdrawn.sign(&claims(&issuer.url), Some("k1"));
    verifier.verify(&token).await.unwrap();

    // The issuer withdraws `k1` without any token with a new kid showing up.
    *issuer.keys.lock().unwrap() = vec![other.jwk("k2")];
    tokio::time::sleep(max_age + Duration::from_millis(50)).await;
    assert_eq!(verifier.verify(&token).await, Err(Rejection::UnknownKey));
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 2);
}
