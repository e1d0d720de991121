//! The authorization request (OpenID Connect Core 1.0 §3.1.2.1, RFC 6749
//! §4.1.1), checked in the order RFC 6749 §4.1.2.1 asks: a request whose
//! client or redirect URI cannot be trusted is answered on the control
//! plane's own page, never redirected; any other fault goes back to the
//! client's redirect URI as an OAuth error with its `state`.

use super::client::{ClientConfig, Grant};
use super::pkce::CodeChallenge;
use crate::{SecretToken, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The scopes a person's tokens can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeopleScope {
    /// OpenID Connect: an ID token.
    Openid,
    /// `name` in the ID token and userinfo.
    Profile,
    /// `email` and `email_verified` in the ID token and userinfo.
    Email,
    /// A refresh token.
    OfflineAccess,
}

impl PeopleScope {
    pub const ALL: [PeopleScope; 4] = [
        Self::Openid,
        Self::Profile,
        Self::Email,
        Self::OfflineAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openid => "openid",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::OfflineAccess => "offline_access",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn join(scopes: &BTreeSet<Self>) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Where the person authenticates: the company's workforce directory
/// (operators, auditors, developers) or the environment's external
/// directory (customers' people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Upstream {
    Workforce,
    Customer,
}

impl Upstream {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workforce => "workforce",
            Self::Customer => "customer",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "workforce" => Some(Self::Workforce),
            "customer" => Some(Self::Customer),
            _ => None,
        }
    }
}

/// `prompt` (OpenID Connect Core §3.1.2.1): `login` makes the person sign
/// in again at the upstream; `none` answers without any page, or with
/// `login_required`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    Login,
    None,
}

/// Values a client passes through, bounded.
const MAX_PASSED: usize = 512;

/// A checked authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: BTreeSet<PeopleScope>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: CodeChallenge,
    pub prompt: Option<Prompt>,
    /// Seconds: a sign-in older than this is made again.
    pub max_age: Option<u32>,
    pub login_hint: Option<String>,
    /// The tenant the client asks for (`tenant`), for a person in several.
    pub tenant: Option<TenantId>,
    /// The directory the person signs in at, if the client says (`idp`).
    pub upstream: Option<Upstream>,
    /// The invitation the person accepts by this sign-in (`invitation`, the
    /// emailed token): kept as its hash, like every stored token.
    #[serde(default)]
    pub invitation: Option<String>,
}

