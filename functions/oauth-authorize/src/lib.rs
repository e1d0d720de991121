//! The OpenID Provider's authorization endpoint (OpenID Connect Core 1.0
//! §3.1.2; doc/adr/0042-the-control-plane-as-openid-provider.md).
//!
//! - `GET /oauth2/authorize`: checks the client's request (registered
//!   client, exact redirect URI, code flow, PKCE `S256`, scopes). A browser
//!   that signed in here before, recently enough for the request's
//!   `max_age` and without `prompt=login`, gets its code at once, if the
//!   sign-in still stands for this client; `prompt=none` gets
//!   `login_required` otherwise. Everyone else is sent to sign in at an
//!   upstream directory: the one the client names (`idp`), the customers'
//!   directory for an application, or, at the product's own clients, the
//!   one the person picks on a page.
//! - `GET /oauth2/callback`: the directory's answer. The pending sign-in is
//!   taken once, by the hash of its `state`, and only in the browser that
//!   started it (a cookie named after that hash holds the state: a login
//!   CSRF's victim has none). The directory's code is redeemed with the
//!   PKCE verifier and its ID token verified with the nonce; the identity
//!   is admitted to the client (a platform person, or a member of a tenant
//!   that uses the application), a session is started, and the client
//!   gets a single-use code at its redirect URI, with `state` and `iss`
//!   (RFC 9207).
//!
//! - `GET /oauth2/logout`, `GET /oauth2/logged-out`: RP-initiated logout
//!   ([`logout`]).
//!
//! Requests whose client or redirect URI cannot be trusted are answered
//! on a page of the control plane's own, never redirected (RFC 6749
//! §4.1.2.1); every other failure goes back to the client as an OAuth
//! error. Pages are never framed (`frame-ancestors 'none'`). The codes, the
//! states and the browser's sign-in are stored only as hashes.

mod logout;
mod page;

