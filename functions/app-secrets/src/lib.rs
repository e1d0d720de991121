//! FR-SYS-002 API key management, for developers and operators:
//!
//! - `POST /v1/applications/{appId}/secrets` with `scopes` and an optional
//!   `expires_at`: a new client secret, shown in this response only. At most
//!   two are active at a time, so a secret can be rotated without downtime
//!   (issue the next, deploy it, revoke the old one).
//! - `GET /v1/applications/{appId}/secrets`: metadata only.
//! - `DELETE /v1/applications/{appId}/secrets/{secretId}`: revoke; every
//!   token exchanged for it stops working at once.
//!
//! The secret is stored only as its SHA-256 (it is 256 random bits, so a
//! slow hash adds nothing). Issuing and revoking bump the application's
//! version in the same transaction, so two racing issues cannot both pass
//! the two-secret limit.

use chrono::{DateTime, Utc};
use cp_api::{IssuedSecretView, SecretView};
use cp_domain::{
    AppScope, Application, ApplicationId, ClientSecret, Error, PresentedSecret, Scope, SecretId,
    Target,
};
use cp_events::{ApplicationSecretIssued, ApplicationSecretRevoked, Envelope};
use cp_runtime::Route;
use cp_runtime::env::TOKEN_ISSUER;
use cp_runtime::{ApiRequest, ApiResponse, ConfigError, FunctionEnv, HttpFunction};
use cp_store::Store;
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    scopes: Option<Vec<String>>,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct SecretList {
    items: Vec<SecretView>,
}

#[derive(Debug)]
pub struct AppSecrets {
    store: Store,
    token_endpoint: String,
}

impl AppSecrets {
    pub fn from_env(env: &FunctionEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            store: env.store()?,
            token_endpoint: format!(
                "{}{}",
                env.var(TOKEN_ISSUER)?.trim_end_matches('/'),
                cp_tokens::TOKEN_PATH
            ),
        })
    }

    async fn app_and_secrets(
        &self,
        id: ApplicationId,
    ) -> Result<(Application, Vec<ClientSecret>), Error> {
        let (app, secrets) = tokio::try_join!(self.store.application(id), self.store.secrets(id))?;
        Ok((app.ok_or(Error::NotFound)?, secrets))
    }

    async fn issue(&self, request: &ApiRequest, id: ApplicationId) -> Result<ApiResponse, Error> {
        let body: IssueBody = request.json()?;
        let scopes = parse_scopes(body.scopes)?;
        let now = request.now;
        if body.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::invalid("expires_at", "must be in the future"));
        }
        let (mut app, secrets) = self.app_and_secrets(id).await?;
        let active = secrets.iter().filter(|s| s.is_active(now)).count();
        app.add_secret(u32::try_from(active).unwrap_or(u32::MAX), now)?;

        let presented = PresentedSecret::generate(SecretId::random())?;
        let secret = ClientSecret {
            id: presented.id,
            app_id: id,
            hash: presented.hash(),
            scopes: scopes.clone(),
            hint: presented.hint(),
            created_at: now,
            expires_at: body.expires_at,
            revoked_at: None,
        };
        let event = Envelope::new(
            &ApplicationSecretIssued {
                app_id: id,
                secret_id: secret.id,
                scopes,
                expires_at: secret.expires_at,
            },
            request.event_context(),
        )?;
        let mut writes = self.store.writes();
        writes
            .replace_application(&app)?
            .insert_secret(&secret)?
            .event(&event)?;
        self.store.commit(writes).await?;
        tracing::info!(app_id = %id, secret_id = %secret.id, "client secret issued");
        ApiResponse::created(
            &IssuedSecretView {
                secret: SecretView::new(&secret, now),
                client_id: id,
                client_secret: presented.expose().to_owned(),
                token_endpoint: self.token_endpoint.clone(),
            },
            format!("/v1/applications/{id}/secrets/{}", secret.id),
        )
    }

    async fn revoke(&self, request: &ApiRequest, id: ApplicationId) -> Result<ApiResponse, Error> {
        let secret_id: SecretId = request.id_param("secretId")?;
        let now = request.now;
        let (mut app, secrets) = self.app_and_secrets(id).await?;
        let mut secret = secrets
            .iter()
            .find(|s| s.id == secret_id)
            .cloned()
            .ok_or(Error::NotFound)?;
        if !secret.revoke(now) {
            return ApiResponse::ok(&SecretView::new(&secret, now));
        }
        let still_active = secrets
            .iter()
            .filter(|s| s.id != secret_id && s.is_active(now))
            .count();
        app.active_secrets = u32::try_from(still_active).unwrap_or(u32::MAX);
        app.updated_at = now;
        let event = Envelope::new(
            &ApplicationSecretRevoked {
                app_id: id,
                secret_id,
            },
            request.event_context(),
        )?;
        let mut writes = self.store.writes();
        writes
            .replace_application(&app)?
            .revoke_secret(&secret)?
            .event(&event)?;
        self.store.commit(writes).await?;
        tracing::info!(app_id = %id, %secret_id, "client secret revoked");
        ApiResponse::ok(&SecretView::new(&secret, now))
    }
}

fn parse_scopes(raw: Option<Vec<String>>) -> Result<Vec<AppScope>, Error> {
    let raw = raw.ok_or_else(|| Error::invalid("scopes", "is required"))?;
    let scopes = AppScope::parse_list(&raw.join(" ")).map_err(|e| Error::invalid("scopes", e))?;
    if scopes.is_empty() || raw.iter().any(|s| s.contains(char::is_whitespace)) {
        return Err(Error::invalid(
            "scopes",
            "must list at least one scope, each one word",
        ));
    }
    Ok(scopes)
}

/// Issues a secret. It refuses `Idempotency-Key`: its answer holds the
/// secret, shown once and never stored, so it cannot be replayed.
pub const ISSUE: &str = "POST /v1/applications/{appId}/secrets";
pub const LIST: &str = "GET /v1/applications/{appId}/secrets";
pub const REVOKE: &str = "DELETE /v1/applications/{appId}/secrets/{secretId}";

impl HttpFunction for AppSecrets {
    const NAME: &'static str = "app-secrets";
    const ROUTES: &'static [Route] = &[
        Route::new(ISSUE).json(),
        Route::new(LIST),
        Route::new(REVOKE),
    ];

    async fn handle(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let id: ApplicationId = request.id_param("appId")?;
        match request.route_key() {
            ISSUE => {
                request
                    .principal
                    .authorize(Scope::AppsWrite, Target::Platform)?;
                self.issue(&request, id).await
            }
            REVOKE => {
                request
                    .principal
                    .authorize(Scope::AppsWrite, Target::Platform)?;
                self.revoke(&request, id).await
            }
            LIST => {
                request
                    .principal
                    .authorize(Scope::AppsRead, Target::Platform)?;
                let (_, secrets) = self.app_and_secrets(id).await?;
                ApiResponse::json(
                    StatusCode::OK,
                    &SecretList {
                        items: secrets
                            .iter()
                            .map(|s| SecretView::new(s, request.now))
                            .collect(),
                    },
                )
            }
            _ => Err(Error::NotFound),
        }
    }
}
