//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the
//! control plane's `end_session_endpoint`.
//!
//! - `GET /oauth2/logout`: `id_token_hint` (an ID token of this issuer,
//!   expired or not), `client_id`, `post_logout_redirect_uri` (exactly one
//!   the client registered, else the person stays on the control plane's
//!   page: no open redirect, §3) and `state`. The browser's sign-in here is
//!   ended with its session (every grant of it refused from then on), its
//!   cookie cleared, and the person sent on to end their session at the
//!   directory they signed in at. A request that does not prove it comes
//!   from the session's own client (an `id_token_hint` naming the browser's
//!   session) is confirmed by the person first (§2: logout CSRF), with a
//!   link only this browser can make.
//! - `GET /oauth2/logged-out`: where the directory sends the person back;
//!   on to the client's post-logout URI (checked again) with its `state`.

use crate::page::{escape, is_browser, page_with, unknown_client, unusable};
use crate::{OauthAuthorize, SIGN_IN_COOKIE};
use chrono::Duration;
use cp_domain::{Error, SecretToken};
use cp_events::{Envelope, EventContext, SignedOut};
use cp_runtime::{ApiRequest, ApiResponse};
use http::{StatusCode, header};
use serde_json::Value;

/// Where the person goes once signed out: a client's registered URI.
#[derive(Debug, Default)]
struct Destination {
    client_id: String,
    uri: String,
    state: Option<String>,
}

impl Destination {
    /// As carried through the directory in its `state`.
    fn encode(&self) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", &self.client_id)
            .append_pair("uri", &self.uri);
        if let Some(state) = &self.state {
            form.append_pair("state", state);
        }
        form.finish()
    }

    fn decode(raw: &str) -> Option<Self> {
        let mut destination = Self::default();
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match name.as_ref() {
                "client_id" => destination.client_id = value.into_owned(),
                "uri" => destination.uri = value.into_owned(),
                "state" => destination.state = Some(value.into_owned()),
                _ => return None,
            }
        }
        (!destination.uri.is_empty()).then_some(destination)
    }
}