impl AuthorizationRequest {
    /// The request again, as the client made it, naming `tenant`: what a
    /// person in several tenants picks from (the directory `upstream` they
    /// just signed in at; no `prompt`, as they just did).
    pub fn for_tenant(&self, tenant: TenantId, upstream: Upstream) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("response_type", "code".to_owned()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("scope", PeopleScope::join(&self.scopes)),
            ("code_challenge", self.code_challenge.as_str().to_owned()),
            ("code_challenge_method", "S256".to_owned()),
            ("idp", upstream.as_str().to_owned()),
            ("tenant", tenant.to_string()),
        ];
        let optional = [
            ("state", self.state.clone()),
            ("nonce", self.nonce.clone()),
            ("max_age", self.max_age.map(|s| s.to_string())),
            ("login_hint", self.login_hint.clone()),
        ];
        query.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        query
    }
}

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or its redirect URI cannot be trusted: shown on the
    /// control plane's page, never sent anywhere.
    Unredirectable(&'static str),
    /// Sent to the client's redirect URI (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// The request's parameters: each at most once (RFC 6749 §3.1).
pub type Params = HashMap<String, Vec<String>>;

fn one<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, ()> {
    match params.get(name).map(Vec::as_slice) {
        None | Some([]) => Ok(None),
        Some([value]) if value.is_empty() => Ok(None),
        Some([value]) => Ok(Some(value.as_str())),
        Some(_) => Err(()),
    }
}

impl AuthorizationRequest {
    /// The client named by a request, before anything else is read.
    pub fn client_id(params: &Params) -> Result<&str, AuthorizeError> {
        one(params, "client_id")
            .ok()
            .flatten()
            .ok_or(AuthorizeError::Unredirectable(
                "the request names no client",
            ))
    }

    /// Checks the request of `client_id`, whose registration is `client`.
    pub fn parse(
        params: &Params,
        client_id: &str,
        client: &ClientConfig,
    ) -> Result<Self, AuthorizeError> {
        let redirect_uri = match one(params, "redirect_uri") {
            Ok(Some(presented)) => client
                .redirect_uri(presented)
                .map(|_| presented.to_owned())
                .ok_or(AuthorizeError::Unredirectable(
                    "the redirect URI is not one the client registered",
                ))?,
            _ => {
                return Err(AuthorizeError::Unredirectable(
                    "the request must name one registered redirect URI",
                ));
            }
        };
        // From here on, faults go back to the client.
        let state = one(params, "state").ok().flatten().map(str::to_owned);
        let refuse = |error: &'static str, description: &str| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: state.clone().filter(|s| s.len() <= MAX_PASSED),
            error,
            description: description.to_owned(),
        };
        let duplicated = params
            .iter()
            .find(|(_, values)| values.len() > 1)
            .map(|(name, _)| name.clone());
        if let Some(name) = duplicated {
            return Err(refuse(
                "invalid_request",
                &format!("{name} must be given at most once"),
            ));
        }
        let text = |name: &str| one(params, name).ok().flatten();
        if text("request").is_some() || text("request_uri").is_some() {
            return Err(refuse(
                "request_not_supported",
                "request objects are not supported; send the parameters",
            ));
        }
        match text("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(refuse(
                    "unsupported_response_type",
                    "only the authorization code flow (response_type=code) is supported",
                ));
            }
            None => return Err(refuse("invalid_request", "response_type is required")),
        }
        if text("response_mode").is_some_and(|m| m != "query") {
            return Err(refuse("invalid_request", "response_mode must be query"));
        }
        if !client.allows(Grant::AuthorizationCode) {
            return Err(refuse(
                "unauthorized_client",
                "the client is not registered for the authorization code grant",
            ));
        }
        let mut scopes = BTreeSet::new();
        for word in text("scope").unwrap_or_default().split_whitespace() {
            match PeopleScope::parse(word) {
                Some(scope) => {
                    scopes.insert(scope);
                }
                None => return Err(refuse("invalid_scope", &format!("unknown scope `{word}`"))),
            }
        }
        if !scopes.contains(&PeopleScope::Openid) {
            return Err(refuse("invalid_scope", "the openid scope is required"));
        }
        if scopes.contains(&PeopleScope::OfflineAccess) && !client.allows(Grant::RefreshToken) {
            return Err(refuse(
                "invalid_scope",
                "the client is not registered for refresh tokens",
            ));
        }
        if state.as_ref().is_some_and(|s| s.len() > MAX_PASSED) {
            return Err(refuse("invalid_request", "state is too long"));
        }
        let nonce = text("nonce").map(str::to_owned);
        if nonce.as_ref().is_some_and(|n| n.len() > MAX_PASSED) {
            return Err(refuse("invalid_request", "nonce is too long"));
        }
        let code_challenge =
            CodeChallenge::parse(text("code_challenge"), text("code_challenge_method"))
                .map_err(|reason| refuse("invalid_request", reason))?;
        let prompt = match text("prompt") {
            None => None,
            Some("login") => Some(Prompt::Login),
            Some("none") => Some(Prompt::None),
            Some(_) => {
                return Err(refuse(
                    "invalid_request",
                    "prompt must be login or none (consent is not asked: clients are registered)",
                ));
            }
        };
        let max_age = match text("max_age") {
            None => None,
            Some(raw) => Some(
                raw.parse::<u32>()
                    .map_err(|_| refuse("invalid_request", "max_age must be whole seconds"))?,
            ),
        };
        let login_hint = text("login_hint").map(str::to_owned);
        if login_hint.as_ref().is_some_and(|h| h.len() > 256) {
            return Err(refuse("invalid_request", "login_hint is too long"));
        }
        let tenant = match text("tenant") {
            None => None,
            Some(raw) => Some(
                raw.parse()
                    .map_err(|_| refuse("invalid_request", "tenant must be a tenant id"))?,
            ),
        };
        // Invitation tokens are 43 characters; anything far off is none.
        let invitation = match text("invitation") {
            None => None,
            Some(raw) if !raw.is_empty() && raw.len() <= 128 => {
                Some(SecretToken::from_presented(raw).hash().to_hex())
            }
            Some(_) => {
                return Err(refuse(
                    "invalid_request",
                    "invitation is not an invitation token",
                ));
            }
        };
        let upstream =
            match text("idp") {
                None => None,
                Some(raw) => Some(Upstream::parse(raw).ok_or_else(|| {
                    refuse("invalid_request", "idp must be workforce or customer")
                })?),
            };
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri,
            scopes,
            state,
            nonce,
            code_challenge,
            prompt,
            max_age,
            login_hint,
            tenant,
            upstream,
            invitation,
        })
    }

    /// Whether a sign-in at `authenticated_at` (epoch seconds) is recent
    /// enough for this request at `now`.
    pub fn accepts_sign_in_at(&self, authenticated_at: i64, now: i64) -> bool {
        self.prompt != Some(Prompt::Login)
            && self
                .max_age
                .is_none_or(|age| now - authenticated_at <= i64::from(age))
    }
}

/// How long a person has to sign in at the upstream directory.
pub const SIGN_IN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// A sign-in sent to an upstream directory, waiting for its answer: the
/// client's request, and what the control plane sent upstream as its own
/// client there (PKCE verifier, nonce).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub request: AuthorizationRequest,
    pub upstream: Upstream,
    pub verifier: String,
    pub nonce: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// What a redirect to the client carries: the query of
