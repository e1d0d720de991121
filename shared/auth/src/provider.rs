//! What the OpenID Provider's endpoints share: which clients there are,
//! who may sign in to which, and whether a sign-in still stands
//! (doc/adr/0042-the-control-plane-as-openid-provider.md).
//!
//! - **Clients** are the product's own (the console, `cpctl`: public
//!   clients from configuration, whose access tokens are for the control
//!   plane's API) and the managed applications that registered as clients
//!   (their access tokens are for themselves: `aud` is their id).
//! - **Admission**: platform roles count only from the workforce directory
//!   and only at the product's own clients; everyone else is a member of a
//!   tenant, by the identity their invitation bound, and reaches an
//!   application only if that tenant enabled it. An identity is a platform
//!   person or a member, never both.
//! - **A sign-in stands** while its session is not ended, the member is
//!   Active, the tenant Active (and, for an application, still using it),
//!   and no revocation came after the sign-in: what the resolver checks on
//!   every API request, checked again at every refresh. A platform
//!   person's sign-in stands until its session is ended (one `GetItem`).

use crate::upstream::UpstreamIdentity;
use cp_domain::member::session::sign_in_stands;
use cp_domain::oauth::grant::REFRESH_LIFETIME;
use cp_domain::oauth::{ClientConfig, ClientRegistration, ClientType, Person, SignIn, Upstream};
use cp_domain::{
    Application, ApplicationId, Error, PlatformRole, Session, SessionOrigin, TenantId, User, UserId,
};
use cp_events::{Envelope, EventContext, PlatformUserProvisioned, SignedIn};
use cp_store::{IdentityKind, Store};
use std::collections::HashMap;

/// A client of the OpenID Provider.
#[derive(Debug, Clone)]
pub enum Client {
    /// The console or `cpctl`.
    FirstParty { id: String, config: ClientConfig },
    /// A managed application.
    Application(Box<Application>),
}

impl Client {
    pub fn id(&self) -> String {
        match self {
            Self::FirstParty { id, .. } => id.clone(),
            Self::Application(app) => app.id.to_string(),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        match self {
            Self::FirstParty { config, .. } => config,
            Self::Application(app) => &app.client,
        }
    }

    /// The `aud` of the access tokens it gets: the control plane's API for
    /// the product's own clients, the application itself otherwise.
    pub fn audience(&self, api_audience: &str) -> String {
        match self {
            Self::FirstParty { .. } => api_audience.to_owned(),
            Self::Application(app) => app.id.to_string(),
        }
    }

    /// A disabled application's clients get nothing.
    pub fn is_usable(&self) -> bool {
        match self {
            Self::FirstParty { .. } => true,
            Self::Application(app) => app.is_active(),
        }
    }
}

/// The clients, by `client_id`.
#[derive(Debug, Clone)]
pub struct Clients {
    first_party: HashMap<String, ClientConfig>,
    store: Store,
}

impl Clients {
    /// `first_party` is the configuration's JSON object of the product's
    /// own clients, by id, each a registration (`redirect_uris`, ...);
    /// they must be public clients.
    pub fn new(store: Store, first_party: &str) -> Result<Self, String> {
        let raw: HashMap<String, ClientRegistration> =
            serde_json::from_str(first_party).map_err(|e| e.to_string())?;
        let mut clients = HashMap::new();
        for (id, registration) in raw {
            let config = ClientConfig::parse(registration).map_err(|e| format!("{id}: {e:?}"))?;
            if config.client_type != ClientType::Public || id.parse::<ApplicationId>().is_ok() {
                return Err(format!(
                    "{id}: the product's own clients are public, named apart from applications"
                ));
            }
            clients.insert(id, config);
        }
        Ok(Self {
            first_party: clients,
            store,
        })
    }

    pub async fn find(&self, client_id: &str) -> Result<Option<Client>, Error> {
        if let Some(config) = self.first_party.get(client_id) {
            return Ok(Some(Client::FirstParty {
                id: client_id.to_owned(),
                config: config.clone(),
            }));
        }
        let Ok(id) = client_id.parse::<ApplicationId>() else {
            return Ok(None);
        };
        Ok(self
            .store
            .application(id)
            .await?
            .map(|app| Client::Application(Box::new(app))))
    }
}

/// Whom a sign-in at a directory admits to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// Nobody the client may serve.
    Nobody,
    Person(Person),
    /// A member of several tenants the client may serve: they choose one
    /// (or the client names it with `tenant`). Each tenant with its name
    /// and domain.
    Choice(Vec<(TenantId, String)>),
}

