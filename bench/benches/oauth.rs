//! The OpenID Provider's own work per answer, with KMS in process (the real
//! SDK client, answered at once by a stand-in that signs with a local RSA
//! key, as KMS signs with the control plane's): the token endpoint's answer
//! to a person's client (an ID token and an access token: two KMS `Sign`
//! requests through the SDK, serialised, signed and parsed), reading one of
//! its access tokens back (introspection and userinfo: RS256 verified with
//! the issuer's own keys), and checking an authorization request against
//! the client's registration (the authorization endpoint's first step, and
//! what the callback reads back). DynamoDB and the directory's token
//! request are network time, counted per endpoint in
//! doc/spec/round-trips.md; verifying the directory's ID token at the
//! callback is the RS256 verification of `edge_auth`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use aws_sdk_kms::operation::get_public_key::GetPublicKeyOutput;
use aws_sdk_kms::operation::sign::SignOutput;
use aws_sdk_kms::primitives::Blob;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use chrono::Utc;
use cp_domain::oauth::{
    AuthorizationRequest, ClientConfig, ClientRegistration, PeopleScope, Person, SignIn, Upstream,
};
use cp_domain::{Role, SessionId, TenantId, UserId};
use cp_testkit::jwt::RsaKey;
use cp_tokens::TokenIssuer;
use cp_tokens::people::{Grant, PeopleAccess};
use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;
use std::sync::Arc;

/// The token issuer, its KMS key played in process by `key`.
fn issuer(key: &Arc<RsaKey>) -> TokenIssuer {
    let signer = key.clone();
    let sign = mock!(aws_sdk_kms::Client::sign).then_compute_output(move |input| {
        let message = input.message().map(Blob::as_ref).unwrap_or_default();
        SignOutput::builder()
            .signature(Blob::new(signer.signature(message)))
            .build()
    });
    let der = key.public_key_der();
    let public = mock!(aws_sdk_kms::Client::get_public_key).then_output(move || {
        GetPublicKeyOutput::builder()
            .public_key(Blob::new(der.clone()))
            .build()
    });
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&sign, &public]);
    TokenIssuer::new(kms, "signing-key", "https://cp.example", "api")
}

fn member_sign_in() -> SignIn {
    SignIn {
        person: Person::Member {
            user_id: UserId::random(),
            tenant_id: TenantId::random(),
            role: Role::User,
        },
        session: SessionId::random(),
        upstream: Upstream::Customer,
        auth_time: Utc::now(),
        amr: vec!["pwd".into()],
        email: Some("jane@member.example".into()),
        name: Some("Jane Member".into()),
    }
}

fn oauth(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = Arc::new(RsaKey::generate());
    let tokens = issuer(&key);
    let sign_in = member_sign_in();
    let scopes: BTreeSet<PeopleScope> = [
        PeopleScope::Openid,
        PeopleScope::Email,
        PeopleScope::Profile,
        PeopleScope::OfflineAccess,
    ]
    .into();
    let grant = Grant {
        sign_in: &sign_in,
        client_id: "0b7c7e0e-5d1a-4c1e-9f7e-3c1a2b3c4d5e",
        audience: "0b7c7e0e-5d1a-4c1e-9f7e-3c1a2b3c4d5e",
        scopes: &scopes,
        nonce: Some("n-0S6_WzA2Mj"),
    };
    let answer = runtime
        .block_on(tokens.people_tokens(&grant, Utc::now()))
        .unwrap();
    // The issuer's own keys, fetched once per process.
    runtime
        .block_on(tokens.read_access_token(&answer.access_token))
        .unwrap()
        .unwrap();

    let mut group = c.benchmark_group("oauth");
    group.bench_function(
        "token endpoint: a person's ID and access token (2 KMS Sign, in process)",
        |b| {
            b.iter(|| {
                runtime
                    .block_on(tokens.people_tokens(black_box(&grant), Utc::now()))
                    .unwrap()
            })
        },
    );
    group.bench_function(
        "introspection / userinfo: an access token read back (RS256, own keys)",
        |b| {
            b.iter(|| {
                let claims = runtime
                    .block_on(tokens.read_access_token(black_box(&answer.access_token)))
                    .unwrap()
                    .unwrap();
                PeopleAccess::read(&claims).unwrap()
            })
        },
    );

    let registration: ClientRegistration = serde_json::from_value(serde_json::json!({
        "redirect_uris": ["https://app.example/callback", "https://app.example/other"],
    }))
    .unwrap();
    let client = ClientConfig::parse(registration).unwrap();
    let params: HashMap<String, Vec<String>> = [
        ("response_type", "code"),
        ("client_id", grant.client_id),
        ("redirect_uri", "https://app.example/callback"),
        ("scope", "openid email profile offline_access"),
        ("state", "af0ifjsldkj"),
        ("nonce", "n-0S6_WzA2Mj"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
        ("max_age", "3600"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
    .collect();
    group.bench_function(
        "authorize: an authorization request checked against its client",
        |b| {
            b.iter(|| {
                AuthorizationRequest::parse(black_box(&params), grant.client_id, &client).unwrap()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, oauth);
criterion_main!(benches);
