//! The members room: a tenant's users and their email guards, invitations
//! and their token lookups, the count of Active Owners, sign-in sessions,
//! identities bound to users, and platform people's user records. Every use
//! case is at most one read and one transaction; the conditions that make it
//! safe under concurrency are here, each with what its failure means.

mod items;

pub(crate) use items::*;
pub use items::{IdentityBinding, IdentityKind};

use crate::error::{self, corrupt, sdk};
use crate::keys::{self, PK, SK};
use crate::read::{IndexPartition, Item, page, page_with, parse};
use crate::write::{OnConditionFailure, UpdateOp, n, put, s};
use crate::{Store, WriteSet};
use chrono::{DateTime, Utc};
use cp_domain::{
    Error, Invitation, InvitationId, InvitationTicket, Page, PageSize, Role, Session, SessionId,
    Tenant, TenantId, TokenHash, User, UserId, UserStatus,
};

use crate::tenant::TenantItem;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use cp_domain::member::membership::{LAST_OWNER, owner_delta};

/// GET /users: a tenant's users by email, optionally in one status, with
/// one role, or whose email starts with a prefix.
#[derive(Debug, Clone, Default)]
pub struct UserQuery<'a> {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    pub email_prefix: Option<&'a str>,
    pub limit: PageSize,
    pub cursor: Option<&'a str>,
}

impl WriteSet {
    /// Moves the tenant's count of Active Owners by `delta`; a decrease
    /// requires one to remain (ERR-VAL-422 otherwise).
    fn owners(&mut self, tenant: TenantId, delta: i8) -> Result<&mut Self, Error> {
        if delta == 0 {
            return Ok(self);
        }
        let (condition, mut values) = if delta < 0 {
            (
                Some("active_owners >= :floor"),
                vec![(":floor", n(1 - i32::from(delta)))],
            )
        } else {
            (None, Vec::new())
        };
        values.push((":delta", n(delta)));
        self.update(
            UpdateOp {
                key: keys::owner_count(tenant),
                set: "ADD active_owners :delta SET entity = :entity",
                condition,
                names: &[],
                values: [values, vec![(":entity", s("OwnerCount"))]].concat(),
            },
            OnConditionFailure::Rule(LAST_OWNER),
        )
    }

    /// UC-TENANT-INVITE: the invited user, the guard on their email, the
    /// invitation and its token lookup. An email that is a member or invited
    /// already is ERR-VAL-409.
    pub fn invite(&mut self, user: &User, invitation: &Invitation) -> Result<&mut Self, Error> {
        self.insert(&UserItem::new(user), "user id already used")?;
        self.insert(
            &EmailGuardItem::new(user),
            "a user with this email is already a member or invited",
        )?;
        self.insert(
            &InvitationItem::new(invitation),
            "invitation id already used",
        )?;
        self.insert(
            &InvitationTokenItem::new(invitation),
            "invitation token already used",
        )
    }

