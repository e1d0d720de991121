//! UC-PROV-001 end to end: through the local gateway, with operators' and
//! auditors' tokens from the local OIDC provider.

use crate::support::fixtures;
use cp_api::{AuditRecordView, MeView, PageView, ProvisionedView, TenantView};
use cp_domain::SecretToken;
use cp_tests::{
    eventually, get, http, operator, platform_token, problem, sent_emails, store, unique, url,
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn body(domain: &str) -> Value {
    json!({
        "name": "Acme Corporation",
        "domain": domain,
        "plan": "Pro",
        "owner_email": format!("owner@{domain}.example"),
    })
}

async fn post_tenant(token: &str, body: &Value, key: Option<&str>) -> Response {
    let mut request = http()
        .post(url("/v1/tenants"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn tenants_with_domain(token: &str, domain: &str) -> Vec<TenantView> {
    let page: PageView<TenantView> = get(token, &format!("/v1/tenants?q={domain}"))
        .await
        .json()
        .await
        .unwrap();
    page.items
        .into_iter()
        .filter(|t| t.domain == domain)
        .collect()
}

async fn audit_records(token: &str, tenant: &str) -> Vec<AuditRecordView> {
    cp_tests::audit_trail(token, tenant, "").await
}

#[tokio::test]
async fn uc_prov_001_an_operator_provisions_a_tenant_its_owner_is_invited_and_the_audit_log_records_it()
 {
    let token = operator().await;
    let me: MeView = get(&token, "/v1/me").await.json().await.unwrap();
    let MeView::Platform {
        user_id: operator_id,
        ..
    } = me
    else {
        panic!("{me:?}")
    };
    let domain = unique("acme");
    let correlation = unique("corr");

    let response = http()
        .post(url("/v1/tenants"))
        .bearer_auth(&token)
        .header("x-correlation-id", &correlation)
        .json(&body(&domain))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["x-correlation-id"], correlation.as_str());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: ProvisionedView = response.json().await.unwrap();
    assert_eq!(location, format!("/v1/tenants/{}", created.tenant.id));
    assert_eq!(created.tenant.domain, domain);
    assert_eq!(created.tenant.status, cp_domain::TenantStatus::Active);
    assert_eq!(created.owner.status, cp_domain::UserStatus::Invited);
    assert_eq!(created.owner.email, format!("owner@{domain}.example"));

    // It can be read back, alone and in the list.
    let read: TenantView = get(&token, &location).await.json().await.unwrap();
    assert_eq!(read, created.tenant);
    assert_eq!(
        tenants_with_domain(&token, &domain).await,
        vec![created.tenant.clone()]
    );

    // The Owner got one email with a single-use link; the table has only the
    // token's hash.
    let emails = sent_emails(&created.owner.email).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let text = emails[0].to_string();
    let token_in_link = text
        .split("#token=")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .expect("a link with the token");
    let invitation = store()
        .await
        .invitation(created.tenant.id, created.owner.invitation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        SecretToken::from_presented(token_in_link).hash(),
        invitation.token_hash
    );

    // The audit consumer records the provisioning, with who, what and why.
    let tenant_id = created.tenant.id.to_string();
    let records = eventually("the audit record", Duration::from_secs(20), || async {
        let records = audit_records(&token, &tenant_id).await;
        (!records.is_empty()).then_some(records)
    })
    .await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.action, "tenant.create");
    assert_eq!(record.resource, format!("tenant/{tenant_id}"));
    assert_eq!(record.actor_id, operator_id.to_string());
    assert_eq!(record.actor_type, cp_domain::ActorType::Operator);
    assert_eq!(record.outcome, cp_domain::Outcome::Success);
    assert_eq!(record.correlation_id, correlation);
    assert_eq!(record.metadata["domain"], domain.as_str());
    assert!(
        record.metadata.get("owner_email").is_none(),
        "no personal data in events"
    );
}

#[tokio::test]
async fn uc_prov_001_invalid_input_is_a_400_problem_naming_every_field_and_creates_nothing() {
    let token = operator().await;
    let domain = unique("bad");
    let response = post_tenant(
        &token,
        &json!({"name": " ", "domain": format!("-{domain}"), "plan": "Gold"}),
        None,
    )
    .await;
    let p = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    let fields: Vec<&str> = p["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "domain", "plan", "owner_email"]);

    // A misspelt field is named too, not ignored.
    let mut typo = body(&domain);
    typo["onwer_email"] = typo["owner_email"].take();
    typo.as_object_mut().unwrap().remove("owner_email");
    let p = problem(
        post_tenant(&token, &typo, None).await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    assert!(
        p["invalid_params"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("onwer_email")
    );

    // A wrong type names its field.
    let mut wrong = body(&domain);
    wrong["plan"] = json!(3);
    let p = problem(
        post_tenant(&token, &wrong, None).await,
        StatusCode::BAD_REQUEST,
        "ERR-VAL-400",
    )
    .await;
    assert_eq!(p["invalid_params"][0]["name"], "plan");

    // Not JSON at all, or not declared as JSON.
    let response = http()
        .post(url("/v1/tenants"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    let response = http()
        .post(url("/v1/tenants"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(body(&domain).to_string())
        .send()
        .await
        .unwrap();
    let p = problem(response, StatusCode::BAD_REQUEST, "ERR-VAL-400").await;
    assert_eq!(p["invalid_params"][0]["name"], "content-type");

    assert!(tenants_with_domain(&token, &domain).await.is_empty());
}

#[tokio::test]
async fn uc_prov_001_a_taken_domain_is_a_409_and_the_second_owner_is_not_created() {
    let token = operator().await;
    let domain = unique("taken");
    assert_eq!(
        post_tenant(&token, &body(&domain), None).await.status(),
        StatusCode::CREATED
    );
    let mut second = body(&domain);
    second["owner_email"] = json!(format!("other@{domain}.example"));
    second["name"] = json!("Impostor");
    let p = problem(
        post_tenant(&token, &second, None).await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;
    assert_eq!(p["detail"], "a tenant with this domain already exists");
    let tenants = tenants_with_domain(&token, &domain).await;
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].name, "Acme Corporation");
    assert!(
        sent_emails(&format!("other@{domain}.example"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cc_dat_001_a_retry_with_the_same_idempotency_key_returns_the_first_response_and_creates_nothing()
 {
    let token = operator().await;
    let domain = unique("retry");
    let key = unique("key");
    let first = post_tenant(&token, &body(&domain), Some(&key)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_location = first.headers()["location"].clone();
    let first_body = first.text().await.unwrap();

    let retry = post_tenant(&token, &body(&domain), Some(&key)).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], first_location);
    assert_eq!(retry.text().await.unwrap(), first_body);

    assert_eq!(tenants_with_domain(&token, &domain).await.len(), 1);
    assert_eq!(
        sent_emails(&format!("owner@{domain}.example")).await.len(),
        1,
        "one invitation email"
    );

    // The same key for another request is refused, not replayed.
    let mut other = body(&domain);
    other["plan"] = json!("Enterprise");
    problem(
        post_tenant(&token, &other, Some(&key)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ERR-VAL-422",
    )
    .await;
    // Keys are per caller: another operator's identical key is theirs.
    let other_operator = operator().await;
    let p = problem(
        post_tenant(&other_operator, &body(&domain), Some(&key)).await,
        StatusCode::CONFLICT,
        "ERR-VAL-409",
    )
    .await;
    assert_eq!(p["detail"], "a tenant with this domain already exists");
}

#[tokio::test]
async fn cc_dat_001_racing_duplicates_with_one_key_create_one_tenant() {
    let token = operator().await;
    let domain = unique("race");
    let key = unique("key");
    let requests = (0..6).map(|_| {
        let (token, key, body) = (token.clone(), key.clone(), body(&domain));
        async move {
            let response = post_tenant(&token, &body, Some(&key)).await;
            (response.status(), response.text().await.unwrap())
        }
    });
    let results = futures::future::join_all(requests).await;
    for (status, text) in &results {
        assert_eq!(*status, StatusCode::CREATED, "{text}");
        assert_eq!(text, &results[0].1, "every racer gets the one outcome");
    }
    let tenants = tenants_with_domain(&token, &domain).await;
    assert_eq!(tenants.len(), 1);
    let tenant_id = tenants[0].id.to_string();
    eventually("the audit record", Duration::from_secs(20), || async {
        (!audit_records(&token, &tenant_id).await.is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        audit_records(&token, &tenant_id).await.len(),
        1,
        "one event"
    );
}

#[tokio::test]
async fn cc_auth_003_auditors_read_but_cannot_provision() {
    let auditor = platform_token(&unique("auditor"), &["Auditor"]).await;
    let domain = unique("audited");
    problem(
        post_tenant(&auditor, &body(&domain), None).await,
        StatusCode::FORBIDDEN,
        "ERR-AUTH-403",
    )
    .await;
    assert_eq!(get(&auditor, "/v1/tenants").await.status(), StatusCode::OK);
    assert_eq!(
        get(&auditor, "/v1/audit-records?tenant_id=platform")
            .await
            .status(),
        StatusCode::OK
    );
    assert!(tenants_with_domain(&auditor, &domain).await.is_empty());
}

#[tokio::test]
async fn tenant_lists_page_with_opaque_cursors_and_refuse_bad_parameters() {
    let token = operator().await;
    let prefix = unique("page");
    for n in 0..3 {
        let domain = format!("{prefix}-{n}");
        assert_eq!(
            post_tenant(&token, &body(&domain), None).await.status(),
            StatusCode::CREATED
        );
    }
    let mut domains = Vec::new();
    let mut next = format!("/v1/tenants?q={prefix}&limit=2&status=Active");
    loop {
        let page: PageView<TenantView> = get(&token, &next).await.json().await.unwrap();
        assert!(page.items.len() <= 2);
        domains.extend(page.items.into_iter().map(|t| t.domain));
        match page.next_cursor {
            Some(cursor) => {
                next = format!("/v1/tenants?q={prefix}&limit=2&status=Active&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(
        domains,
        (0..3).map(|n| format!("{prefix}-{n}")).collect::<Vec<_>>()
    );

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("status=Sleeping", "status"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let p = problem(
            get(&token, &format!("/v1/tenants?{query}")).await,
            StatusCode::BAD_REQUEST,
            "ERR-VAL-400",
        )
        .await;
        assert_eq!(p["invalid_params"][0]["name"], field, "{query}");
    }
}

#[tokio::test]
async fn err_res_404_an_unknown_tenant_is_a_problem_not_an_empty_body() {
    let token = operator().await;
    let unknown = uuid::Uuid::new_v4();
    problem(
        get(&token, &format!("/v1/tenants/{unknown}")).await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
    problem(
        get(&token, "/v1/tenants/not-an-id").await,
        StatusCode::NOT_FOUND,
        "ERR-RES-404",
    )
    .await;
}

#[tokio::test]
async fn err_res_410_a_purged_tenant_is_gone() {
    let token = operator().await;
    let store = store().await;
    let p = fixtures::tenant(&store).await;
    let mut tenant = p.tenant.clone();
    let long_ago = chrono::Utc::now() - chrono::Duration::days(31);
    tenant.request_deletion(long_ago).unwrap();
    tenant.purge(chrono::Utc::now()).unwrap();
    fixtures::save_tenant(&store, &tenant).await;
    problem(
        get(&token, &format!("/v1/tenants/{}", p.tenant.id)).await,
        StatusCode::GONE,
        "ERR-RES-410",
    )
    .await;
}
