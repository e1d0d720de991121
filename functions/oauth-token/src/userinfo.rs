//! The UserInfo endpoint (OpenID Connect Core 1.0 §5.3): who a person's
//! access token is for, as the control plane knows them now.
//!
//! It takes the control plane's own people's access tokens (`at+jwt`,
//! RFC 9068), of any client, while their sign-in stands, with the `openid`
//! scope; errors are RFC 6750 §3's. It answers `sub`, the member's tenant
//! and role (or a platform person's roles) and, with the `email` scope, the
//! member's address in the tenant, which they proved by accepting their
//! invitation. The control plane keeps no names and no platform person's
//! address: those are in the ID token only, as the directory gave them
//! (doc/adr/0042).

use crate::OauthToken;
use crate::error::OAuthError;
use cp_auth::Standing;
use cp_domain::Error;
use cp_domain::oauth::{PeopleScope, Person};
use cp_runtime::{ApiRequest, ApiResponse};
use cp_tokens::people::PeopleAccess;
use http::header;
use serde_json::{Value, json};

impl OauthToken {
    pub(crate) async fn userinfo(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        match self.who(request).await? {
            Ok(claims) => ApiResponse::ok(&claims)?.with_header(header::CACHE_CONTROL, "no-store"),
            Err(refusal) => refusal.response(request),
        }
    }

    async fn who(&self, request: &ApiRequest) -> Result<Result<Value, OAuthError>, Error> {
        let invalid = || OAuthError::bearer(Some("invalid_token"), "the access token is not valid");
        let bearer = request
            .header(header::AUTHORIZATION.as_str())
            .ok()
            .flatten()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let Some(token) = bearer else {
            return Ok(Err(OAuthError::bearer(
                None,
                "a bearer access token is required",
            )));
        };
        let Some(access) = self
            .own_access_token(token.trim())
            .await?
            .as_ref()
            .and_then(PeopleAccess::read)
        else {
            return Ok(Err(invalid()));
        };
        if !access.scopes.contains(&PeopleScope::Openid) {
            return Ok(Err(OAuthError::bearer(
                Some("insufficient_scope"),
                "the access token was not granted the openid scope",
            )));
        }
        let Some(client) = self.clients.find(&access.client_id).await? else {
            return Ok(Err(invalid()));
        };
        let Some(standing) = self.admission.standing(&access.sign_in, &client).await? else {
            return Ok(Err(invalid()));
        };
        let mut claims = json!({ "sub": access.sign_in.person.user_id().to_string() });
        match (&access.sign_in.person, standing) {
            (
                Person::Member {
                    tenant_id, role, ..
                },
                Standing::Member(user),
            ) => {
                claims["tid"] = json!(tenant_id.to_string());
                claims["role"] = json!(role.as_str());
                if access.scopes.contains(&PeopleScope::Email) {
                    claims["email"] = json!(user.email.as_str());
                    claims["email_verified"] = json!(true);
                }
            }
            (Person::Platform { roles, .. }, _) => {
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                claims["roles"] = json!(roles);
            }
            (Person::Member { .. }, Standing::Platform) => return Ok(Err(invalid())),
        }
        Ok(Ok(claims))
    }
}
