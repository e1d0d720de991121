//! A managed application signing its users in with the `openidconnect`
//! crate, a relying-party library, unchanged: the Rust twin of
//! `tests/clients/oidc_rp.py`. Driven by the OpenID Provider tests
//! (tests/tests/e2e/oauth/relying_parties.rs): it prints the authorization
//! URL, reads back the URL the browser was redirected to, and prints one
//! JSON line per step: signed in, refreshed, userinfo, introspected,
//! revoked. Any error ends it with a message on stderr.
//!
//! Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenType,
};
use openidconnect::http::{Uri, uri::Scheme};
use openidconnect::{
    AccessToken, AdditionalClaims, AdditionalProviderMetadata, AsyncHttpClient, AuthType,
    AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest, IdTokenFields,
    IntrospectionUrl, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, ProviderMetadata,
    RedirectUrl, RevocationUrl, Scope, StandardErrorResponse, StandardTokenIntrospectionResponse,
    StandardTokenResponse, TokenIntrospectionResponse, TokenResponse, UserInfoClaims, reqwest,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::process::ExitCode;
use url::Url;

/// The control plane's claims beyond the standard ones (ID token, userinfo).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Claims {
    tid: Option<String>,
    role: Option<String>,
    sid: Option<String>,
}
impl AdditionalClaims for Claims {}

/// The endpoints of the discovery document the crate does not read itself.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Endpoints {
    introspection_endpoint: String,
    revocation_endpoint: String,
}
impl AdditionalProviderMetadata for Endpoints {}

/// The session of an introspected token.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Session {
    sid: Option<String>,
}
impl ExtraTokenFields for Session {}

/// `CoreProviderMetadata` that also reads the endpoints above.
type Metadata = ProviderMetadata<
    Endpoints,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
/// The token response's ID token with the claims above.
type IdTokenWithClaims = IdTokenFields<
    Claims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
/// `CoreClient` with the claims and introspection answers above, and the
/// introspection and revocation endpoints set.
type RelyingParty = Client<
    Claims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<IdTokenWithClaims, CoreTokenType>,
    StandardTokenIntrospectionResponse<Session, CoreTokenType>,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

type Error = Box<dyn std::error::Error>;

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

fn say(line: Value) {
    println!("{line}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Err(error) = run().await else {
        return ExitCode::SUCCESS;
    };
    let mut message = format!("oidc-rp-rust: {error}");
    let mut cause = error.source();
    while let Some(e) = cause {
        message = format!("{message}: {e}");
        cause = e.source();
    }
    eprintln!("{message}");
    ExitCode::FAILURE
}

async fn run() -> Result<(), Error> {
    // The crate's advice: following redirects opens a client up to SSRF.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let metadata = Metadata::discover_async(IssuerUrl::new(env("ISSUER")?)?, &http).await?;
    let endpoints = metadata.additional_metadata().clone();
    // RFC 7009 §2: the crate revokes only at an https URL, and the local
    // stack serves http on loopback. There the URL is given to the crate as
    // https, and the revocation request goes out as http again.
    let mut revocation = Url::parse(&endpoints.revocation_endpoint)?;
    let loopback = revocation.scheme() == "http"
        && matches!(
            revocation.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]")
        );
    if loopback {
        revocation
            .set_scheme("https")
            .map_err(|()| "no https URL")?;
    }
    let client: RelyingParty = Client::from_provider_metadata(
        metadata,
        ClientId::new(env("CLIENT_ID")?),
        Some(ClientSecret::new(env("CLIENT_SECRET")?)),
    )
    .set_auth_type(AuthType::BasicAuth)
    .set_redirect_uri(RedirectUrl::new(env("REDIRECT_URI")?)?)
    .set_introspection_url(IntrospectionUrl::new(endpoints.introspection_endpoint)?)
    .set_revocation_url(RevocationUrl::from_url(revocation));

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(["email", "profile", "offline_access"].map(|s| Scope::new(s.into())))
        .set_pkce_challenge(challenge)
        .url();
    say(json!({"step": "authorize", "url": url}));

    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let redirected = Url::parse(line.trim())?;
    let param = |name: &str| {
        let mut pairs = redirected.query_pairs();
        pairs
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if let Some(error) = param("error") {
        return Err(format!("the provider answered {error}").into());
    }
    if param("state").as_deref() != Some(state.secret().as_str()) {
        return Err("the redirect's state is not the request's".into());
    }
    let code = AuthorizationCode::new(param("code").ok_or("no code in the redirect")?);
    let token = client
        .exchange_code(code)?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await?;
    let id_token_verifier = client.id_token_verifier();
    let id_token = token.id_token().ok_or("no ID token")?;
    let claims = id_token.claims(&id_token_verifier, &nonce)?;
    let extra = claims.additional_claims();
    say(json!({
        "step": "signed_in", "sub": claims.subject().as_str(), "tid": extra.tid,
        "role": extra.role, "email": claims.email().map(|e| e.as_str()), "sid": extra.sid,
        "has_refresh_token": token.refresh_token().is_some(),
    }));

    let refresh_token = token.refresh_token().ok_or("no refresh token")?;
    let refreshed = client
        .exchange_refresh_token(refresh_token)?
        .request_async(&http)
        .await?;
    let id_token = refreshed.id_token().ok_or("no ID token at the refresh")?;
    // A refresh answers no authorization request: there is no nonce to check.
    let again = id_token.claims(&id_token_verifier, |_: Option<&Nonce>| Ok(()))?;
    let rotated = refreshed
        .refresh_token()
        .ok_or("no refresh token at the refresh")?;
    say(json!({
        "step": "refreshed", "sub": again.subject().as_str(),
        "sid": again.additional_claims().sid,
        "rotated": rotated.secret() != refresh_token.secret(),
    }));

    let access_token = refreshed.access_token();
    let info = client.user_info(access_token.clone(), Some(again.subject().clone()))?;
    let info: UserInfoClaims<Claims, CoreGenderClaim> = info.request_async(&http).await?;
    say(json!({
        "step": "userinfo", "sub": info.subject().as_str(),
        "email": info.email().map(|e| e.as_str()), "role": info.additional_claims().role,
    }));

    let status = client.introspect(access_token).request_async(&http).await?;
    say(json!({
        "step": "introspected", "active": status.active(), "sub": status.sub(),
        "sid": status.extra_fields().sid,
    }));

    let over_http = |mut request: HttpRequest| {
        if loopback {
            let mut parts = request.uri().clone().into_parts();
            parts.scheme = Some(Scheme::HTTP);
            *request.uri_mut() = Uri::from_parts(parts).expect("the same URI over http");
        }
        http.call(request)
    };
    client
        .revoke_token(rotated.into())?
        .request_async(&over_http)
        .await?;
    // The crate introspects "access tokens"; a refresh token is one by name.
    let rotated = AccessToken::new(rotated.secret().clone());
    let after = client
        .introspect(&rotated)
        .set_token_type_hint("refresh_token")
        .request_async(&http)
        .await?;
    // The crate answers Ok only to 200 OK (RFC 7009 §2.2): it hides the status.
    say(json!({"step": "revoked", "status": 200, "active": after.active()}));
    Ok(())
}
