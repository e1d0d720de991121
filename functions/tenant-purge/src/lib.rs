//! FR-OPS-002, after the grace period: every run (on a schedule) purges the
//! tenants whose `purge_at` has passed.
//!
//! For each, it deletes the tenant's items page by page (users,
//! invitations and their token lookups, email guards, and whatever else the
//! tenant's partition holds: sessions, flags, SSO configuration, its data
//! key), counting them on the tenant item so progress is visible; then it
//! releases the domain and marks the tenant Purged with `tenant.purged`, in
//! one transaction. The tenant item stays as a tombstone (ERR-RES-410).
//! Audit records are kept for their retention (ADR 0012).
//!
//! Every step is idempotent: a run that stops halfway (timeout, crash,
//! throttling) loses nothing, and the next run finishes the job. A run does
//! at most `max_steps` pages, so it always ends within its Lambda timeout.

use chrono::{DateTime, Utc};
use cp_domain::{Actor, Error, Tenant, TenantId};
use cp_events::{EventContext, TenantPurged};
use cp_runtime::{ConfigError, FunctionEnv};
use cp_store::{Decision, Store};
use serde::Serialize;

/// Items deleted per step (four BatchWriteItem calls).
const STEP_ITEMS: u16 = 100;
/// Steps per run: 10,000 items, well inside the function's timeout.
const MAX_STEPS: u32 = 100;

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Tenants whose purge finished in this run.
    pub purged: Vec<TenantId>,
    /// Tenants still being purged (the next run goes on).
    pub in_progress: Vec<TenantId>,
    pub items_deleted: u64,
}

#[derive(Debug)]
pub struct TenantPurge {
    store: Store,
    step_items: u16,
    max_steps: u32,
}

impl TenantPurge {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            step_items: STEP_ITEMS,
            max_steps: MAX_STEPS,
        })
    }

    /// A purge that stops after `max_steps` pages of `step_items` (tests use
    /// it to stop a run halfway, as a crash or a timeout would).
    pub fn with_budget(mut self, step_items: u16, max_steps: u32) -> Self {
        self.step_items = step_items;
        self.max_steps = max_steps;
        self
    }

    /// Purges what is due at `now`.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<PurgeReport, Error> {
        let mut report = PurgeReport::default();
        let mut steps = 0;
        for tenant in self.store.tenants_due_for_purge(now).await? {
            let mut finished = false;
            while steps < self.max_steps {
                steps += 1;
                let deleted = self.store.purge_step(tenant.id, self.step_items).await?;
                if deleted == 0 {
                    finished = true;
                    break;
                }
                self.store.add_purge_progress(tenant.id, deleted).await?;
                report.items_deleted += deleted;
            }
            if !finished {
                tracing::info!(tenant_id = %tenant.id, "purge continues in the next run");
                report.in_progress.push(tenant.id);
                break;
            }
            self.finish(&tenant, now).await?;
            report.purged.push(tenant.id);
        }
        Ok(report)
    }

    /// Releases the domain and records the tenant as Purged, with its event.
    async fn finish(&self, tenant: &Tenant, now: DateTime<Utc>) -> Result<(), Error> {
        self.store.release_domain(tenant.domain.as_str()).await?;
        let context = EventContext {
            time: now,
            actor: Actor::system("tenant-purge"),
            correlation_id: format!("purge-{}", tenant.id),
        };
        let purged = self
            .store
            .update(tenant.id, |t: &mut Tenant| {
                let transition = t.purge(now)?;
                let payload = TenantPurged {
                    tenant_id: t.id,
                    items_deleted: t.purged_items,
                };
                Decision::of(transition, &payload, &context)
            })
            .await?;
        tracing::info!(tenant_id = %purged.id, items = purged.purged_items, "tenant purged");
        Ok(())
    }
}
