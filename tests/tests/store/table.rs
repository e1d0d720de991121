//! The single-table store against moto server, through the real SDK.

use crate::support::fixtures::{self, audit_record};
use chrono::{Duration, TimeZone, Utc};
use cp_domain::tenant::provisioning::{NewIds, ProvisionTenant, provision};
use cp_domain::{
    AuditFilter, EmailAddress, Error, Invitation, InvitationId, InvitationStatus, Outcome,
    PageSize, Role, SecretToken, TenantId, TenantStatus, UserId,
};
use cp_store::{AuditQuery, Committed, IdempotencyRecord, TenantQuery};
use cp_tests::{store, unique};

#[tokio::test]
async fn uc_prov_001_a_domain_belongs_to_one_tenant_and_a_refused_provisioning_writes_nothing() {
    let store = store().await;
    let first = fixtures::tenant(&store).await;
    let command = ProvisionTenant::parse(
        Some("Impostor"),
        Some(first.tenant.domain.as_str()),
        Some("Free"),
        Some("someone@else.example"),
    )
    .unwrap();
    let second = provision(
        command,
        NewIds::random(),
        SecretToken::generate().unwrap().hash(),
        Utc::now(),
    );
    let mut writes = store.writes();
    writes.provision(&second).unwrap();
    let err = store.commit(writes).await.unwrap_err();
    assert_eq!(
        err,
        Error::Conflict("a tenant with this domain already exists".into())
    );
    // All or nothing: not one item of the refused tenant exists.
    assert_eq!(store.tenant(second.tenant.id).await.unwrap(), None);
    assert_eq!(
        store
            .tenant_user(second.tenant.id, second.owner.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .invitation(second.tenant.id, second.invitation.id)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn uc_prov_001_provisioning_stores_the_invitation_token_only_as_its_hash() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let invitation = store
        .invitation(p.tenant.id, p.invitation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invitation.token_hash, p.invitation.token_hash);
    let tenant = store.tenant(p.tenant.id).await.unwrap().unwrap();
    assert_eq!(tenant, p.tenant);
    let owner = store
        .tenant_user(p.tenant.id, p.owner.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner, p.owner);
}

#[tokio::test]
async fn cc_dat_001_a_stale_version_cannot_overwrite_a_newer_one() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let mut first = store.tenant(p.tenant.id).await.unwrap().unwrap();
    let mut second = first.clone();
    first.suspend(None, Utc::now()).unwrap();
    fixtures::save_tenant(&store, &first).await;
    // `second` was read before `first` was saved: its write must fail.
    second.request_deletion(Utc::now()).unwrap();
    let mut writes = store.writes();
    writes.replace_tenant(&second).unwrap();
    assert!(matches!(
        store.commit(writes).await,
        Err(Error::Conflict(_))
    ));
    let stored = store.tenant(p.tenant.id).await.unwrap().unwrap();
    assert_eq!(stored.status, TenantStatus::Suspended);
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn tenant_pages_are_bounded_complete_and_their_cursors_cannot_be_forged() {
    let store = store().await;
    let prefix = unique("pg");
    for n in 0..5 {
        fixtures::tenant_with_domain(&store, &format!("{prefix}-{n}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list_tenants(&TenantQuery {
                status: None,
                domain_prefix: Some(&prefix),
                limit: PageSize::parse(Some("2")).unwrap(),
                cursor: cursor.as_deref(),
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|t| t.domain.as_str().to_owned()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..5).map(|n| format!("{prefix}-{n}")).collect();
    assert_eq!(seen, expected, "every tenant once, in domain order");

    // A cursor of the all-tenants index does not continue a status query.
    let first = store
        .list_tenants(&TenantQuery {
            domain_prefix: Some(&prefix),
            limit: PageSize::parse(Some("1")).unwrap(),
            ..TenantQuery::default()
        })
        .await
        .unwrap();
    let cursor = first.next_cursor.unwrap();
    let err = store
        .list_tenants(&TenantQuery {
            status: Some(TenantStatus::Suspended),
            cursor: Some(&cursor),
            ..TenantQuery::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(f) if f[0].field == "cursor"));
}

#[tokio::test]
async fn fr_ops_001_the_status_index_follows_the_tenant() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let in_status = |status| {
        let store = store.clone();
        let domain = p.tenant.domain.as_str().to_owned();
        async move {
            store
                .list_tenants(&TenantQuery {
                    status: Some(status),
                    domain_prefix: Some(&domain),
                    ..TenantQuery::default()
                })
                .await
                .unwrap()
                .items
                .len()
        }
    };
    assert_eq!(in_status(TenantStatus::Active).await, 1);
    let mut tenant = p.tenant.clone();
    tenant.suspend(None, Utc::now()).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    assert_eq!(in_status(TenantStatus::Active).await, 0);
    assert_eq!(in_status(TenantStatus::Suspended).await, 1);
}

#[tokio::test]
async fn fr_log_003_an_audit_record_is_written_once_and_listed_by_range_newest_first() {
    let store = store().await;
    let tenant = TenantId::random();
    let t0 = Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap();
    let records: Vec<_> = (0..3)
        .map(|s| audit_record(tenant, t0 + Duration::seconds(s)))
        .collect();
    for r in &records {
        assert!(store.record_audit(r).await.unwrap(), "first write is new");
    }
    assert!(
        !store.record_audit(&records[0]).await.unwrap(),
        "a redelivery writes nothing"
    );

    let page = store
        .list_audit(&AuditQuery {
            tenant: Some(tenant),
            from: t0,
            to: t0 + Duration::seconds(2),
            limit: PageSize::DEFAULT,
            cursor: None,
            filter: &AuditFilter::default(),
        })
        .await
        .unwrap();
    // [from, to): the record at `to` is outside; newest first.
    let ids: Vec<_> = page.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![records[1].id, records[0].id]);
    let mut listed = page.items[0].clone();
    let link = listed.chain.take().expect("a stored record is chained");
    assert_eq!(listed, records[1]);
    assert_eq!(link.seq, 2, "the second record of its tenant's chain");
    assert!(page.items[0].hash_holds());
}

#[tokio::test]
async fn fr_log_002_audit_records_filtered_by_actor_action_and_outcome_page_without_gaps() {
    let store = store().await;
    let tenant = TenantId::random();
    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    // Seven records; the 2nd, 4th, 5th and 7th are `alice`'s failed logins.
    let mut matching = Vec::new();
    for s in 0..7 {
        let mut r = audit_record(tenant, t0 + Duration::seconds(s));
        if [1, 3, 4, 6].contains(&s) {
            r.actor_id = "alice".into();
            r.action = "user.login".into();
            r.outcome = Outcome::Failure;
            matching.push(r.id);
        } else if s == 2 {
            // Same actor and action, other outcome: not admitted.
            r.actor_id = "alice".into();
            r.action = "user.login".into();
        }
        store.record_audit(&r).await.unwrap();
    }
    matching.reverse(); // newest first
    let filter = AuditFilter::parse(
        Some("alice".into()),
        Some("user.login".into()),
        Some("Failure"),
    )
    .unwrap();
    let mut listed = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_audit(&AuditQuery {
                tenant: Some(tenant),
                from: t0,
                to: t0 + Duration::minutes(1),
                limit: PageSize::parse(Some("2")).unwrap(),
                cursor: cursor.as_deref(),
                filter: &filter,
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 2, "a page holds at most its limit");
        listed.extend(page.items.iter().map(|r| r.id));
        pages += 1;
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(listed, matching, "every match once, newest first");
    assert!(pages <= 3, "pages of two, not of records evaluated");
}

#[tokio::test]
async fn fr_ops_003_an_audit_record_expires_by_ttl_after_seven_years_and_not_before() {
    let store = store().await;
    let record = audit_record(TenantId::random(), Utc::now());
    store.record_audit(&record).await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&cp_tests::sdk().await);
    let table = cp_tests::stack().resources.table.clone();
    let key = cp_store::keys::audit_record(record.tenant_id, record.timestamp, record.id);
    let item = client
        .get_item()
        .table_name(&table)
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    assert_eq!(
        expires,
        cp_domain::Retention::AuditLog
            .until(record.timestamp)
            .timestamp()
    );
    assert!(expires > (record.timestamp + Duration::days(7 * 365 + 1)).timestamp());
    // The table expires items on exactly that attribute.
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(cp_store::keys::TTL));
    assert_eq!(
        ttl.time_to_live_status(),
        Some(&aws_sdk_dynamodb::types::TimeToLiveStatus::Enabled)
    );
}

#[tokio::test]
async fn cc_dat_001_an_idempotency_key_replays_the_first_outcome_and_writes_nothing_else() {
    let store = store().await;
    let now = Utc::now();
    let record = IdempotencyRecord {
        scope: unique("scope"),
        key: "key-1".into(),
        request_hash: "h1".into(),
        status: 201,
        body: "{\"first\":true}".into(),
        location: Some("/v1/tenants/x".into()),
        created_at: now,
        expires_at: (now + Duration::hours(24)).timestamp(),
    };
    let command = |d: &str| {
        ProvisionTenant::parse(Some("Idem"), Some(d), Some("Free"), Some("o@idem.example")).unwrap()
    };
    let a = provision(
        command(&unique("idem")),
        NewIds::random(),
        SecretToken::generate().unwrap().hash(),
        now,
    );
    let mut writes = store.writes();
    writes
        .provision(&a)
        .unwrap()
        .idempotency(&record, now)
        .unwrap();
    assert_eq!(store.commit(writes).await.unwrap(), Committed::Applied);

    let b = provision(
        command(&unique("idem")),
        NewIds::random(),
        SecretToken::generate().unwrap().hash(),
        now,
    );
    let mut retry = record.clone();
    retry.body = "{\"second\":true}".into();
    let mut writes = store.writes();
    writes
        .provision(&b)
        .unwrap()
        .idempotency(&retry, now)
        .unwrap();
    assert_eq!(
        store.commit(writes).await.unwrap(),
        Committed::Replayed(record)
    );
    assert_eq!(store.tenant(b.tenant.id).await.unwrap(), None);
}

#[tokio::test]
async fn a_user_and_their_tenant_are_read_in_one_round_trip() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let (user, tenant) = store
        .user_and_tenant(p.tenant.id, p.owner.id)
        .await
        .unwrap();
    assert_eq!(user, Some(p.owner.clone()));
    assert_eq!(tenant, Some(p.tenant.clone()));
    let (user, tenant) = store
        .user_and_tenant(p.tenant.id, cp_domain::UserId::random())
        .await
        .unwrap();
    assert_eq!((user, tenant.map(|t| t.id)), (None, Some(p.tenant.id)));
}

