//! A browser, scripted: it signs a person in through the control plane's
//! OpenID Provider the way a person's browser does, page by page, with the
//! local directories (oidc-provider-mock) playing Entra ID. The tests drive
//! it, step by step where they attack a step; `cp-local token` drives it
//! whole.
//!
//! It follows no redirect by itself (each step is looked at), and keeps the
//! cookies the control plane sets, as a browser would, sending them back to
//! the control plane only.

use crate::tokens::TokenError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{StatusCode, Url, header};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

fn err(e: impl std::fmt::Display) -> TokenError {
    TokenError(e.to_string())
}

/// A PKCE pair (RFC 7636): the client keeps the verifier, sends the
/// challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// What the scripted browser says it is (recorded with the sessions it
/// starts, as a person's browser's is).
pub const USER_AGENT: &str = "Mozilla/5.0 (cp-local scripted browser)";

#[derive(Debug, Clone)]
pub struct Browser {
    http: reqwest::Client,
    /// The control plane's origin: only its cookies are kept.
    origin: String,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    /// A browser with no cookies, for the control plane at `gateway_url`.
    pub fn new(gateway_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            origin: gateway_url.trim_end_matches('/').to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    /// `GET url`, sending and keeping the control plane's cookies.
    pub async fn get(&mut self, url: &str) -> Result<reqwest::Response, TokenError> {
        // What a browser asks for when it navigates.
        let mut request = self
            .http
            .get(url)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8");
        let ours = url.starts_with(&format!("{}/", self.origin));
        if ours && !self.cookies.is_empty() {
            let header = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(header::COOKIE, header);
        }
        let response = request.send().await.map_err(err)?;
        if ours {
            self.keep_cookies(&response);
        }
        Ok(response)
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for set in response.headers().get_all(header::SET_COOKIE) {
            let Ok(set) = set.to_str() else { continue };
            let mut parts = set.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
                continue;
            };
            let expired = parts.any(|p| p.trim().eq_ignore_ascii_case("max-age=0"));
            if expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// At the local directory whose authorization page is `location`: the
    /// person `subject` (with `claims` in their ID token) signs in; returns
    /// where the directory sends the browser back to.
    pub async fn sign_in_at_directory(
        &mut self,
        location: &str,
        subject: &str,
        claims: &Map<String, Value>,
    ) -> Result<String, TokenError> {
        let url = Url::parse(location).map_err(err)?;
        let issuer = url.origin().ascii_serialization();
        let stored = self
            .http
            .put(format!("{issuer}/users/{subject}"))
            .json(claims)
            .send()
            .await
            .map_err(err)?;
        if !stored.status().is_success() {
            return Err(err(format!("storing claims: {}", stored.status())));
        }
        let answered = self
            .http
            .post(location)
            .form(&[("sub", subject)])
            .send()
            .await
            .map_err(err)?;
        location_of(&answered)
    }

    /// At the local directory whose end-session page is `location`: the
    /// person confirms; returns where the directory sends the browser back
    /// to (its post-logout redirect URI with `state`, as it composes it).
    pub async fn end_session_at_directory(&mut self, location: &str) -> Result<String, TokenError> {
        let url = Url::parse(location).map_err(err)?;
        let mut back = query_param(&url, "post_logout_redirect_uri")
            .map(|b| Url::parse(&b))
            .transpose()
            .map_err(err)?
            .ok_or_else(|| err("no post_logout_redirect_uri"))?;
        if let Some(state) = query_param(&url, "state") {
            back.query_pairs_mut().append_pair("state", &state);
        }
        let confirm = format!(
            "{}/oauth2/end_session/confirm",
            url.origin().ascii_serialization()
        );
        let answered = self
            .http
            .post(confirm)
            .form(&[("redirect_uri", back.as_str())])
            .send()
            .await
            .map_err(err)?;
        location_of(&answered)
    }

    /// The whole logout: from the client's end-session request to the
    /// answer the browser ends at (a redirect to the client's post-logout
    /// URI, or a page), confirming at the directory on the way.
    pub async fn logout(&mut self, end_session_url: &str) -> Result<reqwest::Response, TokenError> {
        let response = self.get(end_session_url).await?;
        // A directory that will send the browser back to the control plane.
        let directory = location_of(&response).ok().filter(|next| {
            Url::parse(next).is_ok_and(|url| {
                query_param(&url, "post_logout_redirect_uri")
                    .is_some_and(|back| back.starts_with(&format!("{}/", self.origin)))
            })
        });
        match directory {
            Some(next) => {
                let back = self.end_session_at_directory(&next).await?;
                self.get(&back).await
            }
            None => Ok(response),
        }
    }

    /// The whole sign-in: from the client's authorization request to the
    /// client's redirect URI with its code (or its error), the person
    /// signing in at the directory the control plane sends them to.
    pub async fn authorize(
        &mut self,
        authorization_url: &str,
        subject: &str,
        claims: &Map<String, Value>,
    ) -> Result<Url, TokenError> {
        let first = self.get(authorization_url).await?;
        let mut next = location_of(&first)?;
        if !next.starts_with(&self.origin) {
            let back = self.sign_in_at_directory(&next, subject, claims).await?;
            let callback = self.get(&back).await?;
            next = location_of(&callback)?;
        }
        Url::parse(&next).map_err(err)
    }
}

/// Where a redirect goes.
pub fn location_of(response: &reqwest::Response) -> Result<String, TokenError> {
    if response.status() != StatusCode::FOUND && response.status() != StatusCode::SEE_OTHER {
        return Err(err(format!(
            "expected a redirect, got {}",
            response.status()
        )));
    }
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| err("a redirect without a location"))
}

/// A query parameter of a URL.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
