//! People's grants (doc/adr/0042): the authorization code (RFC 6749
//! §4.1.3, bound by PKCE, RFC 7636 §4.6) and the refresh token (§6),
//! rotated at every use.
//!
//! Both answer an ID token and an access token for the sign-in they come
//! from, and a new refresh token when the grant includes `offline_access`.
//! A code or a refresh token presented a second time by its client ends
//! the sign-in's session (RFC 6749 §10.5, RFC 9700 §4.14.2): someone else
//! may hold it. Every answer first checks that the sign-in still stands
//! (session, member, tenant, application), as the API would.

use crate::OauthToken;
use crate::error::OAuthError;
use cp_auth::Client;
use cp_domain::oauth::grant::REFRESH_LIFETIME;
use cp_domain::oauth::{Grant, GrantError, PeopleScope, RefreshGrant, SignIn};
use cp_domain::{Actor, Error, SecretToken};
use cp_events::{Envelope, EventContext, GrantRefused};
use cp_runtime::{ApiRequest, ApiResponse, HttpFunction};
use cp_tokens::people::Grant as Issued;
use http::header;
use std::collections::{BTreeSet, HashMap};

type Answer = Result<Result<ApiResponse, OAuthError>, Error>;

impl OauthToken {
    pub(crate) async fn authorization_code(
        &self,
        request: &ApiRequest,
        form: &HashMap<String, String>,
        client: &Client,
    ) -> Answer {
        let Some(code) = form.get("code") else {
            return Ok(Err(OAuthError::invalid_request("code is required")));
        };
        let taken = self
            .store
            .redeem_code(
                &SecretToken::from_presented(code.as_str()).hash(),
                request.now,
            )
            .await?;
        let field = |name: &str| form.get(name).map(String::as_str);
        let grant = match taken.redeem(
            &client.id(),
            field("redirect_uri"),
            field("code_verifier"),
            request.now,
        ) {
            Ok(grant) => grant,
            Err(refusal) => {
                return self
                    .refuse(request, client, Grant::AuthorizationCode, refusal)
                    .await;
            }
        };
        self.admission.note_client(&grant.sign_in, client).await?;
        self.answer(
            request,
            client,
            &grant.sign_in,
            &grant.scopes,
            grant.nonce.as_deref(),
        )
        .await
    }

    pub(crate) async fn refresh_token(
        &self,
        request: &ApiRequest,
        form: &HashMap<String, String>,
        client: &Client,
    ) -> Answer {
        let Some(token) = form.get("refresh_token") else {
            return Ok(Err(OAuthError::invalid_request(
                "refresh_token is required",
            )));
        };
        let asked = match form.get("scope") {
            None => None,
            Some(raw) => {
                let parsed: Option<BTreeSet<PeopleScope>> =
                    raw.split_whitespace().map(PeopleScope::parse).collect();
                match parsed {
                    Some(scopes) => Some(scopes),
                    None => {
                        return Ok(Err(OAuthError::new(
                            http::StatusCode::BAD_REQUEST,
                            "invalid_scope",
                            "unknown scope",
                        )));
                    }
                }
            }
        };
        let taken = self
            .store
            .spend_refresh_token(
                &SecretToken::from_presented(token.as_str()).hash(),
                request.now,
            )
            .await?;
        let next = match taken.redeem(&client.id(), asked.as_ref(), request.now) {
            Ok(next) => next,
            Err(refusal) => {
                return self
                    .refuse(request, client, Grant::RefreshToken, refusal)
                    .await;
            }
        };
        self.answer(request, client, &next.sign_in, &next.scopes, None)
            .await
    }

    /// `invalid_grant`; a replay ends the session first.
    /// `invalid_grant`, counted. A real grant misused is recorded in its
    /// person's trail; a replay also ends the session. Unknown grants are
    /// only counted: anyone can make those up.
    async fn refuse(
        &self,
        request: &ApiRequest,
        client: &Client,
        grant: Grant,
        refusal: GrantError,
    ) -> Answer {
        cp_runtime::metrics::record_auth_failure(<Self as HttpFunction>::NAME, request.now);
        let (sign_in, replayed) = match refusal {
            GrantError::InvalidGrant => return Ok(Err(OAuthError::invalid_grant())),
            GrantError::Misused(sign_in) => (sign_in, false),
            GrantError::Replayed(sign_in) => (sign_in, true),
        };
        let event = Envelope::new(
            &GrantRefused {
                user_id: sign_in.person.user_id(),
                tenant_id: sign_in.person.tenant_id(),
                session_id: sign_in.session.to_string(),
                client_id: client.id(),
                grant_type: grant.as_str().to_owned(),
                replayed,
            },
            EventContext {
                actor: Actor::system(&format!("client/{}", client.id())),
                ..request.event_context()
            },
        )?;
        if replayed {
            tracing::warn!(session = %sign_in.session, "a used grant was presented again: session ended");
            self.admission.end(&sign_in, &event).await?;
        } else {
            tracing::warn!(session = %sign_in.session, "a grant was presented wrongly");
            self.admission.record(&event).await?;
        }
        Ok(Err(OAuthError::invalid_grant()))
    }

    /// The tokens of `sign_in` for `client`, if it still stands.
    async fn answer(
        &self,
        request: &ApiRequest,
        client: &Client,
        sign_in: &SignIn,
        scopes: &BTreeSet<PeopleScope>,
        nonce: Option<&str>,
    ) -> Answer {
        if !self.admission.stands(sign_in, client).await? {
            return Ok(Err(OAuthError::invalid_grant()));
        }
        let client_id = client.id();
        let audience = client.audience(&self.api_audience);
        let mut tokens = self
            .issuer
            .people_tokens(
                &Issued {
                    sign_in,
                    client_id: &client_id,
                    audience: &audience,
                    scopes,
                    nonce,
                },
                request.now,
            )
            .await?;
        if scopes.contains(&PeopleScope::OfflineAccess)
            && client.config().allows(Grant::RefreshToken)
        {
            let token = SecretToken::generate()?;
            let grant = RefreshGrant {
                client_id: client_id.clone(),
                scopes: scopes.clone(),
                sign_in: sign_in.clone(),
                expires_at: request.now + REFRESH_LIFETIME,
            };
            self.store
                .insert_refresh_token(&token.hash(), &grant)
                .await?;
            tokens.refresh_token = Some(token.expose().to_owned());
        }
        tracing::info!(client_id = %client_id, session = %sign_in.session, "people's tokens issued");
        Ok(Ok(
            ApiResponse::ok(&tokens)?.with_header(header::PRAGMA, "no-cache")?
        ))
    }
}
