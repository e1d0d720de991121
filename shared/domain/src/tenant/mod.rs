//! Tenants and their lifecycle.
//!
//! ```text
//! Active ⇄ Suspended
//!   │         │
//!   └──► PendingDeletion ──(30 days)──► Purged
//!          │ restore (within grace)
//!          └──► the status it had before
//! ```
//! Only an Active tenant admits its users. Leaving Active moves the tenant's
//! session watermark, so tokens issued before the change stop working at once.

pub mod provisioning;
pub mod settings;
pub mod sso;

use crate::text::text_type;
use crate::{ApplicationId, Error, TenantId, TenantSettings};
use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// How long a deleted tenant can be restored (UC-OPS-TENANT-DELETE).
pub const DELETION_GRACE: Duration = Duration::days(30);

text_type!(
    /// Display name of the organisation.
    TenantName,
    "name",
    100
);

/// The tenant's unique domain identifier (e.g. `acme`): a DNS label, so it
/// can become a subdomain, lower-cased on the way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainSlug(String);

impl DomainSlug {
    /// Names the product itself needs; a tenant cannot take them.
    const RESERVED: &'static [&'static str] = &[
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "console",
        "control-plane",
        "docs",
        "login",
        "mail",
        "platform",
        "static",
        "status",
        "support",
        "www",
    ];

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let slug = raw.trim().to_ascii_lowercase();
        let invalid = |reason: &str| Err(Error::invalid("domain", reason));
        if !(3..=63).contains(&slug.len()) {
            return invalid("must be 3 to 63 characters");
        }
        if !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return invalid("may contain only letters a-z, digits and hyphens");
        }
        if slug.starts_with('-') || slug.ends_with('-') {
            return invalid("must start and end with a letter or digit");
        }
        if Self::RESERVED.contains(&slug.as_str()) {
            return invalid("is reserved");
        }
        Ok(Self(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DomainSlug {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<DomainSlug> for String {
    fn from(d: DomainSlug) -> String {
        d.0
    }
}

impl fmt::Display for DomainSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The subscription plan (Tenant.plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Plan {
    Free,
    Pro,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Enterprise];

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| Error::invalid("plan", "must be one of Free, Pro, Enterprise"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Pro => "Pro",
            Plan::Enterprise => "Enterprise",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TenantStatus {
    Active,
    Suspended,
    PendingDeletion,
    Purged,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 4] = [
        TenantStatus::Active,
        TenantStatus::Suspended,
        TenantStatus::PendingDeletion,
        TenantStatus::Purged,
    ];

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    "must be one of Active, Suspended, PendingDeletion, Purged",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "Active",
            TenantStatus::Suspended => "Suspended",
            TenantStatus::PendingDeletion => "PendingDeletion",
            TenantStatus::Purged => "Purged",
        }
    }
}

/// Whether a lifecycle command changed anything. Repeating a command that
/// already took effect is not an error (CC-DAT-001: retries are safe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantName,
    pub domain: DomainSlug,
    pub plan: Plan,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version; every write increments it.
    pub version: u64,
    /// Tokens issued before this instant are refused for every user of the
    /// tenant (the tenant-wide revocation watermark).
    pub sessions_valid_after: Option<DateTime<Utc>>,
    /// While PendingDeletion: when the purge may run.
    pub purge_at: Option<DateTime<Utc>>,
    /// While PendingDeletion: the status a restore returns to.
    pub status_before_deletion: Option<TenantStatus>,
    /// The managed applications this tenant uses; only these may act for it.
    pub applications: BTreeSet<ApplicationId>,
    /// Why an operator suspended the tenant, while it is suspended.
    pub suspension_reason: Option<String>,
    /// How many of its items the purge has deleted so far (its progress).
    pub purged_items: u64,
    /// Invitation lifetime and password policy, set by its administrators.
    pub settings: TenantSettings,
}

impl Tenant {
    /// A new, Active tenant.
    pub fn new(
        id: TenantId,
        name: TenantName,
        domain: DomainSlug,
        plan: Plan,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            name,
            domain,
            plan,
            status: TenantStatus::Active,
            created_at: now,
            updated_at: now,
            version: 1,
            sessions_valid_after: None,
            purge_at: None,
            status_before_deletion: None,
            applications: BTreeSet::new(),
            suspension_reason: None,
            purged_items: 0,
            settings: TenantSettings::default(),
        }
    }

    /// Whether `app` may act for this tenant now: it must be enabled here,
    /// and the tenant Active. The refusal says why; the application is
    /// entitled to know its tenant's state.
    pub fn admit_application(&self, app: ApplicationId) -> Result<(), Error> {
        if !self.applications.contains(&app) {
            return Err(Error::Refused(
                "the application is not enabled for this tenant".into(),
            ));
        }
        match self.status {
            TenantStatus::Active => Ok(()),
            TenantStatus::Suspended => Err(Error::Refused("the tenant is suspended".into())),
            TenantStatus::PendingDeletion => {
                Err(Error::Refused("the tenant is being deleted".into()))
            }
            TenantStatus::Purged => Err(Error::Gone),
        }
    }

    /// Enables or disables an application for the tenant (UC-PROV-001
    /// steps 3 and 6); returns whether anything changed.
    pub fn set_application(
        &mut self,
        app: ApplicationId,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Transition, Error> {
        if self.status == TenantStatus::Purged {
            return Err(Error::Gone);
        }
        let changed = if enabled {
            self.applications.insert(app)
        } else {
            self.applications.remove(&app)
        };
        Ok(if changed {
            self.touched(now)
        } else {
            Transition::Unchanged
        })
    }

    /// Only an Active tenant's users may act (UC-TENANT-SUSPEND).
    pub fn admits_users(&self) -> bool {
        self.status == TenantStatus::Active
    }

    /// Active → Suspended. All users are denied from now on.
    pub fn suspend(
        &mut self,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Transition, Error> {
        match self.status {
            TenantStatus::Active => {
                self.status = TenantStatus::Suspended;
                self.suspension_reason = reason;
                self.revoke_sessions(now);
                Ok(self.touched(now))
            }
            TenantStatus::Suspended => Ok(Transition::Unchanged),
            TenantStatus::PendingDeletion => Err(Error::Conflict(
                "tenant is pending deletion; restore it first".into(),
            )),
            TenantStatus::Purged => Err(Error::Gone),
        }
    }

    /// Suspended → Active.
    pub fn resume(&mut self, now: DateTime<Utc>) -> Result<Transition, Error> {
        match self.status {
            TenantStatus::Suspended => {
                self.status = TenantStatus::Active;
                self.suspension_reason = None;
                Ok(self.touched(now))
            }
            TenantStatus::Active => Ok(Transition::Unchanged),
            TenantStatus::PendingDeletion => Err(Error::Conflict(
                "tenant is pending deletion; restore it first".into(),
            )),
            TenantStatus::Purged => Err(Error::Gone),
        }
    }

    /// Active or Suspended → PendingDeletion, purgeable after the grace period.
    pub fn request_deletion(&mut self, now: DateTime<Utc>) -> Result<Transition, Error> {
        match self.status {
            TenantStatus::Active | TenantStatus::Suspended => {
                self.status_before_deletion = Some(self.status);
                self.status = TenantStatus::PendingDeletion;
                self.purge_at = Some(now + DELETION_GRACE);
                self.revoke_sessions(now);
                Ok(self.touched(now))
            }
            TenantStatus::PendingDeletion => Ok(Transition::Unchanged),
            TenantStatus::Purged => Err(Error::Gone),
        }
    }

    /// PendingDeletion → the status before, while the grace period lasts.
    pub fn restore(&mut self, now: DateTime<Utc>) -> Result<Transition, Error> {
        match self.status {
            TenantStatus::PendingDeletion => {
                if self.purge_at.is_some_and(|at| now >= at) {
                    return Err(Error::BusinessRule(
                        "the grace period for restoring this tenant has ended".into(),
                    ));
                }
                self.status = self
                    .status_before_deletion
                    .take()
                    .unwrap_or(TenantStatus::Active);
                self.purge_at = None;
                Ok(self.touched(now))
            }
            TenantStatus::Active | TenantStatus::Suspended => Ok(Transition::Unchanged),
            TenantStatus::Purged => Err(Error::Gone),
        }
    }

    /// PendingDeletion → Purged, once the grace period is over.
    pub fn purge(&mut self, now: DateTime<Utc>) -> Result<Transition, Error> {
        match self.status {
            TenantStatus::PendingDeletion => match self.purge_at {
                Some(at) if now >= at => {
                    self.status = TenantStatus::Purged;
                    self.status_before_deletion = None;
                    self.purge_at = None;
                    Ok(self.touched(now))
                }
                _ => Err(Error::BusinessRule(
                    "the tenant's grace period has not ended".into(),
                )),
            },
            TenantStatus::Purged => Ok(Transition::Unchanged),
            TenantStatus::Active | TenantStatus::Suspended => Err(Error::Conflict(
                "only a tenant pending deletion can be purged".into(),
            )),
        }
    }

    /// FR-TENANT-003: the Owner changes the plan. Returns the plan before.
    pub fn change_plan(
        &mut self,
        plan: Plan,
        now: DateTime<Utc>,
    ) -> Result<(Plan, Transition), Error> {
        if !self.admits_users() {
            return Err(Error::BusinessRule("the tenant is not active".into()));
        }
        let before = self.plan;
        if before == plan {
            return Ok((before, Transition::Unchanged));
        }
        self.plan = plan;
        Ok((before, self.touched(now)))
    }

    /// FR-AUTH-006, FR-TENANT-001: new settings. Returns those before.
    pub fn change_settings(
        &mut self,
        settings: TenantSettings,
        now: DateTime<Utc>,
    ) -> (TenantSettings, Transition) {
        let before = self.settings;
        if before == settings {
            return (before, Transition::Unchanged);
        }
        self.settings = settings;
        (before, self.touched(now))
    }

    /// Ends every session of every user of the tenant.
    pub fn revoke_sessions(&mut self, now: DateTime<Utc>) {
        self.sessions_valid_after = Some(watermark(now));
    }

    fn touched(&mut self, now: DateTime<Utc>) -> Transition {
        self.updated_at = now;
        Transition::Changed
    }
}

/// The revocation watermark for a revocation at `now`.
///
/// Token `iat` claims are whole seconds, so the watermark is the next whole
/// second: every token issued up to and including the second of the
/// revocation is refused. A person who signs in again within that same second
/// is refused once and succeeds a second later.
pub fn watermark(now: DateTime<Utc>) -> DateTime<Utc> {
    let second = TimeDelta::seconds(1);
    now.duration_trunc(second).unwrap_or(now) + second
}

/// Whether a token issued at `issued_at` is still valid under `watermark`.
pub fn issued_after(issued_at: DateTime<Utc>, watermark: Option<DateTime<Utc>>) -> bool {
    watermark.is_none_or(|w| issued_at >= w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap()
    }

    fn tenant() -> Tenant {
        Tenant::new(
            TenantId::random(),
            TenantName::parse("Acme Corp").unwrap(),
            DomainSlug::parse("acme").unwrap(),
            Plan::Pro,
            t0(),
        )
    }

    #[test]
    fn uc_prov_001_domain_slug_is_a_lowercased_dns_label() {
        assert_eq!(DomainSlug::parse("  Acme-42 ").unwrap().as_str(), "acme-42");
        for bad in [
            "ab",
            "-acme",
            "acme-",
            "ac me",
            "acme.io",
            "äcme",
            "www",
            &"a".repeat(64),
        ] {
            let err = DomainSlug::parse(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(f) if f[0].field == "domain"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn uc_prov_001_tenant_name_and_plan_are_validated() {
        assert_eq!(TenantName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(TenantName::parse("   ").is_err());
        assert!(TenantName::parse(&"x".repeat(101)).is_err());
        assert!(TenantName::parse("a\u{0}b").is_err());
        assert_eq!(Plan::parse("Enterprise").unwrap(), Plan::Enterprise);
        assert!(Plan::parse("enterprise").is_err());
        assert!(Plan::parse("Gold").is_err());
    }

    #[test]
    fn fr_ops_001_suspension_denies_users_and_moves_the_watermark() {
        let mut t = tenant();
        assert!(t.admits_users());
        let now = t0() + Duration::milliseconds(1500);
        assert_eq!(t.suspend(None, now).unwrap(), Transition::Changed);
        assert!(!t.admits_users());
        let mark = t.sessions_valid_after.unwrap();
        assert_eq!(mark, t0() + Duration::seconds(2));
        // A token issued in the second of the suspension is refused.
        assert!(!issued_after(t0() + Duration::seconds(1), Some(mark)));
        assert!(issued_after(t0() + Duration::seconds(2), Some(mark)));
        // Repeating is harmless; resuming admits users again.
        assert_eq!(t.suspend(None, now).unwrap(), Transition::Unchanged);
        assert_eq!(t.resume(now).unwrap(), Transition::Changed);
        assert!(t.admits_users());
    }

    #[test]
    fn fr_ops_002_deletion_has_a_thirty_day_grace_and_restores_the_previous_status() {
        let mut t = tenant();
        t.suspend(None, t0()).unwrap();
        t.request_deletion(t0()).unwrap();
        assert_eq!(t.status, TenantStatus::PendingDeletion);
        assert_eq!(t.purge_at, Some(t0() + Duration::days(30)));
        assert!(!t.admits_users());
        // Too early to purge.
        assert!(matches!(
            t.purge(t0() + Duration::days(29)),
            Err(Error::BusinessRule(_))
        ));
        // Restore within grace goes back to Suspended, not Active.
        t.restore(t0() + Duration::days(29)).unwrap();
        assert_eq!(t.status, TenantStatus::Suspended);
        assert_eq!(t.purge_at, None);
    }

    #[test]
    fn fr_ops_002_after_the_grace_period_restore_is_refused_and_purge_is_final() {
        let mut t = tenant();
        t.request_deletion(t0()).unwrap();
        let later = t0() + Duration::days(30);
        assert!(matches!(t.restore(later), Err(Error::BusinessRule(_))));
        assert_eq!(t.purge(later).unwrap(), Transition::Changed);
        assert_eq!(t.status, TenantStatus::Purged);
        assert_eq!(t.restore(later), Err(Error::Gone));
        assert_eq!(t.suspend(None, later), Err(Error::Gone));
        assert_eq!(t.purge(later).unwrap(), Transition::Unchanged);
    }

    #[test]
    fn fr_sys_001_an_application_acts_only_for_active_tenants_that_enabled_it() {
        let mut t = tenant();
        let app = ApplicationId::random();
        assert!(matches!(t.admit_application(app), Err(Error::Refused(_))));
        assert_eq!(t.set_application(app, true, t0()), Ok(Transition::Changed));
        assert_eq!(
            t.set_application(app, true, t0()),
            Ok(Transition::Unchanged)
        );
        assert_eq!(t.admit_application(app), Ok(()));
        assert!(matches!(
            t.admit_application(ApplicationId::random()),
            Err(Error::Refused(_))
        ));
        t.suspend(Some("unpaid".into()), t0()).unwrap();
        assert_eq!(t.suspension_reason.as_deref(), Some("unpaid"));
        assert_eq!(
            t.admit_application(app),
            Err(Error::Refused("the tenant is suspended".into()))
        );
        t.resume(t0()).unwrap();
        assert_eq!(t.suspension_reason, None);
        t.request_deletion(t0()).unwrap();
        assert!(matches!(t.admit_application(app), Err(Error::Refused(_))));
        t.purge(t0() + DELETION_GRACE).unwrap();
        assert_eq!(t.admit_application(app), Err(Error::Gone));
        assert_eq!(t.set_application(app, false, t0()), Err(Error::Gone));
    }

    #[derive(Debug, Clone, Copy)]
    enum Command {
        Suspend,
        Resume,
        Delete,
        Restore,
        Purge,
    }

    fn command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Suspend),
            Just(Command::Resume),
            Just(Command::Delete),
            Just(Command::Restore),
            Just(Command::Purge),
        ]
    }

    proptest! {
        /// Whatever operators do, in whatever order and timing, the lifecycle
        /// keeps its invariants.
        #[test]
        fn tenant_lifecycle_invariants_hold_for_any_command_sequence(
            steps in proptest::collection::vec((command(), 0i64..40), 0..40)
        ) {
            let mut t = tenant();
            let mut now = t0();
            for (cmd, days) in steps {
                now += Duration::days(days);
                let before = t.clone();
                let result = match cmd {
                    Command::Suspend => t.suspend(None, now),
                    Command::Resume => t.resume(now),
                    Command::Delete => t.request_deletion(now),
                    Command::Restore => t.restore(now),
                    Command::Purge => t.purge(now),
                };
                match result {
                    // A refused or no-op command changes nothing.
                    Err(_) | Ok(Transition::Unchanged) => prop_assert_eq!(&t, &before),
                    Ok(Transition::Changed) => prop_assert_eq!(t.updated_at, now),
                }
                // Purged is terminal.
                if before.status == TenantStatus::Purged {
                    prop_assert_eq!(t.status, TenantStatus::Purged);
                }
                // Grace bookkeeping exists exactly while pending deletion.
                let pending = t.status == TenantStatus::PendingDeletion;
                prop_assert_eq!(t.purge_at.is_some(), pending);
                prop_assert_eq!(t.status_before_deletion.is_some(), pending);
                // Never purged before its grace period ended.
                if t.status == TenantStatus::Purged && before.status != TenantStatus::Purged {
                    prop_assert!(now >= before.purge_at.unwrap());
                }
                // Users are admitted exactly when Active.
                prop_assert_eq!(t.admits_users(), t.status == TenantStatus::Active);
            }
        }
    }
}
