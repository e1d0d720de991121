//! UC-TENANT-INVITE, FR-TENANT-001, FR-TENANT-007: a tenant's Owners and
//! Administrators invite people and manage the invitations.
//!
//! - `POST /v1/invitations` {email, role}: a new member with status Invited,
//!   the guard on their email (a member or an open invitation with that
//!   address is ERR-VAL-409), the invitation with its token only as a hash,
//!   the token lookup and `user.invited`, in one transaction; then the email.
//! - `GET /v1/invitations?limit=&cursor=`: the open invitations (pending
//!   and expired), newest first, in cursor pages.
//! - `POST /v1/invitations/{invitationId}/resend`: a new token and expiry;
//!   the old link stops working in the same transaction.
//! - `DELETE /v1/invitations/{invitationId}`: revoked (answered with its
//!   final state); its link stops working and the invited member is removed.
//!
//! The tenant is the caller's. Administrators cannot invite Owners nor touch
//! their invitations. Invitations last the tenant's configured lifetime.

use cp_api::{InvitationDetailView, PageView};
use cp_domain::member::membership::{may_grant, may_manage};
use cp_domain::{
    EmailAddress, Error, Invitation, InvitationId, Member, PageSize, Role, Scope, SecretToken,
    Tenant, UserId,
};
use cp_events::{
    Envelope, InvitationResent, InvitationRevoked, Payload, PersonalData, PersonalDataRead,
    UserInvited,
};
use cp_mail::Mailer;
use cp_runtime::Route;
use cp_runtime::env::{CONSOLE_URL, EMAIL_FROM};
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    email: Option<String>,
    role: Option<String>,
}

#[derive(Debug)]
pub struct MemberInvitations {
    store: Store,
    mailer: Mailer,
    console_url: String,
}

impl MemberInvitations {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            mailer: Mailer::new(aws_sdk_sesv2::Client::new(&env.sdk), env.var(EMAIL_FROM)?),
            console_url: env.var(CONSOLE_URL)?.to_owned(),
        })
    }

    async fn tenant(&self, member: &Member) -> Result<Tenant, Error> {
        self.store
            .tenant(member.tenant_id)
            .await?
            .ok_or(Error::NotFound)
    }

    /// Sends the link. A failure is logged, not returned: the invitation
    /// stands and can be resent (doc/adr/0007-invitation-email.md).
    async fn send(&self, tenant: &Tenant, invitation: &Invitation, token: &SecretToken) {
        let message = cp_mail::invitation(
            tenant.name.as_str(),
            invitation.role,
            &cp_mail::invitation_link(&self.console_url, token.expose()),
            invitation.expires_at,
        );
        match self.mailer.send(&invitation.email, &message).await {
            Ok(()) => tracing::info!(invitation_id = %invitation.id, "invitation sent"),
            Err(_) => tracing::warn!(
                invitation_id = %invitation.id,
                "invitation not sent; it can be resent"
            ),
        }
    }

    async fn invite(&self, request: &ApiRequest, member: Member) -> Result<ApiResponse, Error> {
        let body: InviteBody = request.json()?;
        let email = body
            .email
            .as_deref()
            .ok_or_else(|| Error::invalid("email", "is required"))
            .and_then(EmailAddress::parse);
        let role = body
            .role
            .as_deref()
            .ok_or_else(|| Error::invalid("role", "is required"))
            .and_then(Role::parse);
        let (email, role) = match (email, role) {
            (Ok(email), Ok(role)) => (email, role),
            (email, role) => {
                let fields = [email.err(), role.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| match e {
                        Error::InvalidInput(fields) => fields,
                        _ => Vec::new(),
                    })
                    .collect();
                return Err(Error::InvalidInput(fields));
            }
        };
        may_grant(member.role, role)?;
        let tenant = self.tenant(&member).await?;
        let token = SecretToken::generate()?;
        let (user, invitation) = Invitation::issue(
            (InvitationId::random(), UserId::random()),
            tenant.id,
            email,
            role,
            token.hash(),
            tenant.settings.invitation_ttl(),
            request.now,
        );
        let event = event(
            &UserInvited {
                tenant_id: tenant.id,
                user_id: user.id,
                invitation_id: invitation.id,
                role,
                expires_at: invitation.expires_at,
            },
            request,
        )?;
        let mut writes = self.store.writes();
        writes.invite(&user, &invitation)?.event(&event)?;
        let response = ApiResponse::created(
            &InvitationDetailView::at(&invitation, request.now),
            format!("/v1/invitations/{}", invitation.id),
        )?;
        let response = request.commit(&self.store, writes, response).await?;
        if !response.replayed {
            self.send(&tenant, &invitation, &token).await;
        }
        Ok(response)
    }

    /// The invitation named in the path, of the caller's tenant, with the
    /// tenant (one round trip), if the caller may manage its invitee.
    async fn named(
        &self,
        request: &ApiRequest,
        member: Member,
    ) -> Result<(Invitation, Tenant), Error> {
        let id: InvitationId = request.id_param("invitationId")?;
        let (invitation, tenant) = self
            .store
            .invitation_and_tenant(member.tenant_id, id)
            .await?
            .ok_or(Error::NotFound)?;
        may_manage(member.role, invitation.role)?;
        Ok((invitation, tenant))
    }

    async fn resend(&self, request: &ApiRequest, member: Member) -> Result<ApiResponse, Error> {
        let (mut invitation, tenant) = self.named(request, member).await?;
        let old = invitation.token_hash;
        let token = SecretToken::generate()?;
        invitation.reissue(token.hash(), tenant.settings.invitation_ttl(), request.now)?;
        let event = event(
            &InvitationResent {
                tenant_id: tenant.id,
                user_id: invitation.user_id,
                invitation_id: invitation.id,
                expires_at: invitation.expires_at,
            },
            request,
        )?;
        let mut writes = self.store.writes();
        writes
            .reissue_invitation(&invitation, &old)?
            .event(&event)?;
        let response = request
            .commit(
                &self.store,
                writes,
                ApiResponse::ok(&InvitationDetailView::at(&invitation, request.now))?,
            )
            .await?;
        if !response.replayed {
            self.send(&tenant, &invitation, &token).await;
        }
        Ok(response)
    }

    async fn revoke(&self, request: &ApiRequest, member: Member) -> Result<ApiResponse, Error> {
        let (mut invitation, _) = self.named(request, member).await?;
        invitation.revoke()?;
        let event = event(
            &InvitationRevoked {
                tenant_id: member.tenant_id,
                user_id: invitation.user_id,
                invitation_id: invitation.id,
            },
            request,
        )?;
        let mut writes = self.store.writes();
        writes.revoke_invitation(&invitation)?.event(&event)?;
        self.store.commit(writes).await?;
        ApiResponse::ok(&InvitationDetailView::at(&invitation, request.now))
    }
}

