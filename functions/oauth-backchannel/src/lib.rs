//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0;
//! doc/adr/0042-the-control-plane-as-openid-provider.md): when a member's
//! session ends, every managed application that got tokens of it is told
//! at once, server to server, with a signed logout token.
//!
//! Sessions end in many ways, each a domain event that EventBridge brings
//! here through the back-channel queue (its rule lets exactly
//! [`SESSION_ENDINGS`] through): a logout, a replayed grant, an Owner or
//! Administrator ending sessions, a member disabled, re-roled or removed,
//! a tenant suspended or deleted, an application disabled for a tenant.
//! Each names the sessions it ends: one, a member's, or a tenant's. The
//! applications each session's tokens went to are on its record (noted when
//! a code was redeemed); the ones that registered a back-channel logout URI
//! get a `logout+jwt` POSTed there, through the egress guard (never to an
//! internal address).
//!
//! Every delivery is in the member's tenant's trail: delivered, or failed
//! with outcome `failure`. An application that answers 4xx refused the
//! token and is not asked again; one that cannot be reached (a timeout, a
//! 5xx) makes the message fail, so the queue delivers it again, and after
//! its last attempt sets it aside in the dead-letter queue, whose alarm
//! tells an operator. A session that had ended before the event was told
//! then, not again.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{Duration, Utc};
use cp_domain::{Actor, ApplicationId, Error, Session, SessionId, TenantId, UserId, UserStatus};
use cp_egress::EgressGuard;
use cp_events::{
    BackchannelLogoutDelivered, BackchannelLogoutFailed, Envelope, EventContext, GrantRefused,
    SessionsEnded, SignedOut, TenantApplicationDisabled, UserRemoved, UserRoleChanged,
    UserStatusChanged,
};
use cp_runtime::env::EGRESS_TRUSTED_ORIGINS;
use cp_runtime::{ConfigError, FunctionEnv, queue};
use cp_store::Store;
use cp_tokens::TokenIssuer;
use std::collections::HashMap;

/// The event types that end sessions. The back-channel rule of
/// `terraform/resources.json` lets exactly these through (a test in
/// `local/src/definitions.rs` holds them equal).
pub const SESSION_ENDINGS: &[&str] = &[
    "auth.signed_out",
    "auth.grant_refused",
    "user.sessions_ended",
    "user.status_changed",
    "user.role_changed",
    "user.removed",
    "tenant.suspended",
    "tenant.deletion_requested",
    "tenant.application_disabled",
];

/// How long one application may take to answer.
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Which sessions an event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ended {
    Sessions {
        tenant: TenantId,
        user: UserId,
        ids: Vec<SessionId>,
    },
    Member {
        tenant: TenantId,
        user: UserId,
    },
    Tenant {
        tenant: TenantId,
        /// Only this application's tokens (it was disabled for the tenant).
        only: Option<ApplicationId>,
    },
}

impl Ended {
    /// The sessions `event` ended, if it ended any of a member's.
    fn of(event: &Envelope) -> Option<Self> {
        let one = |tenant: Option<TenantId>, user: UserId, sid: &str| {
            Some(Self::Sessions {
                tenant: tenant?,
                user,
                ids: vec![SessionId::parse(sid)?],
            })
        };
        match event.event_type.as_str() {
            "auth.signed_out" => {
                let e: SignedOut = event.payload()?;
                one(e.tenant_id, e.user_id, &e.session_id)
            }
            "auth.grant_refused" => {
                let e: GrantRefused = event.payload()?;
                // A misused grant ends nothing; a replay ended its session.
                e.replayed.then_some(())?;
                one(e.tenant_id, e.user_id, &e.session_id)
            }
            "user.sessions_ended" => {
                let e: SessionsEnded = event.payload()?;
                Some(if e.all {
                    Self::Member {
                        tenant: e.tenant_id,
                        user: e.user_id,
                    }
                } else {
                    Self::Sessions {
                        tenant: e.tenant_id,
                        user: e.user_id,
                        ids: e
                            .session_ids
                            .iter()
                            .filter_map(|s| SessionId::parse(s))
                            .collect(),
                    }
                })
            }
            "user.status_changed" => {
                let e: UserStatusChanged = event.payload()?;
                (e.status != UserStatus::Active).then_some(Self::Member {
                    tenant: e.tenant_id,
                    user: e.user_id,
                })
            }
            "user.role_changed" => {
                let e: UserRoleChanged = event.payload()?;
                Some(Self::Member {
                    tenant: e.tenant_id,
                    user: e.user_id,
                })
            }
            "user.removed" => {
                let e: UserRemoved = event.payload()?;
                Some(Self::Member {
                    tenant: e.tenant_id,
                    user: e.user_id,
                })
            }
            "tenant.suspended" | "tenant.deletion_requested" => Some(Self::Tenant {
                tenant: event.tenant_id?,
                only: None,
            }),
            "tenant.application_disabled" => {
                let e: TenantApplicationDisabled = event.payload()?;
                Some(Self::Tenant {
                    tenant: e.tenant_id,
                    only: Some(e.app_id),
                })
            }
            _ => None,
        }
    }
}