    /// UC-TENANT-INVITE-RESEND: the invitation with its new token, if its
    /// token is still the one read (`old`); the old lookup goes, the new
    /// one comes.
    pub fn reissue_invitation(
        &mut self,
        invitation: &Invitation,
        old: &TokenHash,
    ) -> Result<&mut Self, Error> {
        // Still open: a resend racing an acceptance or a revocation must not
        // reopen it.
        let item = put(&InvitationItem::new(invitation))?
            .condition_expression("token_hash = :old AND #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":old", s(old.to_hex()))
            .expression_attribute_values(":pending", s("Pending"));
        self.push(item, OnConditionFailure::Stale)?;
        self.delete(keys::invitation_token(old), None, OnConditionFailure::Stale)?;
        self.insert(
            &InvitationTokenItem::new(invitation),
            "invitation token already used",
        )
    }

    /// Revokes an invitation (as read: same token, not accepted since),
    /// its token lookup, and the invited user with their email guard.
    pub fn revoke_invitation(&mut self, invitation: &Invitation) -> Result<&mut Self, Error> {
        let item = put(&InvitationItem::new(invitation))?
            .condition_expression("token_hash = :hash AND #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":hash", s(invitation.token_hash.to_hex()))
            .expression_attribute_values(":pending", s("Pending"));
        self.push(item, OnConditionFailure::Stale)?;
        self.delete(
            keys::invitation_token(&invitation.token_hash),
            None,
            OnConditionFailure::Stale,
        )?;
        self.delete(
            keys::tenant_user(invitation.tenant_id, invitation.user_id),
            Some(("#status = :invited", vec![(":invited", s("Invited"))])),
            OnConditionFailure::Conflict(
                "the invitation was accepted meanwhile; remove the user instead",
            ),
        )?;
        self.delete(
            keys::email_guard(invitation.tenant_id, &invitation.email),
            None,
            OnConditionFailure::Stale,
        )
    }

    /// UC-TENANT-INVITE acceptance: the token is used up (a second use, or a
    /// racing one, finds it gone: ERR-RES-410), the invitation Accepted, the
    /// user Active and bound to the identity they signed in with, the Owner
    /// count moved, and the tenant still Active.
    pub fn accept_invitation(
        &mut self,
        ticket: &InvitationTicket,
        token: &TokenHash,
        issuer: &str,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        self.delete(
            keys::invitation_token(token),
            Some(("attribute_exists(PK)", Vec::new())),
            OnConditionFailure::Gone,
        )?;
        let status = &[("#status", "status")];
        self.update(
            UpdateOp {
                key: keys::invitation(ticket.tenant_id, ticket.invitation_id),
                set: "SET #status = :accepted REMOVE GSI1PK, GSI1SK",
                condition: Some("#status = :pending"),
                names: status,
                values: vec![(":accepted", s("Accepted")), (":pending", s("Pending"))],
            },
            OnConditionFailure::Gone,
        )?;
        self.update(
            UpdateOp {
                key: keys::tenant_user(ticket.tenant_id, ticket.user_id),
                set: "SET #status = :active, GSI2PK = :by_status, updated_at = :now, \
                      issuer = :issuer, subject = :subject ADD version :one",
                // The role the invitation grants (and counts as an Owner) is
                // still the user's.
                condition: Some("#status = :invited AND #role = :role"),
                names: &[("#status", "status"), ("#role", "role")],
                values: vec![
                    (":active", s("Active")),
                    (":invited", s("Invited")),
                    (":role", s(ticket.role.as_str())),
                    (
                        ":by_status",
                        s(keys::tenant_users_in_status(
                            ticket.tenant_id,
                            UserStatus::Active,
                        )),
                    ),
                    (
                        ":now",
                        s(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                    ),
                    (":issuer", s(issuer)),
                    (":subject", s(subject)),
                    (":one", n(1)),
                ],
            },
            OnConditionFailure::Gone,
        )?;
        let binding = IdentityBinding {
            kind: IdentityKind::Tenant,
            user_id: ticket.user_id,
            tenant_id: Some(ticket.tenant_id),
        };
        self.bind_identity(issuer, subject, &binding, now)?;
        if ticket.role == Role::Owner {
            self.owners(ticket.tenant_id, 1)?;
        }
        let tenant = keys::tenant(ticket.tenant_id);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(tenant.pk))
            .key(SK, s(tenant.sk))
            .condition_expression("#status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", s("Active"))
            .build()
            .map_err(|e| corrupt("condition check", e))?;
        self.push_op(
            TransactWriteItem::builder().condition_check(check).build(),
            OnConditionFailure::Refused("the tenant is not active"),
        )
    }

    /// A member changed (role, status) from `before`, as read; the Owner
    /// count follows.
    pub fn change_member(&mut self, before: &User, after: &User) -> Result<&mut Self, Error> {
        self.replace_user(after)?;
        self.owners(after.tenant_id, owner_delta(Some(before), Some(after)))
    }

    /// UC-TENANT-USER-DELETE: the user (as read), their email guard and
    /// their identity binding; never the last Active Owner.
    pub fn remove_user(&mut self, user: &User) -> Result<&mut Self, Error> {
        self.delete(
            keys::tenant_user(user.tenant_id, user.id),
            Some(("version = :read", vec![(":read", n(user.version))])),
            OnConditionFailure::Stale,
        )?;
        self.delete(
            keys::email_guard(user.tenant_id, &user.email),
            None,
            OnConditionFailure::Stale,
        )?;
        if let Some(identity) = &user.identity {
            self.delete(
                keys::membership(&identity.issuer, &identity.subject, user.tenant_id),
                None,
                OnConditionFailure::Stale,
            )?;
            self.delete(
                keys::identity_link(user.tenant_id, &identity.issuer, &identity.subject),
                None,
                OnConditionFailure::Stale,
            )?;
        }
        self.owners(user.tenant_id, owner_delta(Some(user), None))
    }

    /// Records a new session (its id is new: no twin can race it).
    pub fn start_session(&mut self, session: &Session) -> Result<&mut Self, Error> {
        self.insert(&SessionItem::new(session), "session id already used")
    }

    /// Ends a recorded session (as read: it exists). Only its end is
    /// written, never the whole item as read, so an application noted on it
    /// meanwhile (a code redeemed at the same moment) stays listed and is
    /// told of the end (back-channel logout).
    pub fn end_session(&mut self, session: &Session) -> Result<&mut Self, Error> {
        let item = crate::attributes::to_item("session", &SessionItem::new(session))?;
        let value = |name: &str| item.get(name).cloned().ok_or(Error::Internal);
        self.update(
            UpdateOp {
                key: keys::session(session.tenant_id, session.user_id, &session.id),
                set: "SET ended_at = :ended, expires_at = :expires",
                condition: Some("attribute_exists(PK)"),
                names: &[],
                values: vec![
                    (":ended", value("ended_at")?),
                    (":expires", value("expires_at")?),
                ],
            },
            OnConditionFailure::Stale,
        )
    }
}

impl Store {
    async fn query_items(&self, pk: String, prefix: &str) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(pk.clone()))
                .expression_attribute_values(":prefix", s(prefix))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk("Query", &e))?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// What an invitation token stands for, if it is still outstanding.
    pub async fn invitation_ticket(
        &self,
        token: &TokenHash,
    ) -> Result<Option<InvitationTicket>, Error> {
        self.get_one(
            &keys::invitation_token(token),
            "invitation token",
            InvitationTokenItem::into_domain,
        )
        .await
    }

