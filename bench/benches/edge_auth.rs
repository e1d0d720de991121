//! What every request pays before its use case runs: verifying the bearer
//! token (RS256, key cached) as the edge does, and turning the verified claims
//! into a principal as every function does.
//!
//! Principal resolution is measured for a platform person, whose one
//! `GetItem` (was the session ended?) is answered at once in process
//! through the real SDK client. A tenant user's is one strongly consistent
//! `BatchGetItem` instead: network time, counted in
//! doc/spec/round-trips.md, not CPU time measured here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use axum::{Json, Router, routing::get};
use cp_auth::claims::to_request_context;
use cp_auth::{EdgeConfig, JwtVerifier, PrincipalResolver, TokenClaims};
use cp_domain::UserId;
use cp_testkit::jwt::RsaKey;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

fn edge_auth(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = RsaKey::generate();
    let issuer = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let discovery = json!({"issuer": url, "jwks_uri": format!("{url}/jwks")});
        let jwks = json!({"keys": [key.jwk("k1")]});
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(discovery) }),
            )
            .route("/jwks", get(move || async move { Json(jwks) }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });
    let now = chrono::Utc::now().timestamp();
    // A person's access token of the control plane, as the console gets it.
    let claims = json!({
        "iss": issuer, "aud": "api", "sub": UserId::random().to_string(), "iat": now,
        "exp": now + 600, "auth_time": now, "roles": ["Operator"], "sid": "cp-0123456789abcdef",
        "idp": "workforce", "amr": ["pwd"], "client_id": "console", "scope": "openid profile email",
    });
    let token = key.sign(&claims, Some("k1"));
    let verifier = JwtVerifier::new(EdgeConfig::new(issuer, vec!["api".into()]));
    runtime.block_on(verifier.verify(&token)).unwrap(); // warm the key cache

    // The session was not ended: no item.
    let not_ended =
        mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| GetItemOutput::builder().build());
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&not_ended]);
    let resolver = PrincipalResolver::new(cp_store::Store::new(dynamodb, "control-plane"));

    c.bench_function("edge: verify RS256 token (cached JWKS)", |b| {
        b.iter(|| {
            runtime
                .block_on(verifier.verify(black_box(&token)))
                .unwrap()
        })
    });
    let verified = runtime.block_on(verifier.verify(&token)).unwrap();
    c.bench_function("function: claims to principal (platform person)", |b| {
        b.iter(|| {
            let context = to_request_context(black_box(&verified));
            let claims = TokenClaims::from_request_context(&context).unwrap();
            runtime.block_on(resolver.resolve(&claims)).unwrap()
        })
    });
    c.bench_function("edge + function: token to principal", |b| {
        b.iter(|| {
            let verified = runtime
                .block_on(verifier.verify(black_box(&token)))
                .unwrap();
            let claims = TokenClaims::from_request_context(&to_request_context(&verified)).unwrap();
            runtime.block_on(resolver.resolve(&claims)).unwrap()
        })
    });
}

criterion_group!(benches, edge_auth);
criterion_main!(benches);
