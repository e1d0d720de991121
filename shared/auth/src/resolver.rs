//! Behind the edge: from verified claims to a principal.
//!
//! The edge lets through only tokens of the control plane's own issuer
//! (doc/adr/0042-the-control-plane-as-openid-provider.md): applications'
//! access tokens and people's, which the OpenID Provider issued to the
//! product's own clients (the console, `cpctl`) for the API. A person's
//! token says who they are in the control plane (`sub`: their user id;
//! `tid` and `role` for a member, `roles` for a platform person) and which
//! sign-in it belongs to (`sid`). Every function resolves its caller here,
//! on every request, and checks that the sign-in still stands:
//!
//! - **Platform people** (`Operator`, `Auditor`, `Developer` from the
//!   workforce directory) hold the roles their sign-in gave them, until
//!   their session is ended: one `GetItem`.
//! - **Tenant users**: their User record, tenant and session are read
//!   together, strongly consistent (one `BatchGetItem`), and checked: the
//!   user Active, the tenant Active, the session not ended, and the sign-in
//!   after both revocation watermarks. Their role is the record's, as it is
//!   now.
//!
//! Every denial is ERR-AUTH-403 with nothing to tell the cases apart
//! (unknown user, disabled user, inactive tenant), except an ended
//! session, which is ERR-AUTH-440 so the client knows to sign in again.

use crate::TokenClaims;
use chrono::Utc;
use cp_domain::member::session::sign_in_stands;
use cp_domain::{
    AppScope, ApplicationId, Error, PlatformRole, Principal, SecretId, SessionId, TenantId, UserId,
};
use cp_store::Store;

#[derive(Debug, Clone)]
pub struct PrincipalResolver {
    store: Store,
}

impl PrincipalResolver {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// A person, from the claims of an access token the control plane's
    /// OpenID Provider issued for its API.
    pub async fn resolve(&self, claims: &TokenClaims) -> Result<Principal, Error> {
        // An application's own token is no person's.
        if claims.client_id.as_deref() == Some(claims.subject.as_str()) {
            return Err(Error::AccessDenied);
        }
        let user_id: UserId = claims.subject.parse().map_err(|_| Error::AccessDenied)?;
        let session = session_of(claims).ok_or(Error::AccessDenied)?;
        let Some(tenant) = &claims.tenant else {
            let roles = platform_roles(claims);
            if roles.is_empty() {
                return Err(Error::AccessDenied);
            }
            if self.store.platform_session_ended(&session).await? {
                return Err(Error::SessionExpired);
            }
            return Ok(Principal::Platform { user_id, roles });
        };
        let tenant_id: TenantId = tenant.parse().map_err(|_| Error::AccessDenied)?;
        let (user, tenant, session) = self
            .store
            .user_tenant_session(tenant_id, user_id, &session)
            .await?;
        let (Some(user), Some(tenant)) = (user, tenant) else {
            return Err(Error::AccessDenied);
        };
        sign_in_stands(&user, &tenant, session.as_ref(), claims.signed_in_at())?;
        Ok(Principal::TenantUser {
            user_id: user.id,
            tenant_id,
            role: user.role,
        })
    }

    /// A managed application, from the claims of an access token the
    /// control plane issued. Its application and the secret the token was
    /// exchanged for are read (one consistent round trip) on every call, so
    /// disabling the application or revoking the secret takes effect at
    /// once. Granted scopes are those the token carries and the secret still
    /// holds.
    pub async fn resolve_application(&self, claims: &TokenClaims) -> Result<Principal, Error> {
        let app_id: ApplicationId = claims
            .client_id
            .as_deref()
            .and_then(|c| c.parse().ok())
            .filter(|_| claims.client_id.as_deref() == Some(claims.subject.as_str()))
            .ok_or(Error::InvalidCredentials)?;
        let secret_id: SecretId = claims
            .secret_id
            .as_deref()
            .and_then(|s| s.parse().ok())
            .ok_or(Error::InvalidCredentials)?;
        let (app, secret) = self.store.application_and_secret(app_id, secret_id).await?;
        let (Some(app), Some(secret)) = (app, secret) else {
            return Err(Error::InvalidCredentials);
        };
        if !secret.authorizes(&app, Utc::now()) {
            return Err(Error::InvalidCredentials);
        }
        let scopes = claims
            .scopes
            .iter()
            .filter_map(|s| AppScope::parse(s))
            .filter(|s| secret.scopes.contains(s) && app.grants(*s))
            .collect();
        Ok(Principal::Application { app_id, scopes })
    }
}

/// The platform roles among the token's roles.
pub fn platform_roles(claims: &TokenClaims) -> Vec<PlatformRole> {
    claims
        .roles
        .iter()
        .filter_map(|r| PlatformRole::parse(r))
        .collect()
}

/// The control plane session a person's token belongs to (`sid`).
pub fn session_of(claims: &TokenClaims) -> Option<SessionId> {
    claims.session.as_deref().and_then(SessionId::parse)
}
