//! The oauth room: what the token endpoint keeps.
//!
//! Fixed-window counters for rate limits that must hold across every Lambda
//! instance (e.g. failed token requests per client): one item per subject
//! and window, incremented atomically, removed by TTL.

use crate::Store;
use crate::error::sdk;
use crate::keys::{self, PK, SK};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use cp_domain::Error;

/// One limit: at most `max` events per `window_s` seconds per subject.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub name: &'static str,
    pub max: u32,
    pub window_s: i64,
}

impl RateLimit {
    fn window_start(&self, now: DateTime<Utc>) -> i64 {
        now.timestamp() - now.timestamp().rem_euclid(self.window_s)
    }

    /// Seconds until the current window ends.
    pub fn retry_after(&self, now: DateTime<Utc>) -> u32 {
        u32::try_from(self.window_start(now) + self.window_s - now.timestamp())
            .unwrap_or(1)
            .max(1)
    }
}

impl Store {
    /// How many events `subject` has had in the current window.
    pub async fn rate_count(
        &self,
        limit: &RateLimit,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, Error> {
        let key = keys::rate_window(limit.name, subject, limit.window_start(now));
        let item = self.get_item(&key, true).await?;
        Ok(item
            .as_ref()
            .and_then(|i| i.get("count"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }

    /// Counts one event for `subject`; returns the window's new count.
    pub async fn rate_increment(
        &self,
        limit: &RateLimit,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, Error> {
        let start = limit.window_start(now);
        let key = keys::rate_window(limit.name, subject, start);
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(key.pk))
            .key(SK, AttributeValue::S(key.sk))
            .update_expression("ADD #count :one SET expires_at = :expires")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((start + limit.window_s * 2).to_string()),
            )
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| sdk("UpdateItem", &e))?;
        Ok(output
            .attributes
            .as_ref()
            .and_then(|a| a.get("count"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1))
    }
}