use crate::page::{escape, page_with, unknown_client, unusable};
use chrono::{Duration, Utc};
use cp_auth::provider::{Admission, Admitted, Client, Clients};
use cp_auth::upstream::{
    DirectoryConfig, UpstreamDirectory, UpstreamIdentity, UpstreamRequest, directories,
};
use cp_domain::oauth::authorize::{Params, SIGN_IN_LIFETIME, redirect_with};
use cp_domain::oauth::grant::CODE_LIFETIME;
use cp_domain::oauth::{
    AuthorizationRequest, AuthorizeError, CodeChallenge, CodeGrant, PendingSignIn, Prompt, SignIn,
    Taken, Upstream,
};
use cp_domain::{
    Actor, ActorType, Error, SecretToken, SessionId, SessionOrigin, TenantId, TokenHash,
};
use cp_events::{Envelope, EventContext, SignInRefused, UserActivated};
use cp_runtime::Route;
use cp_runtime::env::{OAUTH_CLIENTS, TOKEN_ISSUER, UPSTREAM_DIRECTORIES};
use cp_runtime::{ApiRequest, ApiResponse, Callers, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use cp_tokens::TokenIssuer;
use http::{StatusCode, header};
use std::collections::HashMap;
use tokio::sync::OnceCell;

pub const AUTHORIZE: &str = "GET /oauth2/authorize";
pub const CALLBACK: &str = "GET /oauth2/callback";
pub const LOGOUT: &str = "GET /oauth2/logout";
pub const LOGGED_OUT: &str = "GET /oauth2/logged-out";

/// The browser's sign-in at the control plane lasts this long: within it,
/// every client gets its code without the person signing in again.
pub const BROWSER_SIGN_IN_LIFETIME: Duration = Duration::hours(12);
/// The cookie that names a browser's sign-in.
pub const SIGN_IN_COOKIE: &str = "cp_sign_in";
/// The cookies that bind a pending sign-in to its browser start so.
const PENDING_COOKIE_PREFIX: &str = "cp_authz_";

#[derive(Debug)]
pub struct OauthAuthorize {
    store: Store,
    clients: Clients,
    admission: Admission,
    issuer: String,
    /// Reads the ID tokens clients give back at logout.
    tokens: TokenIssuer,
    kms: aws_sdk_kms::Client,
    configured: HashMap<Upstream, DirectoryConfig>,
    directories: OnceCell<HashMap<Upstream, UpstreamDirectory>>,
    /// `Secure` cookies where the issuer is https (everywhere but the
    /// local stack).
    secure: bool,
}

impl OauthAuthorize {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        let store = env.store()?;
        let clients = Clients::new(store.clone(), &env.var(OAUTH_CLIENTS)?)
            .map_err(|e| ConfigError::Invalid(OAUTH_CLIENTS, e))?;
        // The client secrets are KMS ciphertext, opened on first use.
        let configured = directories(&env.var(UPSTREAM_DIRECTORIES)?)
            .map_err(|e| ConfigError::Invalid(UPSTREAM_DIRECTORIES, e))?;
        let issuer = env.var(TOKEN_ISSUER)?.trim_end_matches('/').to_owned();
        Ok(Self {
            admission: Admission::new(store.clone()),
            store,
            clients,
            secure: issuer.starts_with("https://"),
            tokens: env.token_issuer()?,
            issuer,
            kms: aws_sdk_kms::Client::new(&env.sdk),
            configured,
            directories: OnceCell::new(),
        })
    }

    /// The directories, their secrets opened once per process.
    async fn directory(&self, upstream: Upstream) -> Result<&UpstreamDirectory, Error> {
        let directories = self
            .directories
            .get_or_try_init(|| async {
                let mut directories = HashMap::new();
                for (upstream, config) in &self.configured {
                    let secret =
                        cp_aws::open_config_secret(&self.kms, &config.client_secret).await?;
                    directories.insert(
                        *upstream,
                        UpstreamDirectory::new(
                            config.issuer.clone(),
                            config.client_id.clone(),
                            secret,
                            format!("{}/oauth2/callback", self.issuer),
                        ),
                    );
                }
                Ok::<_, Error>(directories)
            })
            .await?;
        directories.get(&upstream).ok_or_else(|| {
            tracing::error!(
                upstream = upstream.as_str(),
                "no such upstream directory configured"
            );
            Error::Internal
        })
    }
}

impl HttpFunction for OauthAuthorize {
    const NAME: &'static str = "oauth-authorize";
    const CALLERS: Callers = Callers::Anyone;
    const ROUTES: &'static [Route] = &[
        Route::new(AUTHORIZE),
        Route::new(CALLBACK),
        Route::new(LOGOUT),
        Route::new(LOGGED_OUT),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        match request.route_key() {
            AUTHORIZE => self.authorize(&request).await,
            CALLBACK => self.callback(&request).await,
            LOGOUT => self.logout(&request).await,
            LOGGED_OUT => self.logged_out(&request).await,
            _ => Err(Error::NotFound),
        }
    }
}

impl OauthAuthorize {
    async fn authorize(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let params: &Params = request.query_params();
        let client_id = match AuthorizationRequest::client_id(params) {
            Ok(id) => id,
            Err(refusal) => return self.refuse(request, refusal),
        };
        let client = match self.clients.find(client_id).await? {
            Some(client) if client.is_usable() => client,
            _ => return unknown_client(request),
        };
        let asked = match AuthorizationRequest::parse(params, client_id, client.config()) {
            Ok(asked) => asked,
            Err(refusal) => return self.refuse(request, refusal),
        };
        // Accepting an invitation binds the identity the person signs in
        // with now: never answered from an earlier sign-in.
        let accepting = asked.invitation.is_some();
        if !accepting
            && let Some(sign_in) = self.signed_in_browser(request, &asked, &client).await?
        {
            return self.answer(&asked, sign_in).await;
        }
        if asked.prompt == Some(Prompt::None) {
            return self.refuse_to_client(&asked, "login_required", "the person must sign in");
        }
        let upstream = match (asked.upstream, &client) {
            (Some(upstream), _) => upstream,
            // Invitees and applications' people are customers' people.
            (None, Client::Application(_)) => Upstream::Customer,
            (None, Client::FirstParty { .. }) if accepting => Upstream::Customer,
            (None, Client::FirstParty { .. }) => return self.chooser(request),
        };
        self.send_upstream(request, asked, upstream).await
    }