/// A sign-in that stands: a platform person's, or a member's, with their
/// record as it is now.
#[derive(Debug, Clone)]
pub enum Standing {
    Platform,
    Member(Box<User>),
}

/// Who may sign in to which client, and whether a sign-in still stands.
#[derive(Debug, Clone)]
pub struct Admission {
    store: Store,
}

impl Admission {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Who `identity`, authenticated at `upstream`, is at `client`: a
    /// platform person, a member of one tenant the client may serve (or of
    /// the `tenant` the client asked for), a choice when they are a member
    /// of several, or nobody.
    pub async fn admit(
        &self,
        identity: &UpstreamIdentity,
        upstream: Upstream,
        client: &Client,
        tenant: Option<TenantId>,
    ) -> Result<Admitted, Error> {
        let bindings = self
            .store
            .identities(&identity.issuer, &identity.subject)
            .await?;
        let roles: Vec<PlatformRole> = match upstream {
            Upstream::Workforce => identity
                .roles
                .iter()
                .filter_map(|r| PlatformRole::parse(r))
                .collect(),
            // A role claim from the customers' directory means nothing.
            Upstream::Customer => Vec::new(),
        };
        if !roles.is_empty() {
            let is_member = bindings.iter().any(|b| b.kind == IdentityKind::Tenant);
            if is_member || tenant.is_some() || !matches!(client, Client::FirstParty { .. }) {
                return Ok(Admitted::Nobody);
            }
            return Ok(Admitted::Person(Person::Platform {
                user_id: UserId::for_platform_identity(&identity.issuer, &identity.subject),
                roles,
            }));
        }
        let memberships: Vec<(TenantId, UserId)> = bindings
            .iter()
            .filter(|b| b.kind == IdentityKind::Tenant)
            .filter_map(|b| Some((b.tenant_id?, b.user_id)))
            .filter(|(t, _)| tenant.is_none_or(|asked| asked == *t))
            .collect();
        // Each membership's member and tenant, read at once.
        let read = futures::future::join_all(
            memberships
                .iter()
                .map(|(t, u)| self.store.user_and_tenant(*t, *u)),
        )
        .await;
        let mut admitted = Vec::new();
        for ((tenant_id, user_id), found) in memberships.into_iter().zip(read) {
            let (Some(user), Some(tenant)) = found? else {
                continue;
            };
            let uses = match client {
                Client::FirstParty { .. } => true,
                Client::Application(app) => tenant.applications.contains(&app.id),
            };
            if user.may_sign_in() && tenant.admits_users() && uses && client.is_usable() {
                let person = Person::Member {
                    user_id,
                    tenant_id,
                    role: user.role,
                };
                // Names may repeat; domains never do.
                let label = format!("{} ({})", tenant.name.as_str(), tenant.domain);
                admitted.push((person, label));
            }
        }
        Ok(match admitted.len() {
            0 => Admitted::Nobody,
            1 => Admitted::Person(admitted.remove(0).0),
            _ => Admitted::Choice(
                admitted
                    .into_iter()
                    .filter_map(|(person, name)| Some((person.tenant_id()?, name)))
                    .collect(),
            ),
        })
    }

    /// Starts `sign_in`'s session: a member's is recorded where their
    /// sessions are listed (platform people's live in their tokens), in one
    /// transaction with the `auth.signed_in` event. A platform person's
    /// first sign-in also creates their User record (tenant NULL) and binds
    /// `identity` to it (FR-SYS-004), in the same transaction; a racing twin
    /// finds it there and only signs in.
    pub async fn start(
        &self,
        sign_in: &SignIn,
        identity: &UpstreamIdentity,
        client_id: &str,
        origin: SessionOrigin,
        context: EventContext,
    ) -> Result<(), Error> {
        // Whoever signs in is the actor of what their sign-in does.
        let context = EventContext {
            actor: sign_in.person.actor(),
            ..context
        };
        let event = Envelope::new(
            &SignedIn {
                user_id: sign_in.person.user_id(),
                tenant_id: sign_in.person.tenant_id(),
                session_id: sign_in.session.to_string(),
                client_id: client_id.to_owned(),
                upstream: sign_in.upstream.as_str().to_owned(),
                amr: sign_in.amr.clone(),
            },
            context.clone(),
        )?;
        let (user_id, roles) = match &sign_in.person {
            Person::Platform { user_id, roles } => (user_id, roles),
            Person::Member {
                user_id, tenant_id, ..
            } => {
                let session = Session::started(
                    *tenant_id,
                    *user_id,
                    sign_in.session.clone(),
                    origin,
                    context.time,
                );
                let mut writes = self.store.writes();
                writes.start_session(&session)?.event(&event)?;
                return self.store.commit(writes).await.map(|_| ());
            }
        };
        let signed_in_only = || -> Result<_, Error> {
            let mut writes = self.store.writes();
            writes.event(&event)?;
            Ok(writes)
        };
        let known = self
            .store
            .identities(&identity.issuer, &identity.subject)
            .await?
            .iter()
            .any(|b| b.kind == IdentityKind::Platform);
        if known {
            return self.store.commit(signed_in_only()?).await.map(|_| ());
        }
        let provisioned = Envelope::new(
            &PlatformUserProvisioned {
                user_id: *user_id,
                roles: roles.clone(),
                issuer: identity.issuer.clone(),
            },
            context.clone(),
        )?;
        let mut writes = signed_in_only()?;
        writes
            .create_platform_user(&identity.issuer, &identity.subject, *user_id, context.time)?
            .event(&provisioned)?;
        match self.store.commit(writes).await {
            Ok(_) => {
                tracing::info!(%user_id, "platform user provisioned at first sign-in");
                Ok(())
            }
            // A racing first sign-in of the same person created it.
            Err(Error::Conflict(_)) => self.store.commit(signed_in_only()?).await.map(|_| ()),
            Err(e) => Err(e),
        }
    }

