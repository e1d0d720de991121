//! The key design of the single table. Every key of every item is built here
//! and nowhere else; `doc/spec/data-access.md` mirrors this file.
//!
//! | item                | PK                          | SK                      | GSI1PK / GSI1SK            | GSI2PK / GSI2SK                 |
//! |---------------------|-----------------------------|-------------------------|----------------------------|---------------------------------|
//! (GSI3 holds tenant users only: `TENANT#<id>#USERS#ROLE#<role>` / `<email>`.)
//! | tenant              | `TENANT#<id>`               | `TENANT`                | `TENANTS` / `<domain>`     | `TENANTS#<status>` / `<domain>` |
//! | domain guard        | `DOMAIN#<domain>`           | `DOMAIN`                |                            |                                 |
//! | tenant user         | `TENANT#<id>`               | `USER#<user id>`        | `TENANT#<id>#USERS` / `<email>` | `TENANT#<id>#USERS#<status>` / `<email>` |
//! | owner count         | `TENANT#<id>`               | `OWNERS`                |                            |                                 |
//! | session             | `TENANT#<id>`               | `USER#<user>#SESSION#<sid>` |                        |                                 |
//! | SSO configuration   | `TENANT#<id>`               | `SSO`                   |                            |                                 |
//! | email guard         | `TENANT#<id>`               | `EMAIL#<email>`         |                            |                                 |
//! | invitation          | `TENANT#<id>`               | `INVITATION#<id>`       | while open: `TENANT#<id>#INVITATIONS` / `<created at>#<id>` |    |
//! | invitation token    | `INVITATION_TOKEN#<sha256>` | `INVITATION_TOKEN`      |                            |                                 |
//! | platform user       | `PLATFORM`                  | `USER#<user id>`        |                            |                                 |
//! | identity binding (platform) | `IDENTITY#<iss>#<sub>` | `IDENTITY`            |                            |                                 |
//! | identity binding (member)   | `IDENTITY#<iss>#<sub>` | `IDENTITY#TENANT#<id>` |                           |                                 |
//! | identity link       | `TENANT#<id>`               | `IDENTITY#<iss>#<sub>`  |                            |                                 |
//! | audit record        | `AUDIT#<tenant or PLATFORM>`| `<time>#<event id>`     |                            | `AUDIT#<tenant or PLATFORM>#CHAIN` / `<seq, 20 digits>` |
//! | audit chain head    | `AUDIT#<tenant or PLATFORM>`| `CHAIN`                 | `AUDIT_CHAINS` / `<tenant or PLATFORM>` |                    |
//! | audit export job    | `AUDIT_EXPORT#<id>`         | `AUDIT_EXPORT`          |                            |                                 |
//! | outbox event        | `OUTBOX#<event id>`         | `OUTBOX`                |                            |                                 |
//! | idempotency record  | `IDEMPOTENCY#<scope>#<key>` | `IDEMPOTENCY`           |                            |                                 |
//! | application         | `APP#<id>`                  | `APP`                   | `APPS` / `<name>#<id>`     |                                 |
//! | client secret       | `APP#<id>`                  | `SECRET#<secret id>`    |                            |                                 |
//! | flag overrides      | `TENANT#<id>`               | `FLAGS`                 |                            |                                 |
//! | rate-limit window   | `RATE#<limit>#<subject>`    | `<window start>`        |                            |                                 |
//! | pending sign-in     | `AUTHZ#<sha256 of state>`   | `AUTHZ`                 |                            |                                 |
//! | authorization code  | `CODE#<sha256>`             | `CODE`                  |                            |                                 |
//! | refresh token       | `REFRESH#<sha256>`          | `REFRESH`               |                            |                                 |
//! | browser sign-in     | `BROWSER#<sha256 of cookie>`| `BROWSER`               |                            |                                 |
//! | billing event       | `BILLING#<dedup key>`       | `BILLING`               | `BILLING#<shard 0..3>` / `<ingested at, µs>#<dedup key>` |   |

use chrono::{DateTime, SecondsFormat, Utc};
use cp_domain::{
    ApplicationId, EmailAddress, EventId, InvitationId, Role, SecretId, SessionId, TenantId,
    TenantStatus, TokenHash, UserId, UserStatus,
};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
pub const GSI3: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";
pub const GSI3SK: &str = "GSI3SK";
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