    /// The browser's earlier sign-in, if it may answer this request.
    async fn signed_in_browser(
        &self,
        request: &ApiRequest,
        asked: &AuthorizationRequest,
        client: &Client,
    ) -> Result<Option<SignIn>, Error> {
        let Some((_, sign_in)) = self.browser_sign_in(request).await? else {
            return Ok(None);
        };
        let fits = asked.accepts_sign_in_at(sign_in.auth_time.timestamp(), request.now.timestamp())
            && asked
                .tenant
                .is_none_or(|t| sign_in.person.tenant_id() == Some(t))
            && self.admission.stands(&sign_in, client).await?;
        Ok(fits.then_some(sign_in))
    }

    /// The browser's cookie and the sign-in it stands for, if any.
    pub(crate) async fn browser_sign_in<'r>(
        &self,
        request: &'r ApiRequest,
    ) -> Result<Option<(&'r str, SignIn)>, Error> {
        let Some(cookie) = request.cookie(SIGN_IN_COOKIE) else {
            return Ok(None);
        };
        let hash = SecretToken::from_presented(cookie).hash();
        Ok(self
            .store
            .browser_sign_in(&hash, request.now)
            .await?
            .map(|sign_in| (cookie, sign_in)))
    }

    /// The page where a person at the product's own clients picks where
    /// they sign in: each choice is this request again, naming it.
    fn chooser(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let link = |upstream: Upstream| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (name, values) in request.query_params() {
                for value in values {
                    query.append_pair(name, value);
                }
            }
            query.append_pair("idp", upstream.as_str());
            escape(&format!("/oauth2/authorize?{}", query.finish()))
        };
        let body = format!(
            "<p>Sign in as</p>\n<ul>\n<li><a href=\"{}\">a member of a customer's organisation</a></li>\n<li><a href=\"{}\">company staff (operators, auditors, developers)</a></li>\n</ul>",
            link(Upstream::Customer),
            link(Upstream::Workforce),
        );
        page_with(StatusCode::OK, "Sign in", &body)
    }

    async fn send_upstream(
        &self,
        request: &ApiRequest,
        asked: AuthorizationRequest,
        upstream: Upstream,
    ) -> Result<ApiResponse, Error> {
        let directory = self.directory(upstream).await?;
        let state = SecretToken::generate()?;
        let verifier = SecretToken::generate()?;
        let nonce = SecretToken::generate()?;
        let fresh = asked.prompt == Some(Prompt::Login);
        let pending = PendingSignIn {
            upstream,
            verifier: verifier.expose().to_owned(),
            nonce: nonce.expose().to_owned(),
            expires_at: request.now + SIGN_IN_LIFETIME,
            request: asked,
        };
        let challenge = CodeChallenge::of(verifier.expose());
        let location = directory
            .authorization_url(&UpstreamRequest {
                state: state.expose(),
                nonce: nonce.expose(),
                code_challenge: challenge.as_str(),
                fresh,
                login_hint: pending.request.login_hint.as_deref(),
                max_age: pending.request.max_age,
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, upstream = upstream.as_str(), "upstream directory unavailable");
                Error::Unavailable
            })?;
        let hash = state.hash();
        self.store.start_sign_in(&hash, &pending).await?;
        let cookie = self.cookie(
            &pending_cookie(&hash.to_hex()),
            state.expose(),
            "/oauth2/callback",
            SIGN_IN_LIFETIME,
        );
        ApiResponse::redirect(location).with_added_header(header::SET_COOKIE, &cookie)
    }

    async fn callback(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let expired = || {
            unusable(
                request,
                Error::Gone,
                "This sign-in has expired or was already used. Go back to the application and sign in again.",
            )
        };
        let Some(state) = request.query("state").ok().flatten() else {
            return expired();
        };
        let state = SecretToken::from_presented(state);
        let hash = state.hash();
        // Only the browser that started the sign-in may finish it.
        let cookie_name = pending_cookie(&hash.to_hex());
        let bound = request
            .cookie(&cookie_name)
            .is_some_and(|c| constant_time_eq(c, state.expose()));
        if !bound {
            tracing::warn!("sign-in answer in a browser that did not start it");
            return expired();
        }
        let pending = match self.store.take_sign_in(&hash, request.now).await? {
            Taken::First(pending) => pending,
            Taken::Again(_) | Taken::Nothing => return expired(),
        };
        let clear = self.cookie(&cookie_name, "", "/oauth2/callback", Duration::zero());
        let answer = self.finish(request, &pending).await?;
        answer.with_added_header(header::SET_COOKIE, &clear)
    }

    async fn finish(
        &self,
        request: &ApiRequest,
        pending: &PendingSignIn,
    ) -> Result<ApiResponse, Error> {
        let asked = &pending.request;
        if let Some(error) = request.query("error").ok().flatten() {
            // The person cancelled, or the directory refused them.
            let error = match error {
                "login_required" => "login_required",
                "interaction_required" => "interaction_required",
                "temporarily_unavailable" => "temporarily_unavailable",
                _ => "access_denied",
            };
            self.record_refusal(request, pending, "cancelled").await?;
            return self.refuse_to_client(
                asked,
                error,
                "the sign-in at the directory did not complete",
            );
        }
        let Some(code) = request.query("code").ok().flatten() else {
            return self.refuse_to_client(asked, "server_error", "the directory sent no code");
        };
        let Some(client) = self.clients.find(&asked.client_id).await? else {
            return unknown_client(request);
        };
        let directory = self.directory(pending.upstream).await?;
        let identity = match directory
            .redeem(code, &pending.verifier, &pending.nonce)
            .await
        {
            Ok(identity) => identity,
            Err(e) => {
                tracing::warn!(error = %e, upstream = pending.upstream.as_str(), "upstream sign-in not verified");
                self.record_refusal(request, pending, "not_verified")
                    .await?;
                return self.refuse_to_client(
                    asked,
                    "access_denied",
                    "the sign-in at the directory could not be verified",
                );
            }
        };
        let mut tenant = asked.tenant;
        if let Some(invitation) = &asked.invitation {
            match self.accept(request, invitation, &identity).await? {
                // Signed in to the tenant just joined.
                Ok(joined) => tenant = Some(joined),
                Err(reason) => {
                    self.record_refusal(request, pending, "invitation_refused")
                        .await?;
                    return self.refuse_to_client(asked, "access_denied", reason);
                }
            }
        }
        let admitted = self
            .admission
            .admit(&identity, pending.upstream, &client, tenant)
            .await?;
        let person = match admitted {
            Admitted::Person(person) => person,
            Admitted::Choice(tenants) => {
                return choose_tenant(asked, pending.upstream, &tenants);
            }
            Admitted::Nobody => {
                tracing::info!(upstream = pending.upstream.as_str(), client_id = %asked.client_id, "signed-in person not admitted");
                self.record_refusal(request, pending, "not_admitted")
                    .await?;
                return self.refuse_to_client(
                    asked,
                    "access_denied",
                    "you are not a member of an organisation that uses this application",
                );
            }
        };
        let sign_in = new_sign_in(person, pending.upstream, &identity);
        let origin = SessionOrigin::new(
            request.source_ip(),
            request.header("user-agent").ok().flatten(),
        );
        self.admission
            .start(
                &sign_in,
                &identity,
                &asked.client_id,
                origin,
                request.event_context(),
            )
            .await?;
        let browser = SecretToken::generate()?;
        let expires = request.now + BROWSER_SIGN_IN_LIFETIME;
        self.store
            .put_browser_sign_in(&browser.hash(), &sign_in, expires)
            .await?;
        let cookie = self.cookie(
            SIGN_IN_COOKIE,
            browser.expose(),
            "/oauth2/",
            BROWSER_SIGN_IN_LIFETIME,
        );
        tracing::info!(client_id = %asked.client_id, session = %sign_in.session, "signed in");
        self.answer(asked, sign_in)
            .await?
            .with_added_header(header::SET_COOKIE, &cookie)
    }

    /// The client's code for `sign_in`, at its redirect URI.
    async fn answer(
        &self,
        asked: &AuthorizationRequest,
        sign_in: SignIn,
    ) -> Result<ApiResponse, Error> {
        let code = SecretToken::generate()?;
        let grant = CodeGrant {
            client_id: asked.client_id.clone(),
            redirect_uri: asked.redirect_uri.clone(),
            code_challenge: asked.code_challenge.clone(),
            scopes: asked.scopes.clone(),
            nonce: asked.nonce.clone(),
            sign_in,
            expires_at: Utc::now() + CODE_LIFETIME,
        };
        self.store.insert_code(&code.hash(), &grant).await?;
        let mut params = vec![("code", code.expose())];
        if let Some(state) = &asked.state {
            params.push(("state", state));
        }
        params.push(("iss", &self.issuer));
        Ok(ApiResponse::redirect(redirect_with(
            &asked.redirect_uri,
            &params,
        )))
    }

    /// A refusal: on the control plane's own page if the client cannot be
    /// trusted with it, else at the client's redirect URI.
    fn refuse(&self, request: &ApiRequest, refusal: AuthorizeError) -> Result<ApiResponse, Error> {
        match refusal {
            AuthorizeError::Unredirectable(reason) => {
                unusable(request, Error::invalid("request", reason), reason)
            }
            redirect => self.redirect_refusal(redirect),
        }
    }

    fn redirect_refusal(&self, refusal: AuthorizeError) -> Result<ApiResponse, Error> {
        match refusal {
            AuthorizeError::Unredirectable(_) => Err(Error::Internal),
            AuthorizeError::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => {
                let mut params = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    params.push(("state", state));
                }
                params.push(("iss", &self.issuer));
                Ok(ApiResponse::redirect(redirect_with(&redirect_uri, &params)))
            }
        }
    }

    /// UC-TENANT-INVITE through the provider: the invitation `hash` names
    /// is accepted by the identity just signed in, if the directory
    /// verified the address it was sent to (as `POST /v1/invitations/accept`
    /// does for a token of the directory): one transaction uses it up,
    /// makes the member Active, binds the identity and emits
    /// `user.activated`. `Err` says why not, for the client.
    async fn accept(
        &self,
        request: &ApiRequest,
        invitation: &str,
        identity: &UpstreamIdentity,
    ) -> Result<Result<TenantId, &'static str>, Error> {
        let gone = "the invitation has expired, was revoked or was already used";
        let Some(hash) = TokenHash::from_hex(invitation) else {
            return Ok(Err(gone));
        };
        let Some(ticket) = self.store.invitation_ticket(&hash).await? else {
            return Ok(Err(gone));
        };
        match ticket.admit(identity.verified_email.as_deref(), request.now) {
            Ok(()) => {}
            Err(Error::Gone) => return Ok(Err(gone)),
            Err(_) => {
                return Ok(Err(
                    "the invitation was sent to another address than the one you signed in with",
                ));
            }
        }
        let event = Envelope::new(
            &UserActivated::from(&ticket),
            EventContext {
                actor: Actor {
                    id: ticket.user_id.to_string(),
                    actor_type: ActorType::User,
                },
                ..request.event_context()
            },
        )?;
        let mut writes = self.store.writes();
        writes
            .accept_invitation(
                &ticket,
                &hash,
                &identity.issuer,
                &identity.subject,
                request.now,
            )?
            .event(&event)?;
        match self.store.commit(writes).await {
            Ok(_) => {
                tracing::info!(tenant_id = %ticket.tenant_id, user_id = %ticket.user_id, "invitation accepted at sign-in");
                Ok(Ok(ticket.tenant_id))
            }
            // A racing acceptance used it first, or the identity is bound.
            Err(Error::Conflict(_) | Error::Gone) => Ok(Err(gone)),
            Err(e) => Err(e),
        }
    }

    /// A sign-in refused after the directory answered, in the platform's
    /// trail (CC-LOG-003), and counted.
    async fn record_refusal(
        &self,
        request: &ApiRequest,
        pending: &PendingSignIn,
        reason: &str,
    ) -> Result<(), Error> {
        cp_runtime::metrics::record_auth_failure(Self::NAME, request.now);
        let event = Envelope::new(
            &SignInRefused {
                client_id: pending.request.client_id.clone(),
                upstream: pending.upstream.as_str().to_owned(),
                reason: reason.to_owned(),
            },
            request.event_context(),
        )?;
        self.admission.record(&event).await
    }

    fn refuse_to_client(
        &self,
        asked: &AuthorizationRequest,
        error: &'static str,
        description: &str,
    ) -> Result<ApiResponse, Error> {
        self.redirect_refusal(AuthorizeError::Redirect {
            redirect_uri: asked.redirect_uri.clone(),
            state: asked.state.clone(),
            error,
            description: description.to_owned(),
        })
    }

    /// A cookie only this endpoint reads: `HttpOnly`, `SameSite=Lax` (the
    /// directory's answer is a top-level navigation), `Secure` but on the
    /// local stack.
    fn cookie(&self, name: &str, value: &str, path: &str, lifetime: Duration) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            lifetime.num_seconds()
        )
    }
}

