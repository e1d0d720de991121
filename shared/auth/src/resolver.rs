//! Behind the edge: from verified claims to a principal.
//!
//! Every function resolves its caller here, on every request:
//!
//! - **Platform people** carry an Entra ID app role (`Operator`, `Auditor`)
//!   and no tenant. Their roles are the token's; their user id is derived
//!   from their identity ([`UserId::for_platform_identity`]), so resolving
//!   them reads nothing. Their User record (FR-SYS-004) is created at sign-in
//!   by [`PrincipalResolver::sign_in`], which `GET /v1/me` runs; it carries
//!   that same id, so what they did before is attributed to it.
//! - **Tenant users** are found by their identity binding (issuer + subject),
//!   then their User record and tenant are read together, strongly
//!   consistent, together with the session the token belongs to, and
//!   checked: the user must be Active, the tenant Active, the token issued
//!   after both revocation watermarks, and its session not ended. A session
//!   seen for the first time is recorded (FR-AUTH-005).
//!
//! Round trips: bindings never change once written, so they are cached per
//! process. Warm, a tenant user costs one `BatchGetItem`; cold, one `GetItem`
//! more; a session's first request one `PutItem` more. Platform people cost
//! none.
//!
//! Every denial is ERR-AUTH-403 with nothing to tell the cases apart
//! (unknown identity, disabled user, inactive tenant), except a revoked
//! session, which is ERR-AUTH-440 so the client knows to sign in again.

use crate::TokenClaims;
use chrono::{DateTime, Utc};
use cp_domain::tenant::issued_after;
use cp_domain::{
    AppScope, ApplicationId, Error, PlatformRole, Principal, SecretId, Session, SessionId,
    SessionOrigin, UserId,
};
use cp_events::{Envelope, EventContext, PlatformUserProvisioned};
use cp_store::{IdentityBinding, IdentityKind, Store};
use quick_cache::sync::Cache;

/// Bindings cached per process; each is two short strings and two ids.
const BINDING_CACHE_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct PrincipalResolver {
    store: Store,
    bindings: Cache<(String, String), IdentityBinding>,
}