/// `redirect_uri?code=…&state=…&iss=…` (RFC 9207's `iss`, so a client of
/// several providers can tell which answered).
pub fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return redirect_uri.to_owned(),
    };
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client::ClientRegistration;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client() -> ClientConfig {
        ClientConfig::parse(ClientRegistration {
            redirect_uris: vec!["https://app.example/cb".into()],
            ..Default::default()
        })
        .unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        let mut map = Params::new();
        for (k, v) in pairs {
            map.entry((*k).to_owned())
                .or_default()
                .push((*v).to_owned());
        }
        map
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "c"),
            ("redirect_uri", "https://app.example/cb"),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "s1"),
            ("nonce", "n1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<AuthorizationRequest, AuthorizeError> {
        AuthorizationRequest::parse(&params(pairs), "c", &client())
    }

    fn error_of(pairs: &[(&str, &str)]) -> &'static str {
        match parse(pairs) {
            Err(AuthorizeError::Redirect { error, state, .. }) => {
                assert_eq!(state.as_deref(), Some("s1"));
                error
            }
            other => panic!("{other:?}"),
        }
    }

    fn with(change: (&'static str, &'static str)) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = good().into_iter().filter(|(k, _)| *k != change.0).collect();
        pairs.push(change);
        pairs
    }

    #[test]
    fn a_good_request_is_read_whole() {
        let request = parse(&good()).unwrap();
        assert_eq!(
            request.scopes,
            BTreeSet::from([PeopleScope::Openid, PeopleScope::Email])
        );
        assert_eq!(request.nonce.as_deref(), Some("n1"));
        assert_eq!(request.code_challenge.as_str(), CHALLENGE);
    }

    #[test]
    fn an_untrusted_redirect_uri_is_never_redirected_to() {
        for uri in [
            "https://evil.example/cb",
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://app.example.evil.example/cb",
            "https://app.example/cb#x",
        ] {
            assert!(
                matches!(
                    parse(&with(("redirect_uri", uri))),
                    Err(AuthorizeError::Unredirectable(_))
                ),
                "{uri}"
            );
        }
        let missing: Vec<_> = good()
            .into_iter()
            .filter(|(k, _)| *k != "redirect_uri")
            .collect();
        assert!(matches!(
            parse(&missing),
            Err(AuthorizeError::Unredirectable(_))
        ));
    }

    #[test]
    fn other_faults_go_back_to_the_client_with_their_error() {
        assert_eq!(
            error_of(&with(("response_type", "token"))),
            "unsupported_response_type"
        );
        assert_eq!(
            error_of(&with(("response_type", "code id_token"))),
            "unsupported_response_type"
        );
        assert_eq!(
            error_of(&with(("code_challenge_method", "plain"))),
            "invalid_request"
        );
        let no_pkce: Vec<_> = good()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("code_challenge"))
            .collect();
        assert_eq!(error_of(&no_pkce), "invalid_request");
        assert_eq!(error_of(&with(("scope", "email"))), "invalid_scope");
        assert_eq!(error_of(&with(("scope", "openid admin"))), "invalid_scope");
        assert!(parse(&with(("scope", "openid offline_access"))).is_ok());
        assert_eq!(error_of(&with(("prompt", "consent"))), "invalid_request");
        assert_eq!(error_of(&with(("max_age", "-1"))), "invalid_request");
        assert_eq!(
            error_of(&with(("request", "eyJ..."))),
            "request_not_supported"
        );
        assert_eq!(
            error_of(&with(("response_mode", "fragment"))),
            "invalid_request"
        );
        let mut twice = good();
        twice.push(("scope", "openid profile"));
        assert_eq!(error_of(&twice), "invalid_request");
        let long = "x".repeat(600);
        let long: &'static str = Box::leak(long.into_boxed_str());
        assert_eq!(error_of(&with(("nonce", long))), "invalid_request");
    }

    #[test]
    fn a_client_without_the_code_grant_is_refused_at_its_redirect_uri() {
        let machine = ClientConfig::parse(ClientRegistration {
            redirect_uris: vec!["https://app.example/cb".into()],
            grants: Some(vec!["client_credentials".into()]),
            ..Default::default()
        })
        .unwrap();
        let refused = AuthorizationRequest::parse(&params(&good()), "c", &machine);
        assert!(matches!(
            refused,
            Err(AuthorizeError::Redirect {
                error: "unauthorized_client",
                ..
            })
        ));
    }

    #[test]
    fn prompt_and_max_age_decide_whether_a_sign_in_is_recent_enough() {
        let plain = parse(&good()).unwrap();
        assert!(plain.accepts_sign_in_at(0, 1_000_000));
        let login = parse(&with(("prompt", "login"))).unwrap();
        assert!(!login.accepts_sign_in_at(1_000_000, 1_000_000));
        let aged = parse(&with(("max_age", "60"))).unwrap();
        assert!(aged.accepts_sign_in_at(1_000, 1_060));
        assert!(!aged.accepts_sign_in_at(1_000, 1_061));
    }
}
