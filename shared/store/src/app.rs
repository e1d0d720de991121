//! The applications room: managed applications and their client secrets.

use crate::attributes::Keys;
use crate::cursor;
use crate::error::{self, corrupt, sdk};
use crate::keys::{self, Key, PK, SK};
use crate::keys::{GSI1, GSI1PK, GSI1SK};
use crate::read::{Item, page, parse};
use crate::update::Versioned;
use crate::write::{OnConditionFailure, put};
use crate::{Store, WriteSet};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use chrono::{DateTime, Utc};
use cp_domain::oauth::ClientConfig;
use cp_domain::{
    AppEnvironment, AppName, AppOwner, AppScope, AppStatus, Application, ApplicationId,
    ClientSecret, Error, Page, PageSize, SecretId, TokenHash,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ApplicationItem {
    #[serde(flatten)]
    pub keys: Keys,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: ApplicationId,
    pub name: AppName,
    pub environment: AppEnvironment,
    pub owner: AppOwner,
    pub status: AppStatus,
    #[serde(default)]
    pub billing_reader: bool,
    #[serde(default)]
    pub client: ClientConfig,
    pub active_secrets: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl ApplicationItem {
    pub fn new(a: &Application) -> Self {
        Self {
            keys: keys::application(a.id).into(),
            gsi1pk: keys::ALL_APPLICATIONS.to_owned(),
            gsi1sk: format!("{}#{}", a.name.as_str().to_lowercase(), a.id),
            entity: "Application".into(),
            id: a.id,
            name: a.name.clone(),
            environment: a.environment,
            owner: a.owner.clone(),
            status: a.status,
            billing_reader: a.billing_reader,
            client: a.client.clone(),
            active_secrets: a.active_secrets,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
        }
    }

    pub fn into_domain(self) -> Application {
        Application {
            id: self.id,
            name: self.name,
            environment: self.environment,
            owner: self.owner,
            status: self.status,
            billing_reader: self.billing_reader,
            client: self.client,
            active_secrets: self.active_secrets,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// A client secret: its SHA-256 and metadata, never the secret.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SecretItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub id: SecretId,
    pub app_id: ApplicationId,
    pub secret_hash: String,
    pub scopes: Vec<AppScope>,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub secret_expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SecretItem {
    pub fn new(s: &ClientSecret) -> Self {
        Self {
            keys: keys::client_secret(s.app_id, s.id).into(),
            entity: "ClientSecret".into(),
            id: s.id,
            app_id: s.app_id,
            secret_hash: s.hash.to_hex(),
            scopes: s.scopes.clone(),
            hint: s.hint.clone(),
            created_at: s.created_at,
            secret_expires_at: s.expires_at,
            revoked_at: s.revoked_at,
        }
    }

    pub fn into_domain(self) -> Result<ClientSecret, cp_domain::Error> {
        Ok(ClientSecret {
            id: self.id,
            app_id: self.app_id,
            hash: TokenHash::from_hex(&self.secret_hash)
                .ok_or_else(|| crate::error::corrupt("client secret", "bad hash"))?,
            scopes: self.scopes,
            hint: self.hint,
            created_at: self.created_at,
            expires_at: self.secret_expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

impl WriteSet {
    /// FR-SYS-001: a newly registered application.
    pub fn insert_application(&mut self, app: &Application) -> Result<&mut Self, Error> {
        self.insert(&ApplicationItem::new(app), "application id already used")
    }

    /// Writes `app` over the stored one if unchanged since read.
    pub fn replace_application(&mut self, app: &Application) -> Result<&mut Self, Error> {
        let mut item = ApplicationItem::new(app);
        item.version = app.version + 1;
        self.replace(&item, app.version)
    }

    /// FR-SYS-002: a new client secret (its hash).
    pub fn insert_secret(&mut self, secret: &ClientSecret) -> Result<&mut Self, Error> {
        self.insert(&SecretItem::new(secret), "secret id already used")
    }

    /// Writes a changed secret (revocation); secrets change only once, from
    /// active to revoked, so the condition is that it was not revoked.
    pub fn revoke_secret(&mut self, secret: &ClientSecret) -> Result<&mut Self, Error> {
        let put = put(&SecretItem::new(secret))?
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(revoked_at)");
        self.push(put, OnConditionFailure::Stale)
    }

    /// Requires the application to exist and be Active when the transaction
    /// commits (enabling it for a tenant); otherwise ERR-VAL-422.
    pub fn require_active_application(&mut self, app: ApplicationId) -> Result<&mut Self, Error> {
        let key = keys::application(app);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .condition_expression("#status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", AttributeValue::S("Active".into()))
            .build()
            .map_err(|e| corrupt("condition check", e))?;
        self.push_op(
            TransactWriteItem::builder().condition_check(check).build(),
            OnConditionFailure::Rule("an application to enable is not registered or not active"),
        )
    }
}

impl Store {
    pub async fn application(&self, id: ApplicationId) -> Result<Option<Application>, Error> {
        self.get_one(
            &keys::application(id),
            "application",
            ApplicationItem::into_domain,
        )
        .await
    }

    /// Several applications by id, in one round trip (unknown ids skipped).
    pub async fn applications(&self, ids: &[ApplicationId]) -> Result<Vec<Application>, Error> {
        let keys: Vec<Key> = ids.iter().map(|id| keys::application(*id)).collect();
        self.get_many(&keys, "application", ApplicationItem::into_domain)
            .await
    }

    /// An application and one of its secrets, in one strongly consistent
    /// round trip: what every application call and token request checks.
    pub async fn application_and_secret(
        &self,
        app: ApplicationId,
        secret: SecretId,
    ) -> Result<(Option<Application>, Option<ClientSecret>), Error> {
        let [app_item, secret_item]: [Option<Item>; 2] = self
            .batch_get_each([keys::application(app), keys::client_secret(app, secret)])
            .await?;
        Ok((
            app_item
                .map(|i| {
                    parse::<ApplicationItem>("application", i).map(ApplicationItem::into_domain)
                })
                .transpose()?,
            secret_item
                .map(|i| parse::<SecretItem>("client secret", i).and_then(SecretItem::into_domain))
                .transpose()?,
        ))
    }

    /// A page of applications, by name.
    pub async fn list_applications(
        &self,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<Page<Application>, Error> {
        let start = cursor::decode(
            cursor,
            &[PK, SK, GSI1PK, GSI1SK],
            &[(GSI1PK, keys::ALL_APPLICATIONS)],
        )?;
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::ALL_APPLICATIONS.into()))
            .limit(i32::from(limit.get()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| error::query(&e, cursor.is_some()))?;
        page(output, "application", ApplicationItem::into_domain)
    }

    /// Every secret of an application (there are few: at most two active,
    /// plus the revoked and expired ones), oldest first.
    pub async fn secrets(&self, app: ApplicationId) -> Result<Vec<ClientSecret>, Error> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::application(app).pk))
            .expression_attribute_values(":prefix", AttributeValue::S(keys::SECRET_PREFIX.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk("Query", &e))?;
        let mut secrets = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| parse::<SecretItem>("client secret", i).and_then(SecretItem::into_domain))
            .collect::<Result<Vec<_>, _>>()?;
        secrets.sort_by_key(|s| s.created_at);
        Ok(secrets)
    }
}

impl Versioned for Application {
    type Id = ApplicationId;
    fn load(store: &Store, id: ApplicationId) -> impl Future<Output = Result<Option<Self>, Error>> {
        store.application(id)
    }
    fn save(&self, writes: &mut WriteSet) -> Result<(), Error> {
        writes.replace_application(self).map(|_| ())
    }
    fn saved(&mut self) {
        self.version += 1;
    }
}