    /// A page of a tenant's open invitations (not accepted or revoked;
    /// expired ones included: they can be resent), newest first, from the
    /// sparse index that holds only those.
    pub async fn open_invitations(
        &self,
        tenant: TenantId,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<Page<Invitation>, Error> {
        let partition = IndexPartition::gsi1(keys::open_invitations(tenant));
        let output = self
            .index_page(partition, None, limit, cursor)?
            .scan_index_forward(false)
            .send()
            .await
            .map_err(|e| error::query(&e, cursor.is_some()))?;
        page_with(output, "invitation", |item: InvitationItem| {
            item.into_domain()
                .ok_or_else(|| corrupt("invitation", "bad hash"))
        })
    }

    /// A page of a tenant's users, by email (optionally a prefix of it):
    /// in one role on GSI3 (a status then filters: a role is the narrower
    /// key, e.g. the Owners), in one status on GSI2, or all on GSI1.
    pub async fn list_users(
        &self,
        tenant: TenantId,
        q: &UserQuery<'_>,
    ) -> Result<Page<User>, Error> {
        let partition = match (q.role, q.status) {
            (Some(role), _) => IndexPartition::gsi3(keys::tenant_users_in_role(tenant, role)),
            (None, Some(status)) => {
                IndexPartition::gsi2(keys::tenant_users_in_status(tenant, status))
            }
            (None, None) => IndexPartition::gsi1(keys::tenant_users(tenant)),
        };
        let prefix = q.email_prefix.map(str::to_lowercase);
        let mut query = self.index_page(partition, prefix, q.limit, q.cursor)?;
        if let (Some(_), Some(status)) = (q.role, q.status) {
            query = query
                .filter_expression("#status = :status")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status.as_str()));
        }
        let output = query
            .send()
            .await
            .map_err(|e| error::query(&e, q.cursor.is_some()))?;
        page(output, "user", UserItem::into_domain)
    }

    /// A user and their recorded sessions (newest first), in one query:
    /// the sessions' sort keys extend the user's.
    pub async fn user_with_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<(User, Vec<Session>)>, Error> {
        let user_key = keys::tenant_user(tenant, user);
        let mut found = None;
        let mut sessions = Vec::new();
        for item in self.query_items(user_key.pk.clone(), &user_key.sk).await? {
            if item.get(SK).and_then(|v| v.as_s().ok()) == Some(&user_key.sk) {
                let item: UserItem =
                    serde_dynamo::from_item(item).map_err(|e| corrupt("user", e))?;
                found = Some(item.into_domain());
            } else {
                let item: SessionItem =
                    serde_dynamo::from_item(item).map_err(|e| corrupt("session", e))?;
                sessions.push(item.into_domain());
            }
        }
        sessions.sort_by_key(|s| std::cmp::Reverse(s.started_at));
        Ok(found.map(|user| (user, sessions)))
    }

    /// The sessions of one member, or of every member of the tenant
    /// (`user: None`), ended ones included; a removed member's too.
    pub async fn sessions(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
    ) -> Result<Vec<Session>, Error> {
        let prefix = match user {
            Some(user) => keys::tenant_user(tenant, user).sk,
            None => "USER#".to_owned(),
        };
        let mut sessions = Vec::new();
        for item in self.query_items(keys::tenant(tenant).pk, &prefix).await? {
            let is_session = item
                .get(SK)
                .and_then(|v| v.as_s().ok())
                .is_some_and(|sk| sk.contains("#SESSION#"));
            if is_session {
                let item: SessionItem =
                    serde_dynamo::from_item(item).map_err(|e| corrupt("session", e))?;
                sessions.push(item.into_domain());
            }
        }
        Ok(sessions)
    }

    /// Notes that `client` got tokens of a member's session (one
    /// `UpdateItem`; a client noted twice is read once).
    pub async fn add_session_client(
        &self,
        tenant: TenantId,
        user: UserId,
        session: &SessionId,
        client: &str,
    ) -> Result<(), Error> {
        let key = keys::session(tenant, user, session);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(key.pk))
            .key(SK, s(key.sk))
            .update_expression("SET clients = list_append(if_not_exists(clients, :none), :client)")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":client", AttributeValue::L(vec![s(client)]))
            .send()
            .await;
        crate::error::unless_condition_failed("UpdateItem", result)
    }

    /// Records a session at its first request; a racing twin finds it there.
    pub async fn record_session(&self, session: &Session) -> Result<(), Error> {
        let item = crate::attributes::to_item("session", &SessionItem::new(session))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        crate::error::unless_condition_failed("PutItem", result)
    }

    /// A tenant user, their tenant and the session their token belongs to,
    /// in one strongly consistent round trip: what the principal resolver
    /// checks on every request of a tenant user.
    pub async fn user_tenant_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: &SessionId,
    ) -> Result<(Option<User>, Option<cp_domain::Tenant>, Option<Session>), Error> {
        let [user_item, tenant_item, session_item]: [Option<Item>; 3] = self
            .batch_get_each([
                keys::tenant_user(tenant, user),
                keys::tenant(tenant),
                keys::session(tenant, user, session),
            ])
            .await?;
        let parse = |what: &'static str, e: serde_dynamo::Error| corrupt(what, e);
        Ok((
            user_item
                .map(|i| serde_dynamo::from_item::<_, UserItem>(i).map(UserItem::into_domain))
                .transpose()
                .map_err(|e| parse("user", e))?,
            tenant_item
                .map(|i| serde_dynamo::from_item::<_, TenantItem>(i).map(TenantItem::into_domain))
                .transpose()
                .map_err(|e| parse("tenant", e))?,
            session_item
                .map(|i| serde_dynamo::from_item::<_, SessionItem>(i).map(SessionItem::into_domain))
                .transpose()
                .map_err(|e| parse("session", e))?,
        ))
    }

    /// An invitation and its tenant, in one round trip (resend, revoke).
    pub async fn invitation_and_tenant(
        &self,
        tenant: TenantId,
        invitation: cp_domain::InvitationId,
    ) -> Result<Option<(Invitation, cp_domain::Tenant)>, Error> {
        let [invitation_item, tenant_item]: [Option<Item>; 2] = self
            .batch_get_each([keys::invitation(tenant, invitation), keys::tenant(tenant)])
            .await?;
        let (Some(invitation_item), Some(tenant_item)) = (invitation_item, tenant_item) else {
            return Ok(None);
        };
        let invitation: InvitationItem =
            serde_dynamo::from_item(invitation_item).map_err(|e| corrupt("invitation", e))?;
        let tenant: TenantItem =
            serde_dynamo::from_item(tenant_item).map_err(|e| corrupt("tenant", e))?;
        Ok(Some((
            invitation
                .into_domain()
                .ok_or_else(|| corrupt("invitation", "bad token hash"))?,
            tenant.into_domain(),
        )))
    }
}

