//! Platform operations through the local gateway: tenant suspension
//! (UC-TENANT-SUSPEND, FR-OPS-001) and deletion with a grace period
//! (UC-OPS-TENANT-DELETE, FR-OPS-002).

use crate::support::fixtures;
use chrono::{Duration, Utc};
use cp_api::TenantView;
use cp_domain::TenantStatus;
use cp_tests::{eventually, get, operator, platform_token, problem, send_json, unique};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(token: &str, path: &str, body: &Value) -> reqwest::Response {
    send_json(Method::POST, token, path, body).await
}

/// The audit actions recorded for a tenant so far.
async fn audit_actions(token: &str, tenant: &str) -> Vec<String> {
    cp_tests::audit_trail(token, tenant, "")
        .await
        .into_iter()
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn uc_tenant_suspend_an_operator_suspends_and_a_token_minted_before_stops_working() {
    let (p, subject) = fixtures::tenant_owner().await;
    let owner = fixtures::sign_in(&subject).await;
    let tenant_path = format!("/v1/tenants/{}", p.tenant.id);
    assert_eq!(get(&owner, &tenant_path).await.status(), StatusCode::OK);

    let op = operator().await;
    let response = post(
        &op,
        &format!("{tenant_path}/suspend"),
        &json!({"reason": "invoices unpaid"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let suspended: TenantView = response.json().await.unwrap();
    assert_eq!(suspended.status, TenantStatus::Suspended);
    assert_eq!(
        suspended.suspension_reason.as_deref(),
        Some("invoices unpaid")
    );

    // From the moment the call returned: the owner's token is refused.
    problem(
        get(&owner, &tenant_path).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-440",
    )
    .await;
    // Suspending again changes nothing and says so by the same answer.
    let again: TenantView = post(&op, &format!("{tenant_path}/suspend"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.updated_at, suspended.updated_at);

    // Resumed, a fresh sign-in works again.
    let resumed: TenantView = post(&op, &format!("{tenant_path}/resume"), &json!(null))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resumed.status, TenantStatus::Active);
    assert_eq!(resumed.suspension_reason, None);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let fresh = fixtures::sign_in(&subject).await;
    assert_eq!(get(&fresh, &tenant_path).await.status(), StatusCode::OK);

    // Both changes are audited, with the operator as actor.
    let tenant = p.tenant.id.to_string();
    eventually(
        "suspend and resume audited",
        std::time::Duration::from_secs(20),
        || async {
            let actions = audit_actions(&op, &tenant).await;
            (actions.contains(&"tenant.suspend".to_owned())
                && actions.contains(&"tenant.resume".to_owned()))
            .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn fr_ops_001_only_operators_change_a_tenants_status() {
    let (p, subject) = fixtures::tenant_owner().await;
    let path = format!("/v1/tenants/{}/suspend", p.tenant.id);
    let owner = fixtures::sign_in(&subject).await;
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    problem(
        post(&owner, &path, &json!({})).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    problem(
        post(&auditor, &path, &json!({})).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    let op = operator().await;
    let unknown = format!("/v1/tenants/{}/suspend", uuid::Uuid::new_v4());
    problem(
        post(&op, &unknown, &json!({})).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    problem(
        post(&op, &path, &json!({"reason": "x".repeat(501)})).await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    // Nothing changed.
    let tenant: TenantView = get(&op, &format!("/v1/tenants/{}", p.tenant.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tenant.status, TenantStatus::Active);
}

#[tokio::test]
async fn uc_ops_tenant_delete_needs_the_domain_repeated_and_can_be_restored_within_grace() {
    let (p, subject) = fixtures::tenant_owner().await;
    let owner = fixtures::sign_in(&subject).await;
    let op = operator().await;
    let base = format!("/v1/tenants/{}", p.tenant.id);

    // Without the explicit acknowledgment nothing happens.
    problem(
        post(&op, &format!("{base}/delete"), &json!({})).await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    problem(
        post(
            &op,
            &format!("{base}/delete"),
            &json!({"confirm_domain": "someone-else"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    assert_eq!(get(&owner, &base).await.status(), StatusCode::OK);

    let before = Utc::now();
    let response = post(
        &op,
        &format!("{base}/delete"),
        &json!({"confirm_domain": p.tenant.domain.as_str().to_uppercase()}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let pending: TenantView = response.json().await.unwrap();
    assert_eq!(pending.status, TenantStatus::PendingDeletion);
    let purge_at = pending.purge_at.unwrap();
    assert!(purge_at >= before + Duration::days(30) - Duration::seconds(5));
    assert!(purge_at <= Utc::now() + Duration::days(30));
    // Denied like a suspended tenant.
    problem(
        get(&owner, &base).await,
        StatusCode::UNAUTHORIZED,
        "ERR-AUTH-440",
    )
    .await;
    // Suspending a tenant that is being deleted is a conflict.
    problem(
        post(&op, &format!("{base}/suspend"), &json!({})).await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;

    let restored: TenantView = post(&op, &format!("{base}/restore"), &json!(null))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(restored.status, TenantStatus::Active);
    assert_eq!(restored.purge_at, None);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let fresh = fixtures::sign_in(&subject).await;
    assert_eq!(get(&fresh, &base).await.status(), StatusCode::OK);

    let tenant = p.tenant.id.to_string();
    eventually(
        "delete and restore audited",
        std::time::Duration::from_secs(20),
        || async {
            let actions = audit_actions(&op, &tenant).await;
            (actions.contains(&"tenant.delete".to_owned())
                && actions.contains(&"tenant.restore".to_owned()))
            .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn fr_ops_002_racing_deletes_and_restores_end_in_one_consistent_state() {
    let (p, _) = fixtures::tenant_owner().await;
    let op = operator().await;
    let base = format!("/v1/tenants/{}", p.tenant.id);
    let confirm = json!({"confirm_domain": p.tenant.domain.as_str()});

    // Four operators delete at once: one change, the rest see it done.
    let delete_path = format!("{base}/delete");
    let restore_path = format!("{base}/restore");
    let deletes = (0..4).map(|_| post(&op, &delete_path, &confirm));
    let statuses: Vec<StatusCode> = futures::future::join_all(deletes)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
    let tenant: TenantView = get(&op, &base).await.json().await.unwrap();
    assert_eq!(tenant.status, TenantStatus::PendingDeletion);
    let id = p.tenant.id.to_string();
    let count = |actions: &[String], action: &str| actions.iter().filter(|a| *a == action).count();
    eventually(
        "the deletion audited",
        std::time::Duration::from_secs(20),
        || async { (count(&audit_actions(&op, &id).await, "tenant.delete") >= 1).then_some(()) },
    )
    .await;
    // The pipeline has had time to deliver any duplicate; there is none.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(count(&audit_actions(&op, &id).await, "tenant.delete"), 1);

    // Deletes and restores at once: every answer is a success or a clean
    // conflict, and the tenant ends in one of the two states with the
    // purge date set exactly when it is pending deletion.
    let no_body = Value::Null;
    let mut racing = Vec::new();
    for i in 0..6 {
        let (path, body) = if i % 2 == 0 {
            (&restore_path, &no_body)
        } else {
            (&delete_path, &confirm)
        };
        racing.push(post(&op, path, body));
    }
    for response in futures::future::join_all(racing).await {
        assert!(
            [StatusCode::OK, StatusCode::ACCEPTED, StatusCode::CONFLICT]
                .contains(&response.status()),
            "{}",
            response.status()
        );
    }
    let tenant: TenantView = get(&op, &base).await.json().await.unwrap();
    match tenant.status {
        TenantStatus::PendingDeletion => assert!(tenant.purge_at.is_some()),
        TenantStatus::Active => assert!(tenant.purge_at.is_none()),
        other => panic!("unexpected status {other:?}"),
    }

    // Every change was one committed transition: the audit trail holds
    // alternating deletions and restores, ending in the final state.
    let extra_delete = usize::from(tenant.status == TenantStatus::PendingDeletion);
    eventually(
        "every change audited once",
        std::time::Duration::from_secs(20),
        || async {
            let actions = audit_actions(&op, &id).await;
            let (deletes, restores) = (
                count(&actions, "tenant.delete"),
                count(&actions, "tenant.restore"),
            );
            (deletes == restores + extra_delete).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn fr_ops_002_after_the_grace_period_the_purge_deletes_the_tenant_resumably_and_keeps_its_audit()
 {
    let (p, subject) = fixtures::tenant_owner().await;
    let store = cp_tests::store().await;
    let op = operator().await;
    let base = format!("/v1/tenants/{}", p.tenant.id);
    // Suspend through the API, so the tenant has an audit record to keep.
    send_json(Method::POST, &op, &format!("{base}/suspend"), &json!({})).await;
    let id = p.tenant.id.to_string();
    eventually(
        "the suspension audited",
        std::time::Duration::from_secs(20),
        || async { (!audit_actions(&op, &id).await.is_empty()).then_some(()) },
    )
    .await;

    // Deleted 31 days ago (time injected): its grace period is over, and no
    // other test's tenant is due at the purge's `now`.
    let deleted_at = Utc::now() - Duration::days(31);
    let mut tenant = store.tenant(p.tenant.id).await.unwrap().unwrap();
    tenant.request_deletion(deleted_at).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    let now = deleted_at + Duration::days(30) + Duration::seconds(1);
    let early = tenant_purge::TenantPurge::from_env(&cp_tests::function_env().await)
        .unwrap()
        .run(deleted_at + Duration::days(29))
        .await
        .unwrap();
    assert!(!early.purged.contains(&p.tenant.id) && !early.in_progress.contains(&p.tenant.id));

    // A run that stops after one page (a crash, a timeout): progress shows.
    let partial = tenant_purge::TenantPurge::from_env(&cp_tests::function_env().await)
        .unwrap()
        .with_budget(2, 1)
        .run(now)
        .await
        .unwrap();
    assert_eq!(partial.in_progress, vec![p.tenant.id]);
    let halfway: TenantView = get(&op, &base).await.json().await.unwrap();
    assert_eq!(halfway.status, TenantStatus::PendingDeletion);
    assert_eq!(halfway.purged_items, Some(2));

    // The next run finishes the job.
    let purge = tenant_purge::TenantPurge::from_env(&cp_tests::function_env().await).unwrap();
    let finished = purge.run(now).await.unwrap();
    assert_eq!(finished.purged, vec![p.tenant.id]);
    problem(get(&op, &base).await, StatusCode::GONE, "ERR-RES-410").await;
    let tombstone = store.tenant(p.tenant.id).await.unwrap().unwrap();
    assert_eq!(tombstone.status, TenantStatus::Purged);
    // The owner, the invitation, the guards: all gone; only the tombstone is left.
    let client = aws_sdk_dynamodb::Client::new(&cp_tests::sdk().await);
    let table = cp_tests::stack().resources.table.clone();
    let left = client
        .query()
        .table_name(&table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("TENANT#{}", p.tenant.id)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(left.count(), 1);
    assert_eq!(
        tombstone.purged_items, 4,
        "user, email guard, invitation, identity link"
    );
    let token_lookup = client
        .get_item()
        .table_name(&table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!(
                "INVITATION_TOKEN#{}",
                p.invitation.token_hash.to_hex()
            )),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("INVITATION_TOKEN".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(token_lookup.item().is_none());
    // The owner's identity binding, outside the partition, is gone too.
    let issuer = cp_tests::stack().customer_issuer.clone();
    assert!(
        store
            .identities(&issuer, &subject)
            .await
            .unwrap()
            .is_empty()
    );
    // Its people cannot sign in; its audit trail is kept, with the purge in it.
    fixtures::refused(fixtures::try_sign_in(&subject).await);
    eventually(
        "the purge audited",
        std::time::Duration::from_secs(20),
        || async {
            let actions = audit_actions(&op, &id).await;
            (actions.contains(&"tenant.purge".to_owned())
                && actions.contains(&"tenant.suspend".to_owned()))
            .then_some(())
        },
    )
    .await;
    // The domain is free again.
    let again = send_json(
        Method::POST,
        &op,
        "/v1/tenants",
        &json!({"name": "Again", "domain": p.tenant.domain.as_str(), "plan": "Free",
                "owner_email": format!("new@{}.example", p.tenant.domain)}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // A repeated run changes nothing.
    let repeat = purge.run(now).await.unwrap();
    assert!(!repeat.purged.contains(&p.tenant.id));
}