impl PrincipalResolver {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            bindings: Cache::new(BINDING_CACHE_ENTRIES),
        }
    }

    pub async fn resolve(&self, claims: &TokenClaims) -> Result<Principal, Error> {
        self.resolve_from(claims, &SessionOrigin::default()).await
    }

    /// The same, knowing where the request comes from (recorded with a new
    /// session).
    pub async fn resolve_from(
        &self,
        claims: &TokenClaims,
        origin: &SessionOrigin,
    ) -> Result<Principal, Error> {
        let roles = platform_roles(claims);
        if !roles.is_empty() {
            return Ok(Principal::Platform {
                user_id: UserId::for_platform_identity(&claims.issuer, &claims.subject),
                roles,
            });
        }
        self.tenant_user(claims, origin, false).await
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
        if !app.is_active() || !secret.is_active(Utc::now()) {
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

    /// At sign-in: a platform person's first one creates their User record
    /// (tenant NULL) and binds their identity to it, with its event, in one
    /// transaction (FR-SYS-004). Later sign-ins, and a racing twin, find it
    /// there and change nothing. Returns whether the record was created.
    pub async fn sign_in(
        &self,
        claims: &TokenClaims,
        principal: &Principal,
        context: EventContext,
    ) -> Result<bool, Error> {
        let Principal::Platform { user_id, roles } = principal else {
            return Ok(false);
        };
        let key = (claims.issuer.clone(), claims.subject.clone());
        if let Some(known) = self.bindings.get(&key) {
            return match known.kind {
                IdentityKind::Platform => Ok(false),
                IdentityKind::Tenant => Err(Error::AccessDenied),
            };
        }
        let event = Envelope::new(
            &PlatformUserProvisioned {
                user_id: *user_id,
                roles: roles.clone(),
                issuer: claims.issuer.clone(),
            },
            context.clone(),
        )?;
        let mut writes = self.store.writes();
        writes
            .create_platform_user(&claims.issuer, &claims.subject, *user_id, context.time)?
            .event(&event)?;
        let created = match self.store.commit(writes).await {
            Ok(_) => true,
            // Bound already: by an earlier sign-in, or (misconfigured) to a
            // tenant user, whose identity must not act as a platform one.
            Err(Error::Conflict(_)) => match self.binding(claims, true).await? {
                Some(b) if b.kind == IdentityKind::Platform && b.user_id == *user_id => false,
                _ => return Err(Error::AccessDenied),
            },
            Err(e) => return Err(e),
        };
        if created {
            tracing::info!(%user_id, "platform user provisioned at first sign-in");
            self.bindings.insert(
                key,
                IdentityBinding {
                    kind: IdentityKind::Platform,
                    user_id: *user_id,
                    tenant_id: None,
                },
            );
        }
        Ok(created)
    }

    async fn tenant_user(
        &self,
        claims: &TokenClaims,
        origin: &SessionOrigin,
        fresh: bool,
    ) -> Result<Principal, Error> {
        let Some(binding) = self.binding(claims, fresh).await? else {
            return Err(Error::AccessDenied);
        };
        let (IdentityKind::Tenant, Some(tenant_id)) = (binding.kind, binding.tenant_id) else {
            return Err(Error::AccessDenied);
        };
        let session_id = session_of(claims);
        let (user, tenant, session) = self
            .store
            .user_tenant_session(tenant_id, binding.user_id, &session_id)
            .await?;
        let (Some(user), Some(tenant)) = (user, tenant) else {
            self.forget(claims);
            if !fresh {
                // A cached binding may point at a user who was deleted (and
                // perhaps invited again) since; look once more, uncached.
                return Box::pin(self.tenant_user(claims, origin, true)).await;
            }
            return Err(Error::AccessDenied);
        };
        if session.as_ref().is_some_and(Session::is_ended)
            || !session_valid(
                claims.signed_in_at(),
                &[user.sessions_valid_after, tenant.sessions_valid_after],
            )
        {
            return Err(Error::SessionExpired);
        }
        if !user.may_sign_in() || !tenant.admits_users() {
            return Err(Error::AccessDenied);
        }
        if session.is_none() {
            let started =
                Session::started(tenant_id, user.id, session_id, origin.clone(), Utc::now());
            self.store.record_session(&started).await?;
        }
        Ok(Principal::TenantUser {
            user_id: user.id,
            tenant_id,
            role: user.role,
        })
    }

    async fn binding(
        &self,
        claims: &TokenClaims,
        fresh: bool,
    ) -> Result<Option<IdentityBinding>, Error> {
        let key = (claims.issuer.clone(), claims.subject.clone());
        if !fresh && let Some(hit) = self.bindings.get(&key) {
            return Ok(Some(hit));
        }
        let found = self.store.identity(&claims.issuer, &claims.subject).await?;
        if let Some(binding) = &found {
            self.bindings.insert(key, binding.clone());
        }
        Ok(found)
    }

    fn forget(&self, claims: &TokenClaims) {
        self.bindings
            .remove(&(claims.issuer.clone(), claims.subject.clone()));
    }
}

/// The platform roles among the token's app roles.
pub fn platform_roles(claims: &TokenClaims) -> Vec<PlatformRole> {
    claims
        .roles
        .iter()
        .filter_map(|r| PlatformRole::parse(r))
        .collect()
}

/// The session a person's token belongs to.
pub fn session_of(claims: &TokenClaims) -> SessionId {
    SessionId::of_token(claims.session.as_deref(), &claims.subject, claims.issued_at)
}

/// Whether a token issued at `issued_at` outlives every revocation watermark.
fn session_valid(issued_at: DateTime<Utc>, watermarks: &[Option<DateTime<Utc>>]) -> bool {
    watermarks.iter().all(|w| issued_after(issued_at, *w))
}
