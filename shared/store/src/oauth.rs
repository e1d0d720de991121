//! The oauth room: what the authorization server keeps.
//!
//! - Fixed-window counters for rate limits that must hold across every
//!   Lambda instance (e.g. failed token requests per client): one item per
//!   subject and window, incremented atomically, removed by TTL.
//! - One-time grants, each under the hash of the secret that names it
//!   (never the secret): sign-ins waiting for an upstream directory,
//!   authorization codes, refresh tokens. Taking one marks it used in the
//!   same `UpdateItem` that reads it, so of racing uses exactly one is
//!   first, and a second use is told apart from an unknown one.
//! - Browsers' sign-ins, by the hash of their cookie.
//! - The ends of platform people's sessions (members' sessions are
//!   recorded where their sessions are listed).

use crate::Store;
use crate::attributes::Keys;
use crate::error::{corrupt, sdk};
use crate::keys::{self, Key, PK, SK};
use crate::read::parse;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use cp_domain::oauth::{CodeGrant, PendingSignIn, RefreshGrant, SignIn, Taken};
use cp_domain::{Error, SessionId, TokenHash};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

/// A grant as stored: its meaning as JSON text (it is the control plane's
/// own, read back whole), whether it was used, and its TTL.
#[derive(Debug, Serialize, Deserialize)]
struct GrantItem {
    #[serde(flatten)]
    keys: Keys,
    entity: String,
    grant: String,
    #[serde(default)]
    used: bool,
    expires_at: i64,
}

impl GrantItem {
    fn new<T: Serialize>(
        key: Key,
        entity: &str,
        grant: &T,
        expires_at: DateTime<Utc>,
    ) -> Result<Self, Error> {
        Ok(Self {
            keys: key.into(),
            entity: entity.to_owned(),
            grant: serde_json::to_string(grant).map_err(|e| corrupt(ENTITY_GRANT, e))?,
            used: false,
            expires_at: expires_at.timestamp(),
        })
    }

    fn read<T: DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_str(&self.grant).map_err(|e| corrupt(ENTITY_GRANT, e))
    }
}

const ENTITY_GRANT: &str = "oauth grant";

/// The end of a platform person's session.
#[derive(Debug, Serialize, Deserialize)]
struct EndedItem {
    #[serde(flatten)]
    keys: Keys,
    entity: String,
    expires_at: i64,
}

const ENTITY_ENDED: &str = "ended platform session";

