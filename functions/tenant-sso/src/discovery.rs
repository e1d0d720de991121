//! Fetching a tenant's OIDC discovery document without becoming a proxy
//! into our own network (SSRF).
//!
//! The issuer is the caller's text, so every request it causes goes through
//! the egress guard ([`cp_egress`]): `https` only; the host's addresses are
//! resolved first and every one must be public; the connection is pinned to
//! the addresses checked; no proxy; a short timeout. Here: redirects are
//! followed by hand, at most three, each hop through the guard again; one
//! deadline for all of it; and a cap on the response size. See
//! doc/adr/0015-sso-configuration.md.

use cp_domain::Error;
use cp_egress::{EgressError, EgressGuard};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

const TIMEOUT: Duration = Duration::from_secs(5);
/// The whole discovery, redirects included (the function has 15 s).
const DEADLINE: Duration = Duration::from_secs(8);
const MAX_REDIRECTS: usize = 3;
/// Discovery documents are a few kilobytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
const MAX_ISSUER_CHARS: usize = 2048;

/// Why an issuer was refused: said to the Owner as the `issuer` field's
/// reason (ERR-VAL-400).
fn refused(reason: impl Into<String>) -> Error {
    Error::invalid("issuer", reason)
}

/// An issuer as the Owner typed it, checked for shape: an absolute `https`
/// URL without credentials, query or fragment.
pub fn parse_issuer(raw: &str) -> Result<Url, Error> {
    let url = parse_url(raw)?;
    if url.scheme() != "https" {
        return Err(refused("must use https"));
    }
    Ok(url)
}

fn parse_url(raw: &str) -> Result<Url, Error> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_ISSUER_CHARS {
        return Err(refused("must be an https URL of at most 2048 characters"));
    }
    let url = Url::parse(raw).map_err(|_| refused("is not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(refused("must use https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refused(
            "must not have a query or a fragment (OpenID Connect Discovery 1.0)",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refused("has no host"));
    }
    Ok(url)
}

/// The parts of a discovery document the control plane relies on.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// Fetches through the egress guard ([`EgressGuard`]), whose trusted
/// origins skip the address checks: the local stack's own identity
/// provider, never set in a deployed environment.
#[derive(Debug, Clone, Default)]
pub struct Fetcher {
    guard: EgressGuard,
}

impl Fetcher {
    pub fn new(guard: EgressGuard) -> Self {
        Self { guard }
    }

    /// The issuer, checked for shape (a trusted origin may be plain http).
    pub fn issuer(&self, raw: &str) -> Result<Url, Error> {
        let url = parse_url(raw)?;
        if self.guard.is_trusted(&url) {
            return Ok(url);
        }
        parse_issuer(raw)
    }

    /// A client for one hop, `target`, checked by the guard. The issuer
    /// itself was checked for https already, so a URL that is not is a
    /// redirect's.
    async fn client_for(&self, target: &Url) -> Result<reqwest::Client, Error> {
        self.guard
            .client_for(target, TIMEOUT)
            .await
            .map_err(|e| match e {
                EgressError::NotHttps => refused("redirects to a URL that is not https"),
                EgressError::Client(_) => Error::Internal,
                refusal => refused(refusal.reason()),
            })
    }

    /// The discovery document of `issuer`, validated: it names the same
    /// issuer and https endpoints. All of it, every lookup and hop, within
    /// one deadline well inside the function's own timeout, so that a slow
    /// issuer is a reason given to the Owner, not a gateway error.
    pub async fn discover(&self, issuer: &Url) -> Result<Discovery, Error> {
        tokio::time::timeout(DEADLINE, self.follow(issuer))
            .await
            .map_err(|_| refused("did not answer in time"))?
    }

    async fn follow(&self, issuer: &Url) -> Result<Discovery, Error> {
        let mut target = Url::parse(&format!(
            "{}/.well-known/openid-configuration",
            issuer.as_str().trim_end_matches('/')
        ))
        .map_err(|_| refused("is not a URL"))?;
        for _ in 0..=MAX_REDIRECTS {
            let mut response = self
                .client_for(&target)
                .await?
                .get(target.clone())
                .header(http::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| {
                    refused(if e.is_timeout() {
                        "did not answer in time"
                    } else {
                        "could not be reached"
                    })
                })?;
            if response.status().is_redirection() {
                let location = response
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| refused("redirects without a location"))?;
                target = target
                    .join(location)
                    .map_err(|_| refused("redirects to a bad URL"))?;
                continue;
            }
            if !response.status().is_success() {
                return Err(refused(format!(
                    "its discovery document answered HTTP {}",
                    response.status().as_u16()
                )));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|_| refused("its discovery document could not be read"))?
            {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_DOCUMENT_BYTES {
                    return Err(refused("its discovery document is too large"));
                }
            }
            return validate(issuer, &body);
        }
        Err(refused("redirects too often"))
    }
}