    /// Notes that an application got tokens of a member's session, so that
    /// it is told when the session ends (back-channel logout). The
    /// product's own clients, and platform people, need no telling.
    pub async fn note_client(&self, sign_in: &SignIn, client: &Client) -> Result<(), Error> {
        match (&sign_in.person, client) {
            (
                Person::Member {
                    user_id, tenant_id, ..
                },
                Client::Application(app),
            ) => {
                self.store
                    .add_session_client(*tenant_id, *user_id, &sign_in.session, &app.id.to_string())
                    .await
            }
            _ => Ok(()),
        }
    }

    /// Records `event` alone: a refusal worth the trail (CC-LOG-003).
    pub async fn record(&self, event: &Envelope) -> Result<(), Error> {
        let mut writes = self.store.writes();
        writes.event(event)?;
        self.store.commit(writes).await.map(|_| ())
    }

    /// Whether `sign_in` still stands for `client` (one strongly consistent
    /// round trip for a member, one `GetItem` for a platform person).
    pub async fn stands(&self, sign_in: &SignIn, client: &Client) -> Result<bool, Error> {
        Ok(self.standing(sign_in, client).await?.is_some())
    }

    /// As [`Self::stands`], with the member's record when it is a member's
    /// sign-in that stands.
    pub async fn standing(
        &self,
        sign_in: &SignIn,
        client: &Client,
    ) -> Result<Option<Standing>, Error> {
        let Person::Member {
            user_id,
            tenant_id,
            role,
        } = &sign_in.person
        else {
            // Platform people sign in to the product's own clients only.
            let stands = matches!(client, Client::FirstParty { .. })
                && !self.store.platform_session_ended(&sign_in.session).await?;
            return Ok(stands.then_some(Standing::Platform));
        };
        let (user, tenant, session) = self
            .store
            .user_tenant_session(*tenant_id, *user_id, &sign_in.session)
            .await?;
        let (Some(user), Some(tenant)) = (user, tenant) else {
            return Ok(None);
        };
        let uses = match client {
            Client::FirstParty { .. } => true,
            Client::Application(app) => tenant.applications.contains(&app.id),
        };
        let stands = sign_in_stands(&user, &tenant, session.as_ref(), sign_in.auth_time).is_ok()
            && user.role == *role
            && uses
            && client.is_usable();
        Ok(stands.then(|| Standing::Member(Box::new(user))))
    }

    /// Ends a sign-in's session (logout, or its grants used twice), with
    /// `event` saying why: every grant of it is refused from now on.
    pub async fn end(&self, sign_in: &SignIn, event: &Envelope) -> Result<(), Error> {
        let mut writes = self.store.writes();
        match &sign_in.person {
            Person::Member {
                user_id, tenant_id, ..
            } => {
                let (_, _, session) = self
                    .store
                    .user_tenant_session(*tenant_id, *user_id, &sign_in.session)
                    .await?;
                if let Some(mut session) = session.filter(|s| !s.is_ended()) {
                    session.ended_at = Some(event.time);
                    writes.end_session(&session)?;
                }
            }
            Person::Platform { .. } => {
                let until = event.time + REFRESH_LIFETIME;
                self.store
                    .end_platform_session(&sign_in.session, until)
                    .await?;
            }
        }
        writes.event(event)?;
        self.store.commit(writes).await.map(|_| ())
    }
}
