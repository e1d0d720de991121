//! The key design of the single table. Every key of every item is built here
//! and nowhere else; `doc/spec/data-access.md` mirrors this file.
//!
//! | item                | PK                          | SK                      | GSI1PK / GSI1SK            | GSI2PK / GSI2SK                 |
//! |---------------------|-----------------------------|-------------------------|----------------------------|---------------------------------|
//! | tenant              | `TENANT#<id>`               | `TENANT`                | `TENANTS` / `<domain>`     | `TENANTS#<status>` / `<domain>` |
//! | domain guard        | `DOMAIN#<domain>`           | `DOMAIN`                |                            |                                 |
//! | tenant user         | `TENANT#<id>`               | `USER#<user id>`        | `TENANT#<id>#USERS` / `<email>` |                            |
//! | email guard         | `TENANT#<id>`               | `EMAIL#<email>`         |                            |                                 |
//! | invitation          | `TENANT#<id>`               | `INVITATION#<id>`       |                            |                                 |
//! | invitation token    | `INVITATION_TOKEN#<sha256>` | `INVITATION_TOKEN`      |                            |                                 |
//! | platform user       | `PLATFORM`                  | `USER#<user id>`        |                            |                                 |
//! | identity binding    | `IDENTITY#<iss>#<sub>`      | `IDENTITY`              |                            |                                 |
//! | identity link       | `TENANT#<id>`               | `IDENTITY#<iss>#<sub>`  |                            |                                 |
//! | audit record        | `AUDIT#<tenant or PLATFORM>`| `<time>#<event id>`     |                            | `AUDIT#<tenant or PLATFORM>#CHAIN` / `<seq, 20 digits>` |
//! | audit chain head    | `AUDIT#<tenant or PLATFORM>`| `CHAIN`                 | `AUDIT_CHAINS` / `<tenant or PLATFORM>` |                    |
//! | outbox event        | `OUTBOX#<event id>`         | `OUTBOX`                |                            |                                 |
//! | idempotency record  | `IDEMPOTENCY#<scope>#<key>` | `IDEMPOTENCY`           |                            |                                 |
//! | application         | `APP#<id>`                  | `APP`                   | `APPS` / `<name>#<id>`     |                                 |
//! | client secret       | `APP#<id>`                  | `SECRET#<secret id>`    |                            |                                 |
//! | rate-limit window   | `RATE#<limit>#<subject>`    | `<window start>`        |                            |                                 |

use chrono::{DateTime, SecondsFormat, Utc};
use cp_domain::{
    ApplicationId, EmailAddress, EventId, InvitationId, SecretId, TenantId, TenantStatus,
    TokenHash, UserId,
};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// The TTL attribute (epoch seconds).
pub const TTL: &str = "expires_at";

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

fn key(pk: String, sk: &str) -> Key {
    Key {
        pk,
        sk: sk.to_owned(),
    }
}

pub fn tenant(id: TenantId) -> Key {
    key(format!("TENANT#{id}"), "TENANT")
}

pub fn domain_guard(domain: &str) -> Key {
    key(format!("DOMAIN#{domain}"), "DOMAIN")
}

pub fn tenant_user(tenant: TenantId, user: UserId) -> Key {
    key(format!("TENANT#{tenant}"), &format!("USER#{user}"))
}

/// Emails are unique per tenant regardless of case.
pub fn email_guard(tenant: TenantId, email: &EmailAddress) -> Key {
    key(
        format!("TENANT#{tenant}"),
        &format!("EMAIL#{}", email.as_str().to_lowercase()),
    )
}

pub fn invitation(tenant: TenantId, invitation: InvitationId) -> Key {
    key(
        format!("TENANT#{tenant}"),
        &format!("INVITATION#{invitation}"),
    )
}

pub fn invitation_token(hash: &TokenHash) -> Key {
    key(
        format!("INVITATION_TOKEN#{}", hash.to_hex()),
        "INVITATION_TOKEN",
    )
}

pub fn platform_user(user: UserId) -> Key {
    key("PLATFORM".to_owned(), &format!("USER#{user}"))
}

/// OIDC issuer identifiers never contain `#` (no fragments allowed), so the
/// separator is unambiguous.
pub fn identity(issuer: &str, subject: &str) -> Key {
    key(format!("IDENTITY#{issuer}#{subject}"), "IDENTITY")
}

/// A tenant's record of an identity bound to one of its users, so that the
/// purge finds the binding (which lives outside the tenant's partition).
pub fn identity_link(tenant: TenantId, issuer: &str, subject: &str) -> Key {
    key(
        format!("TENANT#{tenant}"),
        &format!("IDENTITY#{issuer}#{subject}"),
    )
}

pub fn audit_partition(tenant: Option<TenantId>) -> String {
    match tenant {
        Some(t) => format!("AUDIT#{t}"),
        None => "AUDIT#PLATFORM".to_owned(),
    }
}

/// Fixed-width UTC timestamps sort as strings in time order.
pub fn sortable_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn audit_record(tenant: Option<TenantId>, time: DateTime<Utc>, event: EventId) -> Key {
    key(
        audit_partition(tenant),
        &format!("{}#{event}", sortable_time(time)),
    )
}

/// The head of a partition's audit chain; its sort key sorts after every
/// record's time, outside every time range.
pub fn audit_chain_head(tenant: Option<TenantId>) -> Key {
    key(audit_partition(tenant), "CHAIN")
}

/// GSI2: a partition's audit records in chain order.
pub fn audit_chain(tenant: Option<TenantId>) -> String {
    format!("{}#CHAIN", audit_partition(tenant))
}

/// Sequence numbers, fixed-width so that they sort as strings.
pub fn chain_position(seq: u64) -> String {
    format!("{seq:020}")
}

/// GSI1: every audit chain's head (the digest job's work list).
pub const ALL_AUDIT_CHAINS: &str = "AUDIT_CHAINS";

pub fn outbox(event: EventId) -> Key {
    key(format!("OUTBOX#{event}"), "OUTBOX")
}

pub fn idempotency(scope: &str, idempotency_key: &str) -> Key {
    key(
        format!("IDEMPOTENCY#{scope}#{idempotency_key}"),
        "IDEMPOTENCY",
    )
}

pub fn application(app: ApplicationId) -> Key {
    key(format!("APP#{app}"), "APP")
}

pub fn client_secret(app: ApplicationId, secret: SecretId) -> Key {
    key(format!("APP#{app}"), &format!("SECRET#{secret}"))
}

/// The secrets of an application share its partition under this prefix.
pub const SECRET_PREFIX: &str = "SECRET#";

/// A fixed window of a rate limit, e.g. failed token requests of one client
/// in one minute.
pub fn rate_window(limit: &str, subject: &str, window_start: i64) -> Key {
    key(format!("RATE#{limit}#{subject}"), &window_start.to_string())
}

/// GSI1: every application, ordered by name.
pub const ALL_APPLICATIONS: &str = "APPS";

/// GSI1: every tenant, ordered by domain.
pub const ALL_TENANTS: &str = "TENANTS";

/// GSI2: the tenants in one status, ordered by domain.
pub fn tenants_in_status(status: TenantStatus) -> String {
    format!("TENANTS#{}", status.as_str())
}

/// GSI1: a tenant's users, ordered by email (prefix search without a scan).
pub fn tenant_users(tenant: TenantId) -> String {
    format!("TENANT#{tenant}#USERS")
}

/// Outbox items start with this; the stream's event filter keys on it.
pub const OUTBOX_PREFIX: &str = "OUTBOX#";