impl OauthAuthorize {
    pub(crate) async fn logout(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let query = |name: &str| request.query(name).ok().flatten();
        let hint = match query("id_token_hint") {
            None => None,
            Some(token) => match self.tokens.read_id_token_hint(token).await? {
                Some(claims) => Some(claims),
                None => {
                    return unusable(
                        request,
                        Error::invalid("id_token_hint", "is not an ID token of this issuer"),
                        "The application's sign-out request is not valid.",
                    );
                }
            },
        };
        let claim = |name: &str| {
            hint.as_ref()
                .and_then(|c| c.get(name))
                .and_then(Value::as_str)
        };
        let client_id = match (query("client_id"), claim("aud")) {
            (Some(asked), Some(hinted)) if asked != hinted => {
                return unusable(
                    request,
                    Error::invalid("client_id", "is not the ID token's audience"),
                    "The application's sign-out request is not valid.",
                );
            }
            (asked, hinted) => asked.or(hinted),
        };
        let destination = match query("post_logout_redirect_uri") {
            None => None,
            Some(uri) => match self.registered_destination(client_id, uri).await? {
                Some(uri) => Some(Destination {
                    client_id: client_id.unwrap_or_default().to_owned(),
                    uri,
                    state: query("state").map(str::to_owned),
                }),
                None => {
                    return unusable(
                        request,
                        Error::invalid(
                            "post_logout_redirect_uri",
                            "is not registered for the client",
                        ),
                        "The address the application asked to return to after sign-out is not registered for it.",
                    );
                }
            },
        };

        let Some((cookie, sign_in)) = self.browser_sign_in(request).await? else {
            // Nothing to end here.
            return finish(request, destination);
        };
        let vouched = claim("sid") == Some(sign_in.session.as_str());
        let confirmed = query("confirm") == Some(confirmation(cookie).as_str());
        if !vouched && !confirmed {
            return confirm_page(request, cookie);
        }
        let event = Envelope::new(
            &SignedOut {
                user_id: sign_in.person.user_id(),
                tenant_id: sign_in.person.tenant_id(),
                session_id: sign_in.session.to_string(),
                client_id: client_id.map(str::to_owned),
            },
            EventContext {
                actor: sign_in.person.actor(),
                ..request.event_context()
            },
        )?;
        self.admission.end(&sign_in, &event).await?;
        self.store
            .end_browser_sign_in(&SecretToken::from_presented(cookie).hash())
            .await?;
        tracing::info!(session = %sign_in.session, "signed out");
        let clear = self.cookie(SIGN_IN_COOKIE, "", "/oauth2/", Duration::zero());
        let state = destination
            .as_ref()
            .map(Destination::encode)
            .unwrap_or_default();
        let back = format!("{}/oauth2/logged-out", self.issuer);
        let upstream = self
            .directory(sign_in.upstream)
            .await?
            .end_session_url(&back, &state)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "upstream directory unavailable");
                Error::Unavailable
            })?;
        let answer = match upstream {
            Some(location) => ApiResponse::redirect(location),
            None => finish(request, destination)?,
        };
        answer.with_added_header(header::SET_COOKIE, &clear)
    }

    /// Back from the directory: on to the client, if its URI still is one
    /// it registered.
    pub(crate) async fn logged_out(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let destination = request
            .query("state")
            .ok()
            .flatten()
            .and_then(Destination::decode);
        let Some(destination) = destination else {
            return finish(request, None);
        };
        match self
            .registered_destination(Some(&destination.client_id), &destination.uri)
            .await?
        {
            Some(_) => finish(request, Some(destination)),
            None => unknown_client(request),
        }
    }

    /// `uri`, if `client_id` names a usable client that registered it.
    async fn registered_destination(
        &self,
        client_id: Option<&str>,
        uri: &str,
    ) -> Result<Option<String>, Error> {
        let Some(client_id) = client_id else {
            return Ok(None);
        };
        Ok(self
            .clients
            .find(client_id)
            .await?
            .filter(|c| c.is_usable())
            .and_then(|c| {
                c.config()
                    .post_logout_redirect_uri(uri)
                    .map(|u| u.as_str().to_owned())
            }))
    }
}

/// What only the browser holding `cookie` can put in its confirmation link.
fn confirmation(cookie: &str) -> String {
    SecretToken::from_presented(format!("logout:{cookie}"))
        .hash()
        .to_hex()
}

/// The person confirms: the same request again, with the confirmation.
fn confirm_page(request: &ApiRequest, cookie: &str) -> Result<ApiResponse, Error> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, values) in request.query_params() {
        if name != "confirm" {
            for value in values {
                query.append_pair(name, value);
            }
        }
    }
    query.append_pair("confirm", &confirmation(cookie));
    let link = escape(&format!("/oauth2/logout?{}", query.finish()));
    page_with(
        StatusCode::OK,
        "Sign out",
        &format!(
            "<p>Sign out of every application you signed in to with this browser?</p>\n<p><a href=\"{link}\">Sign out</a></p>"
        ),
    )
}

/// The client's post-logout URI with its `state`, or the control plane's
/// own page.
fn finish(request: &ApiRequest, destination: Option<Destination>) -> Result<ApiResponse, Error> {
    match destination {
        Some(d) => {
            let mut params = Vec::new();
            if let Some(state) = &d.state {
                params.push(("state", state.as_str()));
            }
            Ok(ApiResponse::redirect(
                cp_domain::oauth::authorize::redirect_with(&d.uri, &params),
            ))
        }
        None if is_browser(request) => {
            page_with(StatusCode::OK, "Signed out", "<p>You are signed out.</p>")
        }
        None => ApiResponse::ok(&serde_json::json!({ "signed_out": true })),
    }
}
