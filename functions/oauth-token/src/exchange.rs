//! Token exchange (RFC 8693): a managed application's service that already
//! holds a token the workforce or the customers' directory issued to the
//! control plane (an ID token, or an access token for the control plane,
//! `aud` = its client id there) exchanges it for the control plane's own
//! access token for itself (doc/adr/0042).
//!
//! The client must be confidential and registered for the grant. The
//! subject token is verified with the keys of the directory it names
//! (`iss`; anything else is `invalid_grant`), and the person it is about is
//! admitted exactly as at a sign-in: a member of a tenant that uses the
//! application. What comes back is an RFC 9068 access token only (no
//! refresh token, no ID token), in a session of the control plane's that
//! every exchange of the same directory session shares, so that ending it
//! (or the member's access) refuses them all. Impersonation only: no
//! `actor_token` (delegation), and no audience but the client itself.

use crate::OauthToken;
use crate::error::OAuthError;
use cp_auth::upstream::claimed_issuer;
use cp_auth::{Admitted, Client};
use cp_domain::oauth::{PeopleScope, Person, SignIn};
use cp_domain::{Error, Session, SessionId, SessionOrigin, TenantId};
use cp_runtime::{ApiRequest, ApiResponse, HttpFunction};
use cp_tokens::people::{Grant, PEOPLE_TOKEN_LIFETIME};
use http::{StatusCode, header};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

type Answer = Result<Result<ApiResponse, OAuthError>, Error>;

/// The token types a subject token may be (RFC 8693 §3): all JWTs here.
const SUBJECT_TOKEN_TYPES: [&str; 3] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
    "urn:ietf:params:oauth:token-type:access_token",
];
/// What is issued.
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

impl OauthToken {
    pub(crate) async fn token_exchange(
        &self,
        request: &ApiRequest,
        form: &HashMap<String, String>,
        client: &Client,
    ) -> Answer {
        let field = |name: &str| form.get(name).map(String::as_str);
        let Some(subject_token) = field("subject_token") else {
            return Ok(Err(OAuthError::invalid_request(
                "subject_token is required",
            )));
        };
        if !field("subject_token_type").is_some_and(|t| SUBJECT_TOKEN_TYPES.contains(&t)) {
            return Ok(Err(OAuthError::invalid_request(
                "subject_token_type must be a JWT, ID token or access token type",
            )));
        }
        if field("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
            return Ok(Err(OAuthError::invalid_request(
                "only an access token can be requested",
            )));
        }
        if field("actor_token").is_some() {
            return Ok(Err(OAuthError::invalid_request(
                "delegation (actor_token) is not supported",
            )));
        }
        let client_id = client.id();
        if field("audience").is_some_and(|a| a != client_id) || field("resource").is_some() {
            return Ok(Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "the token can only be for the client itself",
            )));
        }
        let scopes: BTreeSet<PeopleScope> = match field("scope") {
            None => BTreeSet::from([PeopleScope::Openid]),
            Some(raw) => match raw.split_whitespace().map(PeopleScope::parse).collect() {
                Some(scopes) if !scopes_ask_for_a_refresh_token(&scopes) => scopes,
                _ => {
                    return Ok(Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "scopes: openid, profile, email (no offline_access)",
                    )));
                }
            },
        };

        let directory = claimed_issuer(subject_token)
            .and_then(|issuer| self.directories.iter().find(|(_, d)| d.issuer() == issuer));
        let Some((upstream, directory)) = directory else {
            return Ok(Err(
                self.subject_refused(request, "issued by no directory of ours")
            ));
        };
        let identity = match directory.verify_subject_token(subject_token).await {
            Ok(identity) => identity,
            Err(e) => {
                tracing::warn!(error = %e, upstream = upstream.as_str(), "subject token refused");
                return Ok(Err(self.subject_refused(request, "not valid")));
            }
        };
        // A person in several tenants that use the client: it names one.
        let tenant = match field("tenant").map(str::parse::<TenantId>) {
            None => None,
            Some(Ok(tenant)) => Some(tenant),
            Some(Err(_)) => {
                return Ok(Err(OAuthError::invalid_request(
                    "tenant must be a tenant id",
                )));
            }
        };
        let person = match self
            .admission
            .admit(&identity, *upstream, client, tenant)
            .await?
        {
            Admitted::Person(person) => person,
            Admitted::Choice(_) => {
                return Ok(Err(OAuthError::invalid_request(
                    "the person is a member of several organisations that use this client: name one with tenant",
                )));
            }
            Admitted::Nobody => {
                return Ok(Err(
                    self.subject_refused(request, "of nobody this client may serve")
                ));
            }
        };
        let sign_in = SignIn {
            session: SessionId::exchanged(
                &identity.issuer,
                identity.session.as_deref(),
                &identity.subject,
                identity.issued_at,
            ),
            upstream: *upstream,
            auth_time: chrono::DateTime::from_timestamp(identity.auth_time, 0)
                .unwrap_or(request.now),
            amr: identity.amr.clone(),
            email: identity.verified_email.clone(),
            name: identity.name.clone(),
            person,
        };
        if let Person::Member {
            user_id, tenant_id, ..
        } = &sign_in.person
        {
            // Once per directory session; a later exchange finds it there.
            let session = Session::started(
                *tenant_id,
                *user_id,
                sign_in.session.clone(),
                SessionOrigin::new(request.source_ip(), None),
                request.now,
            );
            self.store.record_session(&session).await?;
            self.store
                .add_session_client(*tenant_id, *user_id, &sign_in.session, &client_id)
                .await?;
        }
        if !self.admission.stands(&sign_in, client).await? {
            return Ok(Err(OAuthError::invalid_grant()));
        }
        let audience = client.audience(&self.api_audience);
        let access_token = self
            .issuer
            .people_access_token(
                &Grant {
                    sign_in: &sign_in,
                    client_id: &client_id,
                    audience: &audience,
                    scopes: &scopes,
                    nonce: None,
                },
                request.now,
            )
            .await?;
        tracing::info!(client_id = %client_id, session = %sign_in.session, "token exchanged");
        Ok(Ok(ApiResponse::ok(&json!({
            "access_token": access_token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": PEOPLE_TOKEN_LIFETIME.num_seconds(),
            "scope": PeopleScope::join(&scopes),
        }))?
        .with_header(header::PRAGMA, "no-cache")?))
    }

    /// `invalid_grant` for a subject token that gives nothing, counted.
    fn subject_refused(&self, request: &ApiRequest, why: &str) -> OAuthError {
        tracing::info!(why, "token exchange refused");
        cp_runtime::metrics::record_auth_failure(<Self as HttpFunction>::NAME, request.now);
        OAuthError::invalid_grant()
    }
}

/// Exchanged tokens are not refreshed: the service exchanges again.
fn scopes_ask_for_a_refresh_token(scopes: &BTreeSet<PeopleScope>) -> bool {
    scopes.contains(&PeopleScope::OfflineAccess)
}
