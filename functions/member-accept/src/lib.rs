//! UC-TENANT-INVITE acceptance (and the Owner's onboarding of UC-PROV-001):
//! `POST /v1/invitations/accept` {token}.
//!
//! The invitee signs in with their identity provider first; the token is
//! theirs, from the emailed link. The address the invitation was sent to
//! must be the one their identity provider verified for them (ERR-AUTH-403
//! otherwise, and nothing changes). One read finds what the token stands
//! for; one transaction uses the token up, marks the invitation Accepted,
//! makes the user Active and binds them to the identity (issuer + subject)
//! they signed in with, and emits `user.activated`. A second use, an
//! expired or a revoked token is ERR-RES-410; two racing uses end as one
//! acceptance and one 410.

use cp_domain::{Error, Role, SecretToken, TenantId, UserId, UserStatus};
use cp_events::{Envelope, UserActivated};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use serde::{Deserialize, Serialize};

/// Who the invitee is now: a member of the tenant, signed in.
#[derive(Debug, Serialize)]
struct AcceptedView {
    tenant_id: TenantId,
    user_id: UserId,
    role: Role,
    status: UserStatus,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    token: Option<String>,
}

/// Invitation tokens are 43 characters of base64url; anything far off is
/// no token of ours.
const MAX_TOKEN_CHARS: usize = 128;

#[derive(Debug)]
pub struct MemberAccept {
    store: Store,
}

impl MemberAccept {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }
}

impl HttpFunction for MemberAccept {
    const NAME: &'static str = "member-accept";
    const CALLERS: Callers = Callers::SignedIn;
    const ROUTES: &'static [Route] = &[Route::new("POST /v1/invitations/accept").json()];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let claims = request.claims.as_ref().ok_or(Error::InvalidCredentials)?;
        let body: Body = request.json()?;
        let token = body
            .token
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_CHARS)
            .map(SecretToken::from_presented)
            .ok_or_else(|| {
                Error::invalid("token", "is required: the token of the invitation link")
            })?;
        let hash = token.hash();
        let ticket = self
            .store
            .invitation_ticket(&hash)
            .await?
            .ok_or(Error::Gone)?;
        ticket.admit(claims.verified_email.as_deref(), request.now)?;

        let mut context = request.event_context();
        context.actor.id = ticket.user_id.to_string();
        context.actor.actor_type = cp_domain::ActorType::User;
        let event = Envelope::new(&UserActivated::from(&ticket), context)?;
        let mut writes = self.store.writes();
        writes
            .accept_invitation(&ticket, &hash, &claims.issuer, &claims.subject, request.now)?
            .event(&event)?;
        self.store.commit(writes).await?;
        tracing::info!(
            tenant_id = %ticket.tenant_id,
            user_id = %ticket.user_id,
            "invitation accepted"
        );
        ApiResponse::ok(&AcceptedView {
            tenant_id: ticket.tenant_id,
            user_id: ticket.user_id,
            role: ticket.role,
            status: UserStatus::Active,
        })
    }
}