impl WriteSet {
    /// Writes `user` over the stored one if unchanged since read.
    pub fn replace_user(&mut self, user: &User) -> Result<&mut Self, Error> {
        let mut item = UserItem::new(user);
        item.version = user.version + 1;
        self.replace(&item, user.version)
    }

    /// Links a verified (issuer, subject) to a user, once and for all: a
    /// platform person's, or a member's of one tenant (an identity may be a
    /// member of several tenants, never a platform person too).
    pub fn bind_identity(
        &mut self,
        issuer: &str,
        subject: &str,
        binding: &IdentityBinding,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        let key = match binding.tenant_id {
            Some(tenant) => {
                self.check(
                    keys::identity(issuer, subject),
                    "attribute_not_exists(PK)",
                    OnConditionFailure::Conflict("this identity is a platform person's"),
                )?;
                keys::membership(issuer, subject, tenant)
            }
            None => keys::identity(issuer, subject),
        };
        let item = IdentityItem {
            keys: key.into(),
            entity: "Identity".into(),
            binding: binding.clone(),
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            created_at: now,
        };
        if let Some(tenant) = binding.tenant_id {
            let link = IdentityLinkItem {
                keys: keys::identity_link(tenant, issuer, subject).into(),
                entity: "IdentityLink".into(),
                user_id: binding.user_id,
                issuer: issuer.to_owned(),
                subject: subject.to_owned(),
            };
            self.insert(&link, "this identity is already bound to a user")?;
        }
        self.insert(&item, "this identity is already bound to a user")
    }