fn event<P: Payload>(payload: &P, request: &ApiRequest) -> Result<Envelope, Error> {
    Envelope::new(payload, request.event_context())
}

pub const INVITE: &str = "POST /v1/invitations";
pub const LIST: &str = "GET /v1/invitations";
pub const RESEND: &str = "POST /v1/invitations/{invitationId}/resend";
pub const REVOKE: &str = "DELETE /v1/invitations/{invitationId}";

impl HttpFunction for MemberInvitations {
    const NAME: &'static str = "member-invitations";
    const ROUTES: &'static [Route] = &[
        Route::new(INVITE).json().idempotent(),
        Route::new(LIST),
        Route::new(RESEND).idempotent(),
        Route::new(REVOKE),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let member = request.principal.member(Scope::MembersManage)?;
        match request.route_key() {
            RESEND => self.resend(&request, member).await,
            INVITE => self.invite(&request, member).await,
            REVOKE => self.revoke(&request, member).await,
            LIST => {
                let open = self
                    .store
                    .open_invitations(
                        member.tenant_id,
                        PageSize::parse(request.query("limit")?)?,
                        request.query("cursor")?,
                    )
                    .await?;
                let read = PersonalDataRead {
                    tenant_id: Some(member.tenant_id),
                    data: PersonalData::Invitations,
                    resource: format!("tenant/{}/invitations", member.tenant_id),
                    subjects: open.items.iter().map(|i| i.id.to_string()).collect(),
                    count: open.items.len() as u64,
                    query: Default::default(),
                };
                request.record_read(&self.store, read, &[]).await?;
                ApiResponse::ok(&PageView {
                    items: open
                        .items
                        .iter()
                        .map(|i| InvitationDetailView::at(i, request.now))
                        .collect(),
                    next_cursor: open.next_cursor,
                })
            }
            _ => Err(Error::NotFound),
        }
    }
}