/// A tenant's flag overrides: one item beside the tenant's, so that an
/// evaluation reads both in one round trip.
pub fn tenant_flags(id: TenantId) -> Key {
    key(format!("TENANT#{id}"), "FLAGS")
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

/// A tenant's invitations share its partition under this prefix.
pub const INVITATION_PREFIX: &str = "INVITATION#";

/// The count of a tenant's Active Owners, kept by every change that moves
/// it, so that the last one is never removed.
pub fn owner_count(tenant: TenantId) -> Key {
    key(format!("TENANT#{tenant}"), "OWNERS")
}

/// A tenant user's sign-in session: under its user's sort key, so that
/// one query finds a user and their sessions.
pub fn session(tenant: TenantId, user: UserId, session: &SessionId) -> Key {
    key(
        format!("TENANT#{tenant}"),
        &format!("{}#SESSION#{session}", tenant_user(tenant, user).sk),
    )
}

/// A tenant's own identity provider (UC-TENANT-SSO).
pub fn sso(tenant: TenantId) -> Key {
    key(format!("TENANT#{tenant}"), "SSO")
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

/// An identity's membership of one tenant: beside its other memberships
/// (one person may belong to several tenants), under the platform
/// binding's prefix, so that one `Query` finds who an identity is.
pub fn membership(issuer: &str, subject: &str, tenant: TenantId) -> Key {
    key(
        format!("IDENTITY#{issuer}#{subject}"),
        &format!("IDENTITY#TENANT#{tenant}"),
    )
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

/// An audit export job (FR-LOG-002).
pub fn audit_export(id: cp_domain::AuditExportId) -> Key {
    key(format!("AUDIT_EXPORT#{id}"), "AUDIT_EXPORT")
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

/// A sign-in waiting for the upstream directory's answer, by the hash of
/// the `state` it was sent with.
pub fn pending_sign_in(state: &TokenHash) -> Key {
    key(format!("AUTHZ#{}", state.to_hex()), "AUTHZ")
}

/// An authorization code, by its hash.
pub fn authorization_code(code: &TokenHash) -> Key {
    key(format!("CODE#{}", code.to_hex()), "CODE")
}

/// A refresh token, by its hash.
pub fn refresh_token(token: &TokenHash) -> Key {
    key(format!("REFRESH#{}", token.to_hex()), "REFRESH")
}

/// The end of a platform person's session (their sessions are otherwise
/// kept in their tokens only).
pub fn ended_platform_session(session: &SessionId) -> Key {
    key(format!("ENDED#{session}"), "ENDED")
}

/// A browser's sign-in at the control plane, by the hash of its cookie.
pub fn browser_sign_in(cookie: &TokenHash) -> Key {
    key(format!("BROWSER#{}", cookie.to_hex()), "BROWSER")
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

/// GSI1: a tenant's open invitations (sparse: only while Pending), by
/// the time they were made.
pub fn open_invitations(tenant: TenantId) -> String {
    format!("TENANT#{tenant}#INVITATIONS")
}

/// The sort key of an open invitation on GSI1.
pub fn open_invitation_order(created_at: DateTime<Utc>, invitation: InvitationId) -> String {
    format!("{}#{invitation}", sortable_time(created_at))
}

/// GSI3: a tenant's users in one role, ordered by email (the few Owners
/// of 10,000 members in one short query).
pub fn tenant_users_in_role(tenant: TenantId, role: Role) -> String {
    format!("TENANT#{tenant}#USERS#ROLE#{}", role.as_str())
}

/// GSI2: a tenant's users in one status, ordered by email.
pub fn tenant_users_in_status(tenant: TenantId, status: UserStatus) -> String {
    format!("TENANT#{tenant}#USERS#{}", status.as_str())
}

/// Outbox items start with this; the stream's event filter keys on it.
pub const OUTBOX_PREFIX: &str = "OUTBOX#";

/// Billing events are spread over this many partitions (write throughput);
/// the export merges them (doc/adr/0025-billing-export-cursor.md).
pub const BILLING_SHARDS: u8 = 4;

/// GSI1: the partition of a billing event's shard, in export order.
pub fn billing_shard(shard: u8) -> String {
    format!("BILLING#{shard}")
}

/// Which shard a billing event goes to: from its dedup key (hex SHA-256),
/// so shards fill evenly.
pub fn billing_shard_of(dedup_key: &str) -> u8 {
    let first = u8::from_str_radix(dedup_key.get(..2).unwrap_or("0"), 16).unwrap_or(0);
    first % BILLING_SHARDS
}

/// A billing event's position in the export order: its ingestion time to
/// the microsecond (fixed width, so it sorts as text), then its dedup key.
pub fn billing_position(ingested_at: DateTime<Utc>, dedup_key: &str) -> String {
    format!("{}#{dedup_key}", billing_time(ingested_at))
}

/// Fixed-width UTC time to the microsecond.
pub fn billing_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A billing event, keyed by its dedup key: (reporter, source, id) is
/// unique for the retention. Its export position is on GSI1.
pub fn billing_event(dedup_key: &str) -> Key {
    key(format!("BILLING#{dedup_key}"), "BILLING")
}
