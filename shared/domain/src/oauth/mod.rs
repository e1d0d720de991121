//! The oauth room: the control plane as OAuth 2.0 authorization server and
//! OpenID Provider (doc/adr/0042-the-control-plane-as-openid-provider.md).
//!
//! - [`client`]: what a client is registered with (redirect URIs, grants).
//! - [`authorize`]: the authorization request, checked.
//! - [`pkce`]: PKCE, `S256` only, for every client.
//! - [`grant`]: authorization codes and refresh tokens, and the sign-in
//!   they come from.

pub mod authorize;
pub mod client;
pub mod grant;
pub mod pkce;

pub use authorize::{
    AuthorizationRequest, AuthorizeError, PendingSignIn, PeopleScope, Prompt, Upstream,
};
pub use client::{ClientConfig, ClientRegistration, ClientType, Grant, RedirectUri};
pub use grant::{CodeGrant, GrantError, OneTimeGrant, Person, RefreshGrant, SignIn, Taken};
pub use pkce::CodeChallenge;
