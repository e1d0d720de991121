//! What a flag evaluation costs in the function, besides its one
//! `BatchGetItem` (network time, counted in doc/spec/round-trips.md): read
//! the evaluation context, evaluate every flag of the catalog for the
//! tenant's plan and overrides, render OFREP's bulk answer and its `ETag`;
//! and, once per refresh, parse the catalog.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use cp_domain::{Catalog, FlagKey, FlagOverrides, Plan, TenantId};
use criterion::{Criterion, criterion_group, criterion_main};
use flag_evaluate::{bulk_json, context_tenant, etag, evaluation_json};
use serde_json::json;
use std::hint::black_box;

const CATALOG: &str = include_str!("../../flags/catalog.json");

fn flags(c: &mut Criterion) {
    let catalog = Catalog::parse(CATALOG.as_bytes()).unwrap();
    let tenant = TenantId::random();
    let mut overrides = FlagOverrides::none(tenant);
    overrides
        .values
        .insert(FlagKey::parse("new-editor").unwrap(), json!(false));
    let body =
        json!({"context": {"targetingKey": "user-42", "tenantId": tenant.to_string()}}).to_string();
    let key = FlagKey::parse("max-projects").unwrap();

    c.bench_function(
        "flags/evaluate one (context, evaluation, OFREP body)",
        |b| {
            b.iter(|| {
                let tenant = context_tenant(black_box(body.as_bytes())).unwrap();
                let e = catalog.evaluate(&key, Plan::Pro, &overrides).unwrap();
                black_box((tenant, evaluation_json(&e, "1").to_string()))
            })
        },
    );
    c.bench_function(
        "flags/evaluate all (context, 6 flags, OFREP body, ETag)",
        |b| {
            b.iter(|| {
                let tenant = context_tenant(black_box(body.as_bytes())).unwrap();
                let text = bulk_json(catalog.evaluate_all(Plan::Pro, &overrides), "1").to_string();
                black_box((tenant, etag(&text)))
            })
        },
    );
    c.bench_function("flags/parse the catalog (once per refresh)", |b| {
        b.iter(|| black_box(Catalog::parse(black_box(CATALOG.as_bytes())).unwrap()))
    });
}

criterion_group!(benches, flags);
criterion_main!(benches);