/// The page where a member of several tenants that use the client picks
/// one: each choice is the client's request again, naming its tenant. The
/// directory they just signed in at answers that second pass from its own
/// session, so no one signs in twice; nothing of this sign-in is kept, so
/// the page holds nothing to steal.
fn choose_tenant(
    asked: &AuthorizationRequest,
    upstream: Upstream,
    tenants: &[(TenantId, String)],
) -> Result<ApiResponse, Error> {
    let choices: String = tenants
        .iter()
        .map(|(tenant, name)| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (key, value) in asked.for_tenant(*tenant, upstream) {
                query.append_pair(key, &value);
            }
            let href = escape(&format!("/oauth2/authorize?{}", query.finish()));
            format!("<li><a href=\"{href}\">{}</a></li>\n", escape(name))
        })
        .collect();
    page_with(
        StatusCode::OK,
        "Choose an organisation",
        &format!(
            "<p>You are a member of several organisations. Sign in to</p>\n<ul>\n{choices}</ul>"
        ),
    )
}

fn pending_cookie(state_hash: &str) -> String {
    format!("{PENDING_COOKIE_PREFIX}{}", &state_hash[..16])
}

fn new_sign_in(
    person: cp_domain::oauth::Person,
    upstream: Upstream,
    identity: &UpstreamIdentity,
) -> SignIn {
    SignIn {
        person,
        session: SessionId::random(),
        upstream,
        auth_time: chrono::DateTime::from_timestamp(identity.auth_time, 0).unwrap_or_else(Utc::now),
        amr: identity.amr.clone(),
        email: identity.verified_email.clone(),
        name: identity.name.clone(),
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