/// What telling one application came to.
enum Delivery {
    Delivered,
    /// It answered 4xx: it will not take this token, now or later.
    Refused,
    /// A timeout, a refused connection, a 5xx: worth another try.
    Unreachable,
}

#[derive(Debug)]
pub struct OauthBackchannel {
    store: Store,
    tokens: TokenIssuer,
    guard: EgressGuard,
}

impl OauthBackchannel {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        // Only the local stack trusts an origin (its own receiver).
        let guard = env
            .var(EGRESS_TRUSTED_ORIGINS)
            .map(|origins| EgressGuard::from_list(&origins))
            .unwrap_or_default();
        Ok(Self {
            store: env.store()?,
            tokens: env.token_issuer()?,
            guard,
        })
    }

    pub async fn handle(&self, batch: SqsEvent) -> SqsBatchResponse {
        queue::each(&batch, |message| self.notify(message)).await
    }

    async fn notify(&self, message: &SqsMessage) -> Result<(), Error> {
        let event = queue::domain_event(message)?;
        let Some(ended) = Ended::of(&event) else {
            return Ok(());
        };
        let (tenant, user, only) = match &ended {
            Ended::Sessions { tenant, user, .. } | Ended::Member { tenant, user } => {
                (*tenant, Some(*user), None)
            }
            Ended::Tenant { tenant, only } => (*tenant, None, *only),
        };
        let sessions: Vec<Session> = self
            .store
            .sessions(tenant, user)
            .await?
            .into_iter()
            .filter(|s| match &ended {
                Ended::Sessions { ids, .. } => ids.contains(&s.id),
                _ => true,
            })
            // Ended before this event: told when it ended.
            .filter(|s| {
                s.ended_at
                    .is_none_or(|at| at >= event.time - Duration::seconds(5))
            })
            .collect();
        // Each application's registration is read once, however many of
        // the ended sessions it holds tokens of (a tenant's suspension).
        let mut endpoints: HashMap<&str, Option<String>> = HashMap::new();
        let mut retry = false;
        for session in &sessions {
            for client in &session.clients {
                if only.is_some_and(|app| app.to_string() != *client) {
                    continue;
                }
                if !endpoints.contains_key(client.as_str()) {
                    let uri = self.backchannel_uri(client).await?;
                    endpoints.insert(client, uri);
                }
                if let Some(Some(uri)) = endpoints.get(client.as_str()) {
                    retry |= self.tell(uri, client, session, &event).await?;
                }
            }
        }
        if retry {
            Err(Error::Unavailable)
        } else {
            Ok(())
        }
    }

    /// Where `client` registered to be told, if it did.
    async fn backchannel_uri(&self, client: &str) -> Result<Option<String>, Error> {
        let Ok(app_id) = client.parse::<ApplicationId>() else {
            return Ok(None);
        };
        Ok(self
            .store
            .application(app_id)
            .await?
            .and_then(|app| app.client.backchannel_logout_uri))
    }

    /// Tells `client`, at `uri`, that `session` ended, and records how that
    /// went; `true` if it is worth another try.
    async fn tell(
        &self,
        uri: &str,
        client: &str,
        session: &Session,
        event: &Envelope,
    ) -> Result<bool, Error> {
        let now = Utc::now();
        let token = self
            .tokens
            .logout_token(client, session.user_id, &session.id, now)
            .await?;
        let delivery = self.post(uri, &token).await;
        let retried = matches!(delivery, Delivery::Unreachable);
        let context = EventContext {
            time: now,
            actor: Actor::system("oauth-backchannel"),
            correlation_id: event.correlation_id.clone(),
        };
        let record = match delivery {
            Delivery::Delivered => Envelope::new(
                &BackchannelLogoutDelivered {
                    tenant_id: session.tenant_id,
                    user_id: session.user_id,
                    session_id: session.id.to_string(),
                    client_id: client.to_owned(),
                },
                context,
            )?,
            Delivery::Refused | Delivery::Unreachable => Envelope::new(
                &BackchannelLogoutFailed {
                    tenant_id: session.tenant_id,
                    user_id: session.user_id,
                    session_id: session.id.to_string(),
                    client_id: client.to_owned(),
                    reason: if retried { "unreachable" } else { "refused" }.to_owned(),
                    retried,
                },
                context,
            )?,
        };
        tracing::info!(client_id = %client, session = %session.id, event_type = %record.event_type, "back-channel logout");
        let mut writes = self.store.writes();
        writes.event(&record)?;
        self.store.commit(writes).await?;
        Ok(retried)
    }

    /// POSTs the logout token (§2.5: a form with `logout_token`).
    async fn post(&self, uri: &str, token: &str) -> Delivery {
        let Ok(url) = url::Url::parse(uri) else {
            return Delivery::Refused;
        };
        let client = match self.guard.client_for(&url, DELIVERY_TIMEOUT).await {
            Ok(client) => client,
            Err(refusal) => {
                tracing::warn!(
                    reason = refusal.reason(),
                    "back-channel logout URI refused by the egress guard"
                );
                return Delivery::Refused;
            }
        };
        match client
            .post(url)
            .form(&[("logout_token", token)])
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => Delivery::Delivered,
            Ok(response) if response.status().is_client_error() => Delivery::Refused,
            Ok(_) | Err(_) => Delivery::Unreachable,
        }
    }
}
