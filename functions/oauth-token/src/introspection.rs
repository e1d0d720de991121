//! What a client may ask about its own tokens: introspection (RFC 7662)
//! and revocation (RFC 7009).
//!
//! Both need the client to authenticate; introspection only a confidential
//! one (§2.1: the endpoint must not become a token-scanning oracle for
//! anyone holding a public client id). A client learns about its own tokens
//! only: one issued to it or for it (`client_id` or `aud`); any other
//! token, like an unknown, forged, expired or spent one, is `active: false`
//! (§2.2), with nothing else said.
//!
//! A person's token is active only while its sign-in stands, as the token
//! endpoint decides at every refresh (session, member, role, tenant,
//! application), so an application asking learns at once what the control
//! plane decided. An application's own token is active while the
//! application is and the secret it was exchanged for is.
//!
//! Revocation ends refresh tokens. Access tokens are self-contained and
//! live at most 10 minutes; they end with their session, not one by one
//! (`unsupported_token_type`, §2.2.1; doc/adr/0042).

use crate::error::OAuthError;
use crate::{OauthToken, client_auth::Authenticated};
use chrono::{DateTime, Utc};
use cp_domain::oauth::PeopleScope;
use cp_domain::{ApplicationId, Error, SecretId, SecretToken};
use cp_runtime::{ApiRequest, ApiResponse};
use cp_tokens::people::PeopleAccess;
use http::{StatusCode, header};
use serde_json::{Map, Value, json};

type Answer = Result<Result<ApiResponse, OAuthError>, Error>;

impl OauthToken {
    pub(crate) async fn introspect(&self, request: &ApiRequest) -> Answer {
        let (form, caller) = match self.authenticated(request).await? {
            Ok(asked) => asked,
            Err(e) => return Ok(Err(e)),
        };
        if caller.secret.is_none() {
            return Ok(Err(OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "introspection is for confidential clients",
            )));
        }
        let Some(token) = form.get("token") else {
            return Ok(Err(OAuthError::invalid_request("token is required")));
        };
        let found = match self.own_access_token(token).await? {
            Some(claims) => self.access_token_status(claims, &caller, request).await?,
            None => self.refresh_token_status(token, &caller, request).await?,
        };
        let body = match found {
            Some(mut claims) => {
                claims.insert("active".into(), json!(true));
                Value::Object(claims)
            }
            None => json!({ "active": false }),
        };
        Ok(Ok(
            ApiResponse::ok(&body)?.with_header(header::CACHE_CONTROL, "no-store")?
        ))
    }

    /// An access token's claims, if `caller` may know them and the token
    /// still stands.
    async fn access_token_status(
        &self,
        mut claims: Map<String, Value>,
        caller: &Authenticated,
        request: &ApiRequest,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let caller_id = caller.client.id();
        let for_caller = [text("client_id"), text("aud")]
            .iter()
            .any(|v| v.as_deref() == Some(caller_id.as_str()));
        if !for_caller {
            return Ok(None);
        }
        let stands = match PeopleAccess::read(&claims) {
            Some(access) => match self.clients.find(&access.client_id).await? {
                Some(client) => self.admission.stands(&access.sign_in, &client).await?,
                None => false,
            },
            None => self.application_token_stands(&claims, request.now).await?,
        };
        if !stands {
            return Ok(None);
        }
        claims.insert("token_type".into(), json!("Bearer"));
        Ok(Some(claims))
    }

    /// An application's own token stands while the application is active
    /// and the secret it was exchanged for is.
    async fn application_token_stands(
        &self,
        claims: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let id = |name: &str| claims.get(name).and_then(Value::as_str);
        let (Some(Ok(app_id)), Some(Ok(secret_id))) = (
            id("client_id").map(str::parse::<ApplicationId>),
            id("secret_id").map(str::parse::<SecretId>),
        ) else {
            return Ok(false);
        };
        let (app, secret) = self.store.application_and_secret(app_id, secret_id).await?;
        Ok(matches!((app, secret), (Some(app), Some(secret)) if secret.authorizes(&app, now)))
    }

    /// A refresh token's status, if it is the caller's, unspent, and its
    /// sign-in still stands.
    async fn refresh_token_status(
        &self,
        token: &str,
        caller: &Authenticated,
        request: &ApiRequest,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let hash = SecretToken::from_presented(token).hash();
        let Some(grant) = self.store.refresh_grant(&hash, request.now).await? else {
            return Ok(None);
        };
        if grant.client_id != caller.client.id()
            || !self
                .admission
                .stands(&grant.sign_in, &caller.client)
                .await?
        {
            return Ok(None);
        }
        let Value::Object(claims) = json!({
            "token_type": "refresh_token",
            "client_id": grant.client_id,
            "scope": PeopleScope::join(&grant.scopes),
            "sub": grant.sign_in.person.user_id().to_string(),
            "sid": grant.sign_in.session.to_string(),
            "exp": grant.expires_at.timestamp(),
            "iss": self.issuer.issuer(),
        }) else {
            unreachable!("a JSON object literal");
        };
        Ok(Some(claims))
    }

    /// Revocation: a refresh token of the caller's is deleted; anything
    /// else that is not an access token is answered alike (§2.2: an
    /// invalid token is no error).
    pub(crate) async fn revoke(&self, request: &ApiRequest) -> Answer {
        let (form, caller) = match self.authenticated(request).await? {
            Ok(asked) => asked,
            Err(e) => return Ok(Err(e)),
        };
        let Some(token) = form.get("token") else {
            return Ok(Err(OAuthError::invalid_request("token is required")));
        };
        if self.own_access_token(token).await?.is_some() {
            return Ok(Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_token_type",
                "access tokens end with their session; revoke the refresh token",
            )));
        }
        let hash = SecretToken::from_presented(token.as_str()).hash();
        if let Some(grant) = self.store.refresh_grant(&hash, request.now).await?
            && grant.client_id == caller.client.id()
        {
            self.store.revoke_refresh_token(&hash).await?;
            tracing::info!(client_id = %grant.client_id, session = %grant.sign_in.session, "refresh token revoked");
        }
        Ok(Ok(ApiResponse::json(StatusCode::OK, &json!({}))?))
    }
}
