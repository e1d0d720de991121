//! What the control plane knows of an OpenID Connect client: a managed
//! application's registration, or one of the product's own clients (the
//! console, `cpctl`).
//!
//! Redirect URIs are validated strictly when registered (RFC 9700 §2.1,
//! OAuth 2.0 Security BCP): absolute, `https` except on loopback, no
//! fragment, no user info, no wildcard; and compared exactly when used,
//! but for the port of a loopback URI, which a native client picks when it
//! starts (RFC 8252 §7.3).

use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use url::{Host, Url};

/// At most this many of each kind of URI per client.
pub const MAX_URIS: usize = 10;
const MAX_URI_BYTES: usize = 2000;

/// Whether a client can keep a secret (RFC 6749 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    /// A server: authenticates at the token endpoint with its secret.
    Confidential,
    /// A browser or native application: PKCE only.
    Public,
}

/// The grants a client may use at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grant {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
}

impl Grant {
    pub const ALL: [Grant; 4] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::TokenExchange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == raw)
    }
}

/// A redirect URI as registered: checked once, compared exactly after.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

impl RedirectUri {
    /// A URI a client may register as where to send people back to.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::invalid(field, format!("`{raw}`: {reason}"));
        if raw.len() > MAX_URI_BYTES {
            return Err(bad("is too long"));
        }
        if raw.contains('*') {
            return Err(bad("must not contain a wildcard"));
        }
        let url = Url::parse(raw).map_err(|_| bad("is not an absolute URI"))?;
        if url.fragment().is_some() || raw.contains('#') {
            return Err(bad("must not have a fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry user information"));
        }
        match url.scheme() {
            "https" if url.host().is_some() => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(bad("must use https, except on a loopback address")),
            _ => return Err(bad("must be an https (or loopback http) URL")),
        }
        Ok(Self(url.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` names this URI: the same string, or, for a
    /// loopback URI, the same but for the port (RFC 8252 §7.3).
    pub fn matches(&self, presented: &str) -> bool {
        if self.0 == presented {
            return true;
        }
        let (Ok(mut registered), Ok(mut url)) = (Url::parse(&self.0), Url::parse(presented)) else {
            return false;
        };
        // Only a canonical URI is compared: what matches is what the browser
        // will be sent to.
        if url.as_str() != presented || !is_loopback(&registered) || !is_loopback(&url) {
            return false;
        }
        registered.set_port(None).is_ok() && url.set_port(None).is_ok() && registered == url
    }
}

/// `http://127.0.0.1`, `http://[::1]` (RFC 8252 §7.3); not `localhost`,
/// which a resolver may send elsewhere (§8.3).
fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

impl TryFrom<String> for RedirectUri {
    type Error = Error;
    fn try_from(raw: String) -> Result<Self, Error> {
        Self::parse("redirect_uri", &raw)
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> String {
        uri.0
    }
}

/// A managed application's registration as an OpenID Connect client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    pub client_type: ClientType,
    pub redirect_uris: BTreeSet<RedirectUri>,
    pub post_logout_redirect_uris: BTreeSet<RedirectUri>,
    /// Where OpenID Connect Back-Channel Logout 1.0 posts its logout
    /// tokens (https; loopback http on a developer's machine).
    pub backchannel_logout_uri: Option<String>,
    pub grants: BTreeSet<Grant>,
}

impl Default for ClientConfig {
    /// A machine client: client credentials only, as every application was
    /// before it registered anything else.
    fn default() -> Self {
        Self {
            client_type: ClientType::Confidential,
            redirect_uris: BTreeSet::new(),
            post_logout_redirect_uris: BTreeSet::new(),
            backchannel_logout_uri: None,
            grants: BTreeSet::from([Grant::ClientCredentials]),
        }
    }
}

/// A client registration as a request carries it, unchecked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRegistration {
    pub client_type: Option<ClientType>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grants: Option<Vec<String>>,
}

impl ClientConfig {
    /// Checks a registration, naming every bad field at once.
    pub fn parse(raw: ClientRegistration) -> Result<Self, Error> {
        let mut errors: Vec<Option<Error>> = Vec::new();
        let uris = |field: &str, list: &[String], errors: &mut Vec<Option<Error>>| {
            if list.len() > MAX_URIS {
                errors.push(Some(Error::invalid(field, format!("at most {MAX_URIS}"))));
                return BTreeSet::new();
            }
            list.iter()
                .filter_map(|raw| match RedirectUri::parse(field, raw) {
                    Ok(uri) => Some(uri),
                    Err(e) => {
                        errors.push(Some(e));
                        None
                    }
                })
                .collect()
        };
        let redirect_uris = uris("redirect_uris", &raw.redirect_uris, &mut errors);
        let post_logout_redirect_uris = uris(
            "post_logout_redirect_uris",
            &raw.post_logout_redirect_uris,
            &mut errors,
        );
        // https, or loopback http for a developer's machine: where the
        // control plane actually posts is the egress guard's to decide, and
        // it never reaches an internal address from a deployed environment.
        let backchannel_logout_uri = match raw.backchannel_logout_uri.as_deref() {
            None => None,
            Some(raw) => match RedirectUri::parse("backchannel_logout_uri", raw) {
                Ok(uri) => Some(uri.0),
                Err(e) => {
                    errors.push(Some(e));
                    None
                }
            },
        };
        let client_type = raw.client_type.unwrap_or(ClientType::Confidential);
        let mut grants = BTreeSet::new();
        // By default: the grants the registration makes sense of; a public
        // client cannot authenticate for client credentials.
        for name in raw.grants.unwrap_or_else(|| {
            let mut default = Vec::new();
            if client_type == ClientType::Confidential {
                default.push("client_credentials".to_owned());
            }
            if !redirect_uris.is_empty() {
                default.extend(["authorization_code".to_owned(), "refresh_token".to_owned()]);
            }
            default
        }) {
            match Grant::parse(&name) {
                Some(grant) => {
                    grants.insert(grant);
                }
                None => errors.push(Some(Error::invalid(
                    "grants",
                    format!("unknown grant `{name}`"),
                ))),
            }
        }
        if client_type == ClientType::Public
            && (grants.contains(&Grant::ClientCredentials)
                || grants.contains(&Grant::TokenExchange))
        {
            errors.push(Some(Error::invalid(
                "grants",
                "a public client cannot use grants that authenticate the client",
            )));
        }
        if grants.contains(&Grant::AuthorizationCode) && redirect_uris.is_empty() {
            errors.push(Some(Error::invalid(
                "redirect_uris",
                "the authorization_code grant needs at least one",
            )));
        }
        if errors.iter().any(Option::is_some) {
            return Err(Error::merge(errors));
        }
        Ok(Self {
            client_type,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            grants,
        })
    }

    /// The registered redirect URI `presented` names, if any.
    pub fn redirect_uri(&self, presented: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|uri| uri.matches(presented))
    }

    /// The registered post-logout redirect URI `presented` names, if any
    /// (exactly: no loopback leniency after a logout).
    pub fn post_logout_redirect_uri(&self, presented: &str) -> Option<&RedirectUri> {
        self.post_logout_redirect_uris
            .iter()
            .find(|uri| uri.as_str() == presented)
    }

    pub fn allows(&self, grant: Grant) -> bool {
        self.grants.contains(&grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(raw: &str) -> Result<RedirectUri, Error> {
        RedirectUri::parse("redirect_uris", raw)
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_without_fragments_wildcards_or_user_info() {
        for ok in [
            "https://app.example/callback",
            "https://app.example:8443/cb?x=1",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:51004/callback",
            "http://[::1]:8080/cb",
        ] {
            assert!(uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://app.example/callback",
            "https://*.app.example/callback",
            "https://app.example/cb#frag",
            "https://user:pw@app.example/cb",
            "https://app.example/*",
            "http://localhost:8080/cb",
            "javascript:alert(1)",
            "/relative",
            "ftp://app.example/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redirect_uri_matches_exactly_or_on_loopback_by_any_port() {
        let web = uri("https://app.example/callback").unwrap();
        assert!(web.matches("https://app.example/callback"));
        for near in [
            "https://app.example/callback/",
            "https://app.example/callbackx",
            "https://app.example/callback?x=1",
            "https://app.example:443/callback ",
            "https://app.example.evil/callback",
            "https://evil@app.example/callback",
            "https://app.example:8443/callback",
            "HTTPS://APP.EXAMPLE/callback/",
        ] {
            assert!(!web.matches(near), "{near}");
        }
        let native = uri("http://127.0.0.1/callback").unwrap();
        assert!(native.matches("http://127.0.0.1:51004/callback"));
        assert!(native.matches("http://127.0.0.1/callback"));
        assert!(!native.matches("http://127.0.0.1:51004/other"));
        assert!(!native.matches("http://127.0.0.2:51004/callback"));
        assert!(!native.matches("http://[::1]:51004/callback"));
        assert!(!native.matches("https://127.0.0.1:51004/callback"));
    }

    #[test]
    fn a_registration_names_every_bad_field_and_public_clients_use_no_client_grant() {
        let bad = ClientConfig::parse(ClientRegistration {
            client_type: Some(ClientType::Public),
            redirect_uris: vec!["http://app.example/cb".into()],
            post_logout_redirect_uris: vec!["https://app.example/#x".into()],
            backchannel_logout_uri: Some("http://app.example/logout".into()),
            grants: Some(vec!["client_credentials".into(), "implicit".into()]),
        })
        .unwrap_err();
        let Error::InvalidInput(fields) = bad else {
            panic!("{bad:?}")
        };
        let names: BTreeSet<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            BTreeSet::from([
                "redirect_uris",
                "post_logout_redirect_uris",
                "backchannel_logout_uri",
                "grants",
            ])
        );
        let web = ClientConfig::parse(ClientRegistration {
            redirect_uris: vec!["https://app.example/cb".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(web.allows(Grant::AuthorizationCode) && web.allows(Grant::RefreshToken));
        assert_eq!(web.client_type, ClientType::Confidential);
        assert!(
            web.redirect_uri("https://app.example/cb").is_some()
                && web.redirect_uri("https://app.example/cb/").is_none()
        );
    }
}