/// OpenID Connect Discovery 1.0 §4.3: the document's `issuer` is exactly
/// the issuer asked for; its endpoints are https.
fn validate(issuer: &Url, body: &[u8]) -> Result<Discovery, Error> {
    let document: Discovery = serde_json::from_slice(body)
        .map_err(|_| refused("its discovery document is not an OpenID Connect configuration"))?;
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    if !same(&document.issuer, issuer.as_str()) {
        return Err(refused("its discovery document names another issuer"));
    }
    for endpoint in [
        &document.authorization_endpoint,
        &document.token_endpoint,
        &document.jwks_uri,
    ] {
        let url = Url::parse(endpoint)
            .map_err(|_| refused("its discovery document has an endpoint that is not a URL"))?;
        if url.scheme() != "https" && url.origin() != issuer.origin() {
            return Err(refused(
                "its discovery document has an endpoint that is not https",
            ));
        }
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uc_tenant_sso_issuers_must_be_plain_https_urls() {
        assert!(parse_issuer("https://login.microsoftonline.com/tid/v2.0").is_ok());
        for bad in [
            "http://login.example.com",
            "https://user:pw@login.example.com",
            "https://login.example.com/?x=1",
            "https://login.example.com/#f",
            "file:///etc/passwd",
            "gopher://login.example.com",
            "not a url",
            "",
        ] {
            assert!(parse_issuer(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn uc_tenant_sso_issuers_at_internal_addresses_are_refused_before_any_request() {
        let fetcher = Fetcher::default();
        for issuer in [
            "https://127.0.0.1",
            "https://169.254.169.254/latest",
            "https://[::1]:8443",
            "https://10.0.0.8",
            "https://localhost",
        ] {
            let url = parse_issuer(issuer).unwrap();
            let err = fetcher.discover(&url).await.unwrap_err();
            let Error::InvalidInput(fields) = err else {
                panic!("{issuer}: {err:?}")
            };
            assert_eq!(fields[0].field, "issuer");
            assert!(
                fields[0].reason.contains("internal") || fields[0].reason.contains("resolve"),
                "{issuer}: {}",
                fields[0].reason
            );
        }
    }

    /// A server on loopback (trusted, like the local identity provider)
    /// that answers every request with a redirect to `location`.
    async fn redirecting_to(location: &'static str) -> String {
        slowly_redirecting_to(location, Duration::ZERO).await
    }

    /// The same, answering each request only after `delay`.
    async fn slowly_redirecting_to(location: &'static str, delay: Duration) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 2048];
                let _ = socket.read(&mut request).await;
                tokio::time::sleep(delay).await;
                let response = format!(
                    "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        origin
    }

    #[tokio::test]
    async fn uc_tenant_sso_every_redirect_hop_is_checked_like_the_first_url() {
        for (location, reason) in [
            (
                "http://login.example.com/.well-known/openid-configuration",
                "not https",
            ),
            ("https://169.254.169.254/latest/meta-data", "internal"),
            ("https://127.0.0.1:1/x", "internal"),
        ] {
            let origin = redirecting_to(location).await;
            let fetcher = Fetcher::new(EgressGuard::new([&origin]));
            let issuer = fetcher.issuer(&origin).unwrap();
            let Err(Error::InvalidInput(fields)) = fetcher.discover(&issuer).await else {
                panic!("{location}: followed")
            };
            assert!(
                fields[0].reason.contains(reason),
                "{location}: {}",
                fields[0].reason
            );
        }
        // A redirect loop ends.
        let origin = redirecting_to("/again").await;
        let fetcher = Fetcher::new(EgressGuard::new([&origin]));
        let issuer = fetcher.issuer(&origin).unwrap();
        let Err(Error::InvalidInput(fields)) = fetcher.discover(&issuer).await else {
            panic!("looped")
        };
        assert!(
            fields[0].reason.contains("too often"),
            "{}",
            fields[0].reason
        );
    }

    /// Each hop within its own timeout, but all of them past the one
    /// deadline: refused with the reason, before the function's timeout.
    #[tokio::test]
    async fn uc_tenant_sso_a_slow_chain_of_redirects_ends_at_one_deadline() {
        let origin = slowly_redirecting_to("/again", Duration::from_secs(3)).await;
        let fetcher = Fetcher::new(EgressGuard::new([&origin]));
        let issuer = fetcher.issuer(&origin).unwrap();
        let started = std::time::Instant::now();
        let Err(Error::InvalidInput(fields)) = fetcher.discover(&issuer).await else {
            panic!("followed")
        };
        assert!(fields[0].reason.contains("in time"), "{}", fields[0].reason);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn uc_tenant_sso_a_discovery_document_must_name_the_same_issuer() {
        let issuer = parse_issuer("https://idp.example.com/t").unwrap();
        let good = br#"{"issuer":"https://idp.example.com/t","authorization_endpoint":"https://idp.example.com/a","token_endpoint":"https://idp.example.com/t/token","jwks_uri":"https://idp.example.com/keys"}"#;
        assert!(validate(&issuer, good).is_ok());
        let other = br#"{"issuer":"https://evil.example.com","authorization_endpoint":"https://idp.example.com/a","token_endpoint":"https://idp.example.com/t","jwks_uri":"https://idp.example.com/k"}"#;
        assert!(validate(&issuer, other).is_err());
        assert!(validate(&issuer, b"<html>").is_err());
    }
}