#[tokio::test]
async fn cc_dat_001_of_racing_writers_of_one_version_exactly_one_wins() {
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let read = store.tenant(p.tenant.id).await.unwrap().unwrap();
    let attempts = (0..4).map(|_| {
        let store = store.clone();
        let mut tenant = read.clone();
        async move {
            tenant.request_deletion(Utc::now()).unwrap();
            let event = cp_events::Envelope::new(
                &cp_events::TenantResumed {
                    tenant_id: tenant.id,
                },
                cp_events::EventContext {
                    time: Utc::now(),
                    actor: cp_domain::Actor::system("test"),
                    correlation_id: "c".into(),
                },
            )
            .unwrap();
            let mut writes = store.writes();
            writes
                .replace_tenant(&tenant)
                .unwrap()
                .event(&event)
                .unwrap();
            store.commit(writes).await
        }
    });
    let outcomes = futures::future::join_all(attempts).await;
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 1, "{outcomes:?}");
    let stored = store.tenant(p.tenant.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn fr_log_002_a_running_export_notes_its_progress_without_a_new_version() {
    let store = store().await;
    let now = Utc::now();
    let job = cp_domain::AuditExport::request(
        cp_domain::AuditExportId::random(),
        Some(TenantId::random()),
        now - Duration::days(1),
        now,
        AuditFilter::default(),
        "auditor".into(),
        now,
    )
    .unwrap();
    let mut writes = store.writes();
    writes.insert_audit_export(&job).unwrap();
    store.commit(writes).await.unwrap();

    store.note_export_progress(job.id, 4000).await.unwrap();
    let running = store.audit_export(job.id).await.unwrap().unwrap();
    assert_eq!(running.progress_records, Some(4000));
    assert_eq!(running.version, job.version, "progress is not a change");

    // The job's end, conditioned on the version it read, still goes in;
    // a late note after it changes nothing.
    let mut ended = running.clone();
    ended.fail("x", now);
    let mut writes = store.writes();
    writes.replace_audit_export(&ended).unwrap();
    store.commit(writes).await.unwrap();
    store.note_export_progress(job.id, 9000).await.unwrap();
    let after = store.audit_export(job.id).await.unwrap().unwrap();
    assert_eq!(after.status, cp_domain::ExportStatus::Failed);
    assert_eq!(after.progress_records, Some(4000));
}

/// FR-TENANT-007: a resend that read the invitation before it was revoked
/// (or accepted) finds it closed at commit, and does not reopen it with a
/// link that could never work.
#[tokio::test]
async fn fr_tenant_007_a_resend_racing_a_revocation_never_reopens_the_invitation() {
    let store = store().await;
    let tenant = TenantId::random();
    let token = SecretToken::generate().unwrap();
    let (user, invitation) = Invitation::issue(
        (InvitationId::random(), UserId::random()),
        tenant,
        EmailAddress::parse(&format!("{}@example.com", unique("racer"))).unwrap(),
        Role::User,
        token.hash(),
        Duration::days(7),
        Utc::now(),
    );
    let mut writes = store.writes();
    writes.invite(&user, &invitation).unwrap();
    store.commit(writes).await.unwrap();

    // Both read it open; the revocation commits first.
    let mut revoked = invitation.clone();
    revoked.revoke().unwrap();
    let mut writes = store.writes();
    writes.revoke_invitation(&revoked).unwrap();
    store.commit(writes).await.unwrap();
    let mut resent = invitation.clone();
    let fresh = SecretToken::generate().unwrap();
    resent
        .reissue(fresh.hash(), Duration::days(7), Utc::now())
        .unwrap();
    let mut writes = store.writes();
    writes
        .reissue_invitation(&resent, &invitation.token_hash)
        .unwrap();
    assert!(matches!(
        store.commit(writes).await,
        Err(Error::Conflict(_))
    ));

    let stored = store
        .invitation(tenant, invitation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, InvitationStatus::Revoked);
    assert!(
        store
            .invitation_ticket(&fresh.hash())
            .await
            .unwrap()
            .is_none()
    );
}
