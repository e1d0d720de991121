//! NFR-CAP-002: a tenant of 10,000 members. The members are written
//! through the store as the invitation use case writes them (25 to a
//! transaction, so that seeding takes seconds, not minutes); everything
//! read is read through the gateway, as an Owner reads it.
//!
//! These tests run alone, after the rest of the suite (`scripts/test.sh`
//! runs the ignored tests in a second pass): moto answers a query on an
//! index by walking the whole table, so 100 pages over 40,000 items take
//! about a minute, and beside the other tests they would starve those
//! tests' waits on the event pipeline.

use crate::support::members::onboarded;
use chrono::{Duration as Span, Utc};
use cp_api::{MemberView, PageView};
use cp_domain::{EmailAddress, Invitation, InvitationId, Role, SecretToken, UserId};
use cp_tests::{pages, store, unique};
use std::collections::BTreeSet;

const MEMBERS: usize = 10_000;
/// Users per transaction: each invitation is 4 items, a transaction 100.
const PER_TRANSACTION: usize = 25;

#[tokio::test]
#[ignore = "runs alone after the suite (scripts/test.sh)"]
async fn nfr_cap_002_a_tenant_of_ten_thousand_members_is_paged_filtered_and_searched() {
    let org = onboarded().await;
    let domain = format!("{}.example", unique("big"));
    // The Owner is one member; 9,999 more are invited, every tenth an
    // Administrator.
    let email = |i: usize| format!("m{i:05}@{domain}");
    let store = store().await;
    let started = std::time::Instant::now();
    let chunks: Vec<Vec<usize>> = (1..MEMBERS)
        .collect::<Vec<_>>()
        .chunks(PER_TRANSACTION)
        .map(<[usize]>::to_vec)
        .collect();
    for batch in chunks.chunks(4) {
        let writes = batch.iter().map(|chunk| {
            let store = store.clone();
            let org_tenant = org.tenant_id;
            let emails: Vec<(String, Role)> = chunk
                .iter()
                .map(|&i| {
                    let role = if i % 10 == 0 {
                        Role::Administrator
                    } else {
                        Role::User
                    };
                    (email(i), role)
                })
                .collect();
            async move {
                let mut writes = store.writes();
                for (address, role) in emails {
                    let token = SecretToken::generate().unwrap();
                    let (user, invitation) = Invitation::issue(
                        (InvitationId::random(), UserId::random()),
                        org_tenant,
                        EmailAddress::parse(&address).unwrap(),
                        role,
                        token.hash(),
                        Span::days(7),
                        Utc::now(),
                    );
                    writes.invite(&user, &invitation).unwrap();
                }
                store.commit(writes).await.unwrap();
            }
        });
        futures::future::join_all(writes).await;
    }
    eprintln!(
        "NFR-CAP-002: {} members written in {:?}",
        MEMBERS - 1,
        started.elapsed()
    );

    // Every member once, in email order, in pages of 100.
    let started = std::time::Instant::now();
    let read: Vec<PageView<MemberView>> = pages(&org.owner_token, "/v1/users?limit=100").await;
    let count = read.len();
    let seen: Vec<String> = read
        .into_iter()
        .flat_map(|page| page.items.into_iter().map(|m| m.email))
        .collect();
    eprintln!(
        "NFR-CAP-002: {} members read in {count} pages in {:?}",
        seen.len(),
        started.elapsed()
    );
    assert_eq!(seen.len(), MEMBERS);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in email order, each once"
    );
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), MEMBERS);

    // One member by their address's prefix: one page, one member.
    let one_page = |path: &'static str| {
        let token = org.owner_token.clone();
        async move {
            let mut all: Vec<PageView<MemberView>> = pages(&token, path).await;
            assert_eq!(all.len(), 1, "{path}: one page");
            all.remove(0)
        }
    };
    let found = one_page("/v1/users?email=m04321@").await;
    assert_eq!(
        found
            .items
            .iter()
            .map(|m| m.email.as_str())
            .collect::<Vec<_>>(),
        [email(4321)]
    );
    // By status: the one Active member among 10,000, in one page.
    assert_eq!(one_page("/v1/users?status=Active").await.items.len(), 1);
    // By role, on an index of its own: the one Owner in one page, and the
    // 999 Administrators in full pages, never a scan's empty ones.
    assert_eq!(one_page("/v1/users?role=Owner").await.items.len(), 1);
    let admins: Vec<PageView<MemberView>> =
        pages(&org.owner_token, "/v1/users?role=Administrator&limit=100").await;
    assert!(
        admins
            .iter()
            .all(|p| p.items.iter().all(|m| m.role == Role::Administrator))
    );
    let sizes: Vec<usize> = admins.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 999, "{sizes:?}");
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n == 100),
        "{sizes:?}"
    );
    // By role within a prefix: m012xx holds ten Administrators.
    let admins = one_page("/v1/users?email=m012&role=Administrator&limit=100").await;
    assert_eq!(admins.items.len(), 10);
    assert!(admins.items.iter().all(|m| m.role == Role::Administrator));
}
