//! `Idempotency-Key` (CC-DAT-001): a client may retry a write safely.
//!
//! The routes that honour the key say so ([`crate::route::Route`]); the
//! HTTP adapter reads and checks it, and refuses it on every other route.
//!
//! The outcome of a request is stored in the same transaction as its
//! effects, keyed by the caller, the function and the key. A retry, or a
//! duplicate racing the original, fails that transaction's condition and gets
//! the stored outcome back instead; nothing is created twice. The same key
//! with a different request is refused (ERR-VAL-422). Outcomes are kept for
//! 24 hours.

use crate::{ApiRequest, ApiResponse};
use chrono::{DateTime, Duration, Utc};
use cp_domain::{Error, Principal};
use cp_store::{Committed, IdempotencyRecord, Store, WriteSet};
use http::Method;
use http::StatusCode;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "idempotency-key";
const RETENTION: Duration = Duration::hours(24);

/// The idempotency key of one request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    scope: String,
    key: String,
    request_hash: String,
}

impl Idempotency {
    /// A request's key, checked: 1 to 255 visible ASCII characters. Its
    /// scope is the caller and the function; its fingerprint the method,
    /// path and body.
    pub fn new(
        function: &str,
        caller: &Principal,
        key: &str,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<Self, Error> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        let mut hash = Sha256::new();
        hash.update(method.as_str());
        hash.update([0]);
        hash.update(path);
        hash.update([0]);
        hash.update(body);
        Ok(Self {
            scope: format!("{function}:{}", caller.id()),
            key: key.to_owned(),
            request_hash: hex::encode(hash.finalize()),
        })
    }

    fn record(&self, response: &ApiResponse, now: DateTime<Utc>) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status: response.status.as_u16(),
            body: response.body.clone(),
            location: response.location.clone(),
            created_at: now,
            expires_at: (now + RETENTION).timestamp(),
        }
    }

    fn replay(&self, record: IdempotencyRecord) -> Result<ApiResponse, Error> {
        if record.request_hash != self.request_hash {
            return Err(Error::BusinessRule(
                "this Idempotency-Key was used for a different request".into(),
            ));
        }
        Ok(ApiResponse {
            status: StatusCode::from_u16(record.status).map_err(|_| Error::Internal)?,
            body: record.body,
            location: record.location,
            replayed: true,
            headers: http::HeaderMap::new(),
        })
    }
}

/// Commits `writes` and answers `response`; with an idempotency key, stores
/// `response` with the writes, and answers a repeated request with the
/// response stored by the first.
pub async fn commit(
    store: &Store,
    mut writes: WriteSet,
    idempotency: Option<&Idempotency>,
    response: ApiResponse,
    now: DateTime<Utc>,
) -> Result<ApiResponse, Error> {
    if let Some(idempotency) = idempotency {
        writes.idempotency(&idempotency.record(&response, now), now)?;
    }
    match store.commit(writes).await? {
        Committed::Applied => Ok(response),
        Committed::Replayed(record) => match idempotency {
            Some(idempotency) => idempotency.replay(record),
            None => Err(Error::Internal),
        },
    }
}

impl ApiRequest {
    /// Commits `writes` and answers `response`, under the request's
    /// `Idempotency-Key` when its route honours one: a repeated request is
    /// answered with the first one's response, and nothing is written
    /// twice.
    pub async fn commit(
        &self,
        store: &Store,
        writes: WriteSet,
        response: ApiResponse,
    ) -> Result<ApiResponse, Error> {
        commit(store, writes, self.idempotency(), response, self.now).await
    }
}