    /// FR-SYS-004: a platform person's User record (tenant NULL) and the
    /// binding of their identity to it.
    pub fn create_platform_user(
        &mut self,
        issuer: &str,
        subject: &str,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<&mut Self, Error> {
        let binding = IdentityBinding {
            kind: IdentityKind::Platform,
            user_id,
            tenant_id: None,
        };
        self.bind_identity(issuer, subject, &binding, now)?;
        let user = PlatformUserItem {
            keys: keys::platform_user(user_id).into(),
            entity: "PlatformUser".into(),
            id: user_id,
            tenant_id: None,
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            created_at: now,
        };
        self.insert(&user, "user id already used")
    }
}

impl Store {
    pub async fn tenant_user(&self, tenant: TenantId, user: UserId) -> Result<Option<User>, Error> {
        self.get_one(
            &keys::tenant_user(tenant, user),
            "user",
            UserItem::into_domain,
        )
        .await
    }

    pub async fn invitation(
        &self,
        tenant: TenantId,
        id: InvitationId,
    ) -> Result<Option<Invitation>, Error> {
        let Some(item) = self.get_item(&keys::invitation(tenant, id), true).await? else {
            return Ok(None);
        };
        let item: InvitationItem = parse("invitation", item)?;
        item.into_domain()
            .map(Some)
            .ok_or_else(|| corrupt("invitation", "bad token hash"))
    }

    /// Who a verified (issuer, subject) is: a platform person, or a member
    /// of each tenant it is bound in. One strongly consistent `Query`: a
    /// binding written a moment ago is seen.
    pub async fn identities(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Vec<IdentityBinding>, Error> {
        let key = keys::identity(issuer, subject);
        self.query_items(key.pk, &key.sk)
            .await?
            .into_iter()
            .map(|item| parse::<IdentityItem>("identity", item).map(|i| i.binding))
            .collect()
    }

    /// A tenant user and their tenant in one strongly consistent round trip:
    /// what the principal resolver checks on every request.
    pub async fn user_and_tenant(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<(Option<User>, Option<Tenant>), Error> {
        let [user, tenant]: [Option<Item>; 2] = self
            .batch_get_each([keys::tenant_user(tenant, user), keys::tenant(tenant)])
            .await?;
        Ok((
            user.map(|i| parse::<UserItem>("user", i).map(UserItem::into_domain))
                .transpose()?,
            tenant
                .map(|i| parse::<TenantItem>("tenant", i).map(TenantItem::into_domain))
                .transpose()?,
        ))
    }
}