impl Store {
    async fn put_grant(&self, item: &GrantItem) -> Result<(), Error> {
        let item = crate::attributes::to_item("oauth grant", item)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| sdk("PutItem", &e))?;
        Ok(())
    }

    /// Marks the grant under `key` used, atomically, and answers what it
    /// was: one call of many racing ones sees it unused.
    async fn take<T: DeserializeOwned>(
        &self,
        key: Key,
        now: DateTime<Utc>,
    ) -> Result<Taken<T>, Error> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(key.pk))
            .key(SK, AttributeValue::S(key.sk))
            .update_expression("SET used = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let old = match output {
            Ok(output) => output.attributes,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                return Ok(Taken::Nothing);
            }
            Err(e) => return Err(sdk("UpdateItem", &e)),
        };
        let Some(old) = old else {
            return Ok(Taken::Nothing);
        };
        let item: GrantItem = parse(ENTITY_GRANT, old)?;
        // DynamoDB removes expired items within days, not at once.
        if item.expires_at <= now.timestamp() {
            return Ok(Taken::Nothing);
        }
        let used = item.used;
        let grant = item.read()?;
        Ok(if used {
            Taken::Again(grant)
        } else {
            Taken::First(grant)
        })
    }

    /// A sign-in sent upstream, under the hash of its `state`.
    pub async fn start_sign_in(
        &self,
        state: &TokenHash,
        pending: &PendingSignIn,
    ) -> Result<(), Error> {
        let item = GrantItem::new(
            keys::pending_sign_in(state),
            "PendingSignIn",
            pending,
            pending.expires_at,
        )?;
        self.put_grant(&item).await
    }

    /// The sign-in `state` names, once: a second answer with the same
    /// `state` finds it taken.
    pub async fn take_sign_in(
        &self,
        state: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Taken<PendingSignIn>, Error> {
        self.take(keys::pending_sign_in(state), now).await
    }

    pub async fn insert_code(&self, code: &TokenHash, grant: &CodeGrant) -> Result<(), Error> {
        let item = GrantItem::new(
            keys::authorization_code(code),
            "AuthorizationCode",
            grant,
            grant.expires_at,
        )?;
        self.put_grant(&item).await
    }

    /// The code's grant, marked redeemed by this call; `Again` if it was
    /// redeemed before.
    pub async fn redeem_code(
        &self,
        code: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Taken<CodeGrant>, Error> {
        self.take(keys::authorization_code(code), now).await
    }

    pub async fn insert_refresh_token(
        &self,
        token: &TokenHash,
        grant: &RefreshGrant,
    ) -> Result<(), Error> {
        let item = GrantItem::new(
            keys::refresh_token(token),
            "RefreshToken",
            grant,
            grant.expires_at,
        )?;
        self.put_grant(&item).await
    }

    /// The refresh token's grant, spent by this call (rotation): `Again`
    /// if it was spent before, a replay.
    pub async fn spend_refresh_token(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Taken<RefreshGrant>, Error> {
        self.take(keys::refresh_token(token), now).await
    }

    /// The refresh token's grant, if it is neither spent nor expired,
    /// without spending it (introspection).
    pub async fn refresh_grant(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<RefreshGrant>, Error> {
        let item: Option<GrantItem> = self
            .get_one(&keys::refresh_token(token), ENTITY_GRANT, |i| i)
            .await?;
        item.filter(|i| !i.used && i.expires_at > now.timestamp())
            .map(GrantItem::read)
            .transpose()
    }

    /// Deletes a refresh token (revocation, RFC 7009): presented later, it
    /// is unknown, not a replay.
    pub async fn revoke_refresh_token(&self, token: &TokenHash) -> Result<(), Error> {
        self.delete(keys::refresh_token(token)).await
    }

    /// A browser's sign-in, under the hash of its cookie.
    pub async fn put_browser_sign_in(
        &self,
        cookie: &TokenHash,
        sign_in: &SignIn,
        expires_at: DateTime<Utc>,
    ) -> Result<(), Error> {
        let item = GrantItem::new(
            keys::browser_sign_in(cookie),
            "BrowserSignIn",
            sign_in,
            expires_at,
        )?;
        self.put_grant(&item).await
    }

    /// The sign-in a browser's cookie stands for, unless it expired.
    pub async fn browser_sign_in(
        &self,
        cookie: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<SignIn>, Error> {
        let item: Option<GrantItem> = self
            .get_one(&keys::browser_sign_in(cookie), ENTITY_GRANT, |i| i)
            .await?;
        item.filter(|i| i.expires_at > now.timestamp())
            .map(GrantItem::read)
            .transpose()
    }

    /// Records that a platform person's session ended (logout, a replayed
    /// grant), kept `until` the last grant of it would have expired.
    pub async fn end_platform_session(
        &self,
        session: &SessionId,
        until: DateTime<Utc>,
    ) -> Result<(), Error> {
        let item = EndedItem {
            keys: keys::ended_platform_session(session).into(),
            entity: "EndedPlatformSession".into(),
            expires_at: until.timestamp(),
        };
        let item = crate::attributes::to_item(ENTITY_ENDED, &item)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk("PutItem", &e))?;
        Ok(())
    }

    /// Whether a platform person's session was ended.
    pub async fn platform_session_ended(&self, session: &SessionId) -> Result<bool, Error> {
        let item: Option<EndedItem> = self
            .get_one(&keys::ended_platform_session(session), ENTITY_ENDED, |i| i)
            .await?;
        Ok(item.is_some())
    }

    /// Forgets a browser's sign-in (logout).
    pub async fn end_browser_sign_in(&self, cookie: &TokenHash) -> Result<(), Error> {
        self.delete(keys::browser_sign_in(cookie)).await
    }

    async fn delete(&self, key: Key) -> Result<(), Error> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(key.pk))
            .key(SK, AttributeValue::S(key.sk))
            .send()
            .await
            .map_err(|e| sdk("DeleteItem", &e))?;
        Ok(())
    }
}
