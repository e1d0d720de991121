//! Ingestion of one 100-event CloudEvents batch in one invocation: parsing
//! and validating the events, then writing them as 100 conditional
//! `PutItem`s in parallel through the real SDK (serialisation, signing,
//! response parsing), against an in-process DynamoDB stand-in that answers
//! at once. What is measured is the invocation's own work; DynamoDB's
//! latency adds two sequential round trips per request (the tenants'
//! `BatchGetItem`, then the parallel writes), counted in
//! doc/spec/round-trips.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use chrono::Utc;
use cp_domain::billing::parse_cloud_event;
use cp_domain::{ApplicationId, TenantId};
use cp_store::Store;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;

const BATCH: usize = 100;

fn batch(tenant: TenantId) -> Vec<Value> {
    (0..BATCH)
        .map(|i| {
            json!({
                "specversion": "1.0", "id": format!("req-{i}"), "source": "//crm.example/api",
                "type": "api_call", "time": Utc::now().to_rfc3339(),
                "data": {"tenant_id": tenant, "quantity": i, "properties": {"endpoint": "/v1/leads"}}
            })
        })
        .collect()
}

fn billing_ingest(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rule =
        mock!(aws_sdk_dynamodb::Client::put_item).then_output(|| PutItemOutput::builder().build());
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
    let store = Store::new(client, "table");
    let (app, tenant) = (ApplicationId::random(), TenantId::random());
    let events = batch(tenant);

    let mut group = c.benchmark_group("billing_ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("parse 100 CloudEvents", |b| {
        b.iter(|| {
            let now = Utc::now();
            for e in &events {
                black_box(parse_cloud_event(e.clone(), app, now).unwrap());
            }
        });
    });
    group.bench_function(
        "parse and write 100 events (100 PutItem in parallel)",
        |b| {
            b.iter(|| {
                let now = Utc::now();
                let parsed: Vec<_> = events
                    .iter()
                    .map(|e| parse_cloud_event(e.clone(), app, now).unwrap())
                    .collect();
                runtime
                    .block_on(store.record_billing_events(&parsed, &Utc::now))
                    .unwrap()
            });
        },
    );
    group.finish();
}

criterion_group!(benches, billing_ingest);
criterion_main!(benches);
