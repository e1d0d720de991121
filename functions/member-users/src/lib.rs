//! A tenant's members, for its Owners and Administrators
//! (UC-TENANT-USER-UPDATE / FR-TENANT-004, UC-TENANT-USER-STATUS-UPDATE /
//! FR-TENANT-006, UC-TENANT-USER-DELETE / FR-TENANT-002).
//!
//! - `GET /v1/users?role=&status=&email=&limit=&cursor=`: cursor pages by
//!   email; `email` is a prefix (an index query, never a scan).
//! - `GET /v1/users/{userId}`: one member, with its version as `ETag`.
//! - `PATCH /v1/users/{userId}` {role?, status?}: change the role, disable
//!   or enable. With `If-Match` (the `ETag` read), a change made since is
//!   ERR-VAL-409; without it, the change still never overwrites a
//!   concurrent one (version condition).
//! - `DELETE /v1/users/{userId}`: removes the member and their sign-in.
//!
//! Administrators cannot touch Owners nor grant Owner; the last Active Owner
//! is never demoted, disabled or deleted (ERR-VAL-422). A role change, a
//! disable and a delete end the member's sessions at once. Each is one read
//! and one transaction with its event(s).

use cp_api::{MemberView, PageView};
use cp_domain::member::membership::may_manage;
use cp_domain::{Error, MemberChange, PageSize, Role, Scope, User, UserId, UserStatus};
use cp_events::{
    Envelope, Payload, PersonalData, PersonalDataRead, UserRemoved, UserRoleChanged,
    UserStatusChanged,
};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::{Store, UserQuery};
use http::header;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    role: Option<String>,
    status: Option<String>,
}

#[derive(Debug)]
pub struct MemberUsers {
    store: Store,
}

impl MemberUsers {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }

    /// The member named in the path, in the caller's tenant, at the version
    /// the caller says they read (`If-Match`), if they say.
    async fn named(
        &self,
        request: &ApiRequest,
        tenant: cp_domain::TenantId,
    ) -> Result<User, Error> {
        let id: UserId = request.id_param("userId")?;
        let user = self
            .store
            .tenant_user(tenant, id)
            .await?
            .ok_or(Error::NotFound)?;
        if let Some(expected) = request.header(header::IF_MATCH.as_str())?
            && expected.trim().trim_matches('"') != user.version.to_string()
        {
            return Err(Error::Conflict(
                "the user was changed since you read it; read it again and retry".into(),
            ));
        }
        Ok(user)
    }

    async fn change(
        &self,
        request: &ApiRequest,
        actor: Role,
        mut user: User,
    ) -> Result<User, Error> {
        let body: ChangeBody = request.json()?;
        let change = MemberChange::parse(body.role.as_deref(), body.status.as_deref())?;
        let Some(before) = change.apply(actor, &mut user, request.now)? else {
            return Ok(user);
        };
        let mut writes = self.store.writes();
        writes.change_member(&before, &user)?;
        if before.role != user.role {
            writes.event(&event(
                &UserRoleChanged {
                    tenant_id: user.tenant_id,
                    user_id: user.id,
                    previous_role: before.role,
                    role: user.role,
                },
                request,
            )?)?;
        }
        if before.status != user.status {
            writes.event(&event(
                &UserStatusChanged {
                    tenant_id: user.tenant_id,
                    user_id: user.id,
                    previous_status: before.status,
                    status: user.status,
                },
                request,
            )?)?;
        }
        self.store.commit(writes).await?;
        user.version += 1;
        Ok(user)
    }

    async fn remove(&self, request: &ApiRequest, actor: Role, user: &User) -> Result<(), Error> {
        may_manage(actor, user.role)?;
        if user.status == UserStatus::Invited {
            return Err(Error::BusinessRule(
                "the user has not accepted their invitation yet; revoke the invitation instead"
                    .into(),
            ));
        }
        let mut writes = self.store.writes();
        writes.remove_user(user)?.event(&event(
            &UserRemoved {
                tenant_id: user.tenant_id,
                user_id: user.id,
                role: user.role,
                status: user.status,
            },
            request,
        )?)?;
        self.store.commit(writes).await?;
        Ok(())
    }
}

fn event<P: Payload>(payload: &P, request: &ApiRequest) -> Result<Envelope, Error> {
    Envelope::new(payload, request.event_context())
}

/// A member, with its version as a strong `ETag`.
fn member(user: &User) -> Result<ApiResponse, Error> {
    ApiResponse::ok(&MemberView::from(user))?
        .with_header(header::ETAG, &format!("\"{}\"", user.version))
}

pub const LIST: &str = "GET /v1/users";
pub const SHOW: &str = "GET /v1/users/{userId}";
pub const CHANGE: &str = "PATCH /v1/users/{userId}";
pub const REMOVE: &str = "DELETE /v1/users/{userId}";

impl HttpFunction for MemberUsers {
    const NAME: &'static str = "member-users";
    const ROUTES: &'static [Route] = &[
        Route::new(LIST),
        Route::new(SHOW),
        Route::new(CHANGE).json(),
        Route::new(REMOVE),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let me = request.principal.member(Scope::MembersManage)?;
        if request.route_key() == LIST {
            let query = UserQuery {
                status: request
                    .query("status")?
                    .map(|s| match s {
                        "Invited" => Ok(UserStatus::Invited),
                        "Active" => Ok(UserStatus::Active),
                        "Disabled" => Ok(UserStatus::Disabled),
                        _ => Err(Error::invalid(
                            "status",
                            "must be Invited, Active or Disabled",
                        )),
                    })
                    .transpose()?,
                role: request.query("role")?.map(Role::parse).transpose()?,
                email_prefix: request.query("email")?,
                limit: PageSize::parse(request.query("limit")?)?,
                cursor: request.query("cursor")?,
            };
            let page = self.store.list_users(me.tenant_id, &query).await?;
            let read = PersonalDataRead {
                tenant_id: Some(me.tenant_id),
                data: PersonalData::Members,
                resource: format!("tenant/{}/users", me.tenant_id),
                subjects: page.items.iter().map(|u| u.id.to_string()).collect(),
                count: page.items.len() as u64,
                query: Default::default(),
            };
            request
                .record_read(&self.store, read, &["role", "status", "email"])
                .await?;
            return ApiResponse::ok(&PageView::<MemberView>::from(page));
        }
        let user = self.named(&request, me.tenant_id).await?;
        match request.route_key() {
            CHANGE => member(&self.change(&request, me.role, user).await?),
            REMOVE => {
                self.remove(&request, me.role, &user).await?;
                ApiResponse::ok(&MemberView::from(&user))
            }
            SHOW => {
                let read = PersonalDataRead {
                    tenant_id: Some(me.tenant_id),
                    data: PersonalData::Member,
                    resource: format!("tenant/{}/user/{}", me.tenant_id, user.id),
                    subjects: vec![user.id.to_string()],
                    count: 1,
                    query: Default::default(),
                };
                request.record_read(&self.store, read, &[]).await?;
                member(&user)
            }
            _ => Err(Error::NotFound),
        }
    }
}
