//! Who is asking (RFC 6749 §2.3): a confidential client with its secret,
//! by HTTP Basic (`client_secret_basic`) or in the form
//! (`client_secret_post`), never both; or a public client, by its id alone
//! (`none`), which only PKCE-bound codes and the refresh tokens they give
//! can serve.

use crate::OauthToken;
use crate::error::OAuthError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use cp_auth::Client;
use cp_domain::oauth::ClientType;
use cp_domain::{ApplicationId, ClientSecret, Error, PresentedSecret};
use cp_runtime::ApiRequest;
use http::header;
use std::collections::HashMap;

/// The client's credentials as presented.
#[derive(Debug)]
pub(crate) enum Presented {
    Secret {
        client_id: String,
        client_secret: String,
        basic: bool,
    },
    Public {
        client_id: String,
    },
}

impl Presented {
    pub(crate) fn client_id(&self) -> &str {
        match self {
            Self::Secret { client_id, .. } | Self::Public { client_id } => client_id,
        }
    }

    /// What a failed authentication answers.
    pub(crate) fn refused(&self) -> OAuthError {
        OAuthError::invalid_client(matches!(self, Self::Secret { basic: true, .. }))
    }
}

/// An authenticated client, with the secret it used, if any.
#[derive(Debug)]
pub(crate) struct Authenticated {
    pub client: Client,
    pub secret: Option<ClientSecret>,
}

/// The client's credentials, by exactly one method.
pub(crate) fn presented(
    request: &ApiRequest,
    form: &HashMap<String, String>,
) -> Result<Presented, OAuthError> {
    let basic = request
        .header(header::AUTHORIZATION.as_str())
        .map_err(|_| OAuthError::invalid_request("the Authorization header must be visible ASCII"))?
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let posted = (form.get("client_id"), form.get("client_secret"));
    match (basic, posted) {
        (Some(_), (_, Some(_))) => Err(OAuthError::invalid_request(
            "use one client authentication method, not two",
        )),
        (Some(encoded), _) => {
            let refused = || OAuthError::invalid_client(true);
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(refused)?;
            let (id, secret) = decoded.split_once(':').ok_or_else(refused)?;
            // Both parts are form-url-encoded before they are joined.
            let decode = |s: &str| url_decode(s).ok_or_else(refused);
            Ok(Presented::Secret {
                client_id: decode(id)?,
                client_secret: decode(secret)?,
                basic: true,
            })
        }
        (None, (Some(id), Some(secret))) => Ok(Presented::Secret {
            client_id: id.clone(),
            client_secret: secret.clone(),
            basic: false,
        }),
        (None, (Some(id), None)) => Ok(Presented::Public {
            client_id: id.clone(),
        }),
        (None, _) => Err(OAuthError::invalid_client(false)),
    }
}

/// `application/x-www-form-urlencoded` decoding of one credential.
fn url_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

impl OauthToken {
    /// The client, if the credentials are right and it is usable; `None`
    /// for every kind of wrong.
    pub(crate) async fn authenticate(
        &self,
        presented: &Presented,
        now: DateTime<Utc>,
    ) -> Result<Option<Authenticated>, Error> {
        match presented {
            Presented::Public { client_id } => {
                let client = self.clients.find(client_id).await?;
                Ok(client
                    .filter(|c| c.config().client_type == ClientType::Public && c.is_usable())
                    .map(|client| Authenticated {
                        client,
                        secret: None,
                    }))
            }
            Presented::Secret {
                client_id,
                client_secret,
                ..
            } => {
                let (Ok(app_id), Some(presented)) = (
                    client_id.parse::<ApplicationId>(),
                    PresentedSecret::parse(client_secret),
                ) else {
                    return Ok(None);
                };
                let (app, secret) = self
                    .store
                    .application_and_secret(app_id, presented.id)
                    .await?;
                let (Some(app), Some(secret)) = (app, secret) else {
                    return Ok(None);
                };
                let valid = secret.hash == presented.hash() && secret.authorizes(&app, now);
                Ok(valid.then(|| Authenticated {
                    client: Client::Application(Box::new(app)),
                    secret: Some(secret),
                }))
            }
        }
    }
}
