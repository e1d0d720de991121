//! The audit hash chain under concurrent consumers (FR-LOG-003, ADR 0028).

use crate::support::fixtures::audit_record as record;
use chrono::{Duration, Utc};
use cp_domain::{AuditRecord, ChainHash, TenantId};
use cp_tests::store;

/// Every record of a tenant's chain, in chain order.
pub async fn chain_of(tenant: TenantId) -> Vec<AuditRecord> {
    store()
        .await
        .chain_records(Some(tenant), 0, 1000)
        .await
        .unwrap()
}

#[tokio::test]
async fn fr_log_003_concurrent_consumers_extend_a_chain_without_gaps_repeats_or_forks() {
    let store = store().await;
    let tenant = TenantId::random();
    let now = Utc::now();
    let records: Vec<_> = (0..16)
        .map(|i| record(tenant, now + Duration::milliseconds(i)))
        .collect();
    // Every record written by several consumers at once, each twice (a
    // redelivery racing the first delivery).
    let writes = records.iter().chain(records.iter()).map(|r| {
        let store = store.clone();
        async move { store.record_audit(r).await.unwrap() }
    });
    let new = futures::future::join_all(writes).await;
    assert_eq!(
        new.iter().filter(|n| **n).count(),
        records.len(),
        "each event once"
    );

    let chain = cp_tests::eventually(
        "the chain in the index",
        std::time::Duration::from_secs(10),
        || async {
            let chain = chain_of(tenant).await;
            (chain.len() == records.len()).then_some(chain)
        },
    )
    .await;
    let mut previous = ChainHash::GENESIS;
    for (i, r) in chain.iter().enumerate() {
        let link = r.chain.unwrap();
        assert_eq!(link.seq, i as u64 + 1);
        assert_eq!(
            link.previous_hash, previous,
            "seq {} follows its predecessor",
            link.seq
        );
        assert!(r.hash_holds());
        previous = link.hash;
    }
    let mut ids: Vec<_> = chain.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), records.len());
}

#[tokio::test]
async fn fr_log_003_each_tenant_has_its_own_chain() {
    let store = store().await;
    let (a, b) = (TenantId::random(), TenantId::random());
    store.record_audit(&record(a, Utc::now())).await.unwrap();
    store.record_audit(&record(b, Utc::now())).await.unwrap();
    store.record_audit(&record(a, Utc::now())).await.unwrap();
    let chains = store.audit_chains().await.unwrap();
    let head = |t| {
        chains
            .iter()
            .find(|c| c.tenant == Some(t))
            .unwrap()
            .head
            .seq
    };
    assert_eq!((head(a), head(b)), (2, 1));
}
