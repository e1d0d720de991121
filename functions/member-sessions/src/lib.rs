//! Sign-in sessions (FR-AUTH-005, UC-TENANT-SESSION-REVOKE, UC-LOGOUT).
//!
//! - `GET /v1/me/sessions`, `DELETE /v1/me/sessions/{sessionId}`: a tenant
//!   user's own sessions; `POST /v1/logout` ends the current one.
//! - `GET /v1/users/{userId}/sessions`,
//!   `DELETE /v1/users/{userId}/sessions/{sessionId}`,
//!   `DELETE /v1/users/{userId}/sessions`: a member's, for Owners and
//!   Administrators (who cannot touch Owners).
//!
//! An ended session's tokens are refused from the next request on
//! (ERR-AUTH-440): the principal resolver reads the session with the user
//! on every request, strongly consistent. Ending all of a member's sessions
//! also moves their revocation watermark, so a token of a session not yet
//! recorded is refused too.

use cp_api::SessionView;
use cp_auth::session_of;
use cp_domain::member::membership::may_manage;
use cp_domain::{Error, Member, Scope, Session, SessionId, User, UserId};
use cp_events::{Envelope, PersonalData, PersonalDataRead, SessionsEnded};
use cp_runtime::Route;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;

/// A transaction holds 100 items; the user and the event take two.
const MAX_ENDED_AT_ONCE: usize = 90;

#[derive(Debug)]
pub struct MemberSessions {
    store: Store,
}

/// Whose sessions a request is about, with them.
enum Whose {
    Own(Member),
    Member(User),
}

impl MemberSessions {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
        })
    }

    /// Whose sessions the request names, and those sessions: one query
    /// finds a user and their sessions together.
    async fn whose(&self, request: &ApiRequest) -> Result<(Whose, Vec<Session>), Error> {
        if matches!(request.route_key(), MY_SESSIONS | END_MINE | LOGOUT) {
            let me = request.principal.member(Scope::TenantsRead)?;
            let (_, sessions) = self
                .store
                .user_with_sessions(me.tenant_id, me.user_id)
                .await?
                .ok_or(Error::AccessDenied)?;
            return Ok((Whose::Own(me), sessions));
        }
        let me = request.principal.member(Scope::MembersManage)?;
        let id: UserId = request.id_param("userId")?;
        let (user, sessions) = self
            .store
            .user_with_sessions(me.tenant_id, id)
            .await?
            .ok_or(Error::NotFound)?;
        may_manage(me.role, user.role)?;
        Ok((Whose::Member(user), sessions))
    }

    /// Ends `ended` (or, with `all`, every session of `user` and its
    /// watermark) in one transaction with its event.
    async fn end(
        &self,
        request: &ApiRequest,
        user: (cp_domain::TenantId, UserId),
        ended: Vec<Session>,
        all: Option<User>,
    ) -> Result<(), Error> {
        let event = Envelope::new(
            &SessionsEnded {
                tenant_id: user.0,
                user_id: user.1,
                session_ids: ended.iter().map(|s| s.id.to_string()).collect(),
                all: all.is_some(),
            },
            request.event_context(),
        )?;
        let mut writes = self.store.writes();
        for mut session in ended {
            session.ended_at = Some(request.now);
            writes.end_session(&session)?;
        }
        if let Some(mut user) = all {
            user.revoke_sessions(request.now);
            writes.replace_user(&user)?;
        }
        writes.event(&event)?;
        self.store.commit(writes).await.map(|_| ())
    }
}

pub const MY_SESSIONS: &str = "GET /v1/me/sessions";
pub const END_MINE: &str = "DELETE /v1/me/sessions/{sessionId}";
pub const LOGOUT: &str = "POST /v1/logout";
pub const MEMBER_SESSIONS: &str = "GET /v1/users/{userId}/sessions";
pub const END_MEMBERS: &str = "DELETE /v1/users/{userId}/sessions/{sessionId}";
pub const END_ALL_MEMBERS: &str = "DELETE /v1/users/{userId}/sessions";

impl HttpFunction for MemberSessions {
    const NAME: &'static str = "member-sessions";
    const ROUTES: &'static [Route] = &[
        Route::new(MY_SESSIONS),
        Route::new(END_MINE),
        Route::new(LOGOUT),
        Route::new(MEMBER_SESSIONS),
        Route::new(END_MEMBERS),
        Route::new(END_ALL_MEMBERS),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let (whose, sessions) = self.whose(&request).await?;
        let (tenant, user_id) = match &whose {
            Whose::Own(me) => (me.tenant_id, me.user_id),
            Whose::Member(user) => (user.tenant_id, user.id),
        };
        let current = request.claims.as_ref().and_then(session_of);
        let views = |sessions: &[Session]| -> Vec<SessionView> {
            let current = matches!(whose, Whose::Own(_))
                .then_some(current.as_ref())
                .flatten();
            sessions
                .iter()
                .map(|s| SessionView::of(s, current))
                .collect()
        };
        match request.route_key() {
            MY_SESSIONS | MEMBER_SESSIONS => {
                if let Whose::Member(user) = &whose {
                    let read = PersonalDataRead {
                        tenant_id: Some(tenant),
                        data: PersonalData::MemberSessions,
                        resource: format!("tenant/{}/user/{}/sessions", tenant, user.id),
                        subjects: vec![user.id.to_string()],
                        count: sessions.len() as u64,
                        query: Default::default(),
                    };
                    request.record_read(&self.store, read, &[]).await?;
                }
                ApiResponse::ok(&serde_json::json!({ "items": views(&sessions) }))
            }
            LOGOUT | END_MINE | END_MEMBERS => {
                let id = if request.route_key() == LOGOUT {
                    current.clone().ok_or(Error::InvalidCredentials)?
                } else {
                    SessionId::parse(request.path_param("sessionId")?).ok_or(Error::NotFound)?
                };
                let session = sessions
                    .iter()
                    .find(|s| s.id == id)
                    .cloned()
                    .ok_or(Error::NotFound)?;
                if !session.is_ended() {
                    self.end(&request, (tenant, user_id), vec![session.clone()], None)
                        .await?;
                }
                let mut ended = session;
                ended.ended_at.get_or_insert(request.now);
                ApiResponse::ok(&views(&[ended]).remove(0))
            }
            END_ALL_MEMBERS => {
                let Whose::Member(user) = whose else {
                    return Err(Error::NotFound);
                };
                // The newest that fit one transaction; the watermark ends
                // the tokens of any others.
                let open: Vec<Session> = sessions
                    .into_iter()
                    .filter(|s| !s.is_ended())
                    .take(MAX_ENDED_AT_ONCE)
                    .collect();
                let count = open.len();
                self.end(&request, (tenant, user_id), open, Some(user))
                    .await?;
                ApiResponse::ok(&serde_json::json!({ "ended": count, "all": true }))
            }
            _ => Err(Error::NotFound),
        }
    }
}
