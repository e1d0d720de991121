//! The feature flag catalog as a function reads it (ADR 0032).
//!
//! The catalog is AWS AppConfig freeform configuration, published with a
//! deployment. A function reads it from the AppConfig Lambda extension's
//! local HTTP endpoint
//! (`http://localhost:2772/applications/{app}/environments/{env}/configurations/{profile}`),
//! which polls AppConfig's data plane in the background; the local stack
//! serves the same contract from the emulator's hosted versions. The URL is
//! the function's `FLAG_CATALOG_URL`, so the code is the same in both.
//!
//! On top of that, the parsed catalog stays in memory between invocations:
//! a request never waits for it once it is loaded. When it is older than
//! [`REFRESH`], the request that notices starts one background refresh and
//! is answered from the copy it has (stale while revalidating). A version
//! that fails to load or to parse is logged and never used; the last good
//! one stays.

use cp_domain::{Catalog, Error};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How old the catalog in memory may get before it is refreshed; also how
/// long an application may cache an evaluation (`Cache-Control`).
pub const REFRESH: Duration = Duration::from_secs(30);

/// The header with which the AppConfig extension names the version served.
pub const VERSION_HEADER: &str = "configuration-version";

/// A loaded catalog and the version it came from.
#[derive(Debug)]
pub struct Published {
    pub catalog: Catalog,
    /// The AppConfig configuration version (or, if the source names none, a
    /// digest of the content).
    pub version: String,
}

/// Where a function gets the catalog; build one per process.
#[derive(Debug)]
pub struct CatalogSource {
    url: String,
    http: reqwest::Client,
    refresh: Duration,
    /// The catalog in memory, and when its source was last asked.
    current: RwLock<Option<(Arc<Published>, Instant)>>,
    refreshing: AtomicBool,
}

impl CatalogSource {
    pub fn new(url: impl Into<String>) -> Arc<Self> {
        Self::with_refresh(url, REFRESH)
    }

    pub fn with_refresh(url: impl Into<String>, refresh: Duration) -> Arc<Self> {
        Arc::new(Self {
            url: url.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(3))
                .build()
                .unwrap_or_default(),
            refresh,
            current: RwLock::new(None),
            refreshing: AtomicBool::new(false),
        })
    }

    /// The catalog: the one in memory, refreshed in the background when old;
    /// loaded now only on the first call (ERR-SYS-503 if that fails).
    pub async fn current(self: &Arc<Self>) -> Result<Arc<Published>, Error> {
        let held = self.current.read().ok().and_then(|c| c.clone());
        match held {
            Some((published, checked_at)) => {
                if checked_at.elapsed() >= self.refresh
                    && !self.refreshing.swap(true, Ordering::AcqRel)
                {
                    let source = Arc::clone(self);
                    tokio::spawn(async move {
                        source.reload().await.ok();
                        source.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(published)
            }
            None => self.reload().await,
        }
    }

    /// Fetches and parses the catalog; keeps it if good, else keeps the
    /// one it has (asking again after the refresh interval).
    async fn reload(&self) -> Result<Arc<Published>, Error> {
        let fetched = self.fetch().await;
        let Ok(mut current) = self.current.write() else {
            return Err(Error::Internal);
        };
        match (fetched, current.as_mut()) {
            (Ok(published), _) => {
                let published = Arc::new(published);
                *current = Some((Arc::clone(&published), Instant::now()));
                Ok(published)
            }
            (Err(reason), Some((published, checked_at))) => {
                tracing::error!(%reason, "a new flag catalog could not be loaded; the last good one stays");
                *checked_at = Instant::now();
                Ok(Arc::clone(published))
            }
            (Err(reason), None) => {
                tracing::error!(%reason, "the flag catalog could not be loaded");
                Err(Error::Unavailable)
            }
        }
    }

    async fn fetch(&self) -> Result<Published, String> {
        let response = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("the catalog source answered {}", response.status()));
        }
        let named = response
            .headers()
            .get(VERSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let catalog = Catalog::parse(&body)?;
        let version = named.unwrap_or_else(|| hex::encode(&Sha256::digest(&body)[..8]));
        Ok(Published { catalog, version })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::routing::get;
    use std::sync::atomic::AtomicU32;

    fn catalog(default: bool) -> String {
        serde_json::json!({"flags": {"beta": {"type": "boolean", "description": "",
            "defaults": {"Free": default, "Pro": default, "Enterprise": default}}}})
        .to_string()
    }

    /// Serves versions 1, 2, ... of the catalog, each request the next one;
    /// even versions are broken.
    async fn source() -> (String, Arc<AtomicU32>) {
        let served = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&served);
        let app = axum::Router::new().route(
            "/catalog",
            get(move || {
                let version = counter.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    let body = if version.is_multiple_of(2) {
                        "{broken".to_owned()
                    } else {
                        catalog(version > 1)
                    };
                    ([(VERSION_HEADER, version.to_string())], body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/catalog", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        (url, served)
    }

    #[tokio::test]
    async fn the_catalog_is_served_from_memory_and_refreshed_in_the_background_keeping_the_last_good_one()
     {
        let (url, served) = source().await;
        let source = CatalogSource::with_refresh(url, Duration::from_millis(50));
        let first = source.current().await.unwrap();
        assert_eq!(first.version, "1");
        // Fresh: no request.
        assert_eq!(source.current().await.unwrap().version, "1");
        assert_eq!(served.load(Ordering::SeqCst), 1);
        // Stale: answered at once from memory, refreshed behind; version 2
        // is broken and never used.
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(source.current().await.unwrap().version, "1");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(served.load(Ordering::SeqCst), 2);
        assert_eq!(source.current().await.unwrap().version, "1");
        // The next refresh brings version 3.
        tokio::time::sleep(Duration::from_millis(60)).await;
        source.current().await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let third = source.current().await.unwrap();
        assert_eq!(third.version, "3");
        assert_eq!(third.catalog.flags.len(), 1);
    }

    #[tokio::test]
    async fn without_any_catalog_a_request_is_told_to_retry() {
        let source = CatalogSource::new("http://127.0.0.1:9/nothing-listens-here");
        assert_eq!(source.current().await.unwrap_err(), Error::Unavailable);
    }
}
