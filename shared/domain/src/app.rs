//! Managed applications and their client credentials (FR-SYS-001..003).
//!
//! An application is registered by a developer and acts only for the tenants
//! that enabled it. It authenticates with a client secret, exchanged for a
//! short-lived access token at the token endpoint (OAuth 2.0 client
//! credentials). Secrets are shown once, stored as SHA-256, and at most
//! [`MAX_ACTIVE_SECRETS`] are active at a time: enough to rotate without
//! downtime, few enough that a forgotten one is noticed.

use crate::error::required;
use crate::oauth::ClientConfig;
use crate::text::text_type;
use crate::{ApplicationId, Error, SecretId, SecretToken, TokenHash, Transition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Two secrets: the current one and the next one during a rotation.
pub const MAX_ACTIVE_SECRETS: u32 = 2;

/// What an application may do with its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AppScope {
    #[serde(rename = "flags:read")]
    FlagsRead,
    #[serde(rename = "billing:write")]
    BillingWrite,
    #[serde(rename = "billing:read")]
    BillingRead,
    #[serde(rename = "audit:write")]
    AuditWrite,
    /// Read the tenants that enabled the application (status, plan).
    #[serde(rename = "tenants:read")]
    TenantsRead,
}

impl AppScope {
    pub const ALL: [AppScope; 5] = [
        Self::FlagsRead,
        Self::BillingWrite,
        Self::BillingRead,
        Self::AuditWrite,
        Self::TenantsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FlagsRead => "flags:read",
            Self::BillingWrite => "billing:write",
            Self::BillingRead => "billing:read",
            Self::AuditWrite => "audit:write",
            Self::TenantsRead => "tenants:read",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// A space-separated scope list (RFC 6749 §3.3), every entry known.
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, String> {
        let mut scopes = Vec::new();
        for word in raw.split_whitespace() {
            let scope = Self::parse(word).ok_or_else(|| format!("unknown scope `{word}`"))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.sort();
        Ok(scopes)
    }

    pub fn join(scopes: &[Self]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

text_type!(
    /// The application's display name.
    AppName,
    "name",
    100
);

/// Where the application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppEnvironment {
    Production,
    Staging,
    Development,
}

impl AppEnvironment {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "Production" => Ok(Self::Production),
            "Staging" => Ok(Self::Staging),
            "Development" => Ok(Self::Development),
            _ => Err(Error::invalid(
                "environment",
                "must be one of Production, Staging, Development",
            )),
        }
    }
}

text_type!(
    /// Who answers for the application: a developer's or a team's identifier.
    AppOwner,
    "owner",
    200
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppStatus {
    Active,
    Disabled,
}

impl AppStatus {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "Active" => Ok(Self::Active),
            "Disabled" => Ok(Self::Disabled),
            _ => Err(Error::invalid("status", "must be Active or Disabled")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: ApplicationId,
    pub name: AppName,
    pub environment: AppEnvironment,
    pub owner: AppOwner,
    pub status: AppStatus,
    /// Designated by an operator as the billing system: only such an
    /// application's `billing:read` takes effect (the billing feed holds
    /// every tenant's usage, so no developer can grant it alone).
    pub billing_reader: bool,
    /// Its registration as an OpenID Connect client: a machine client
    /// (client credentials only) until its developer registers more.
    pub client: ClientConfig,
    /// How many of its secrets are neither revoked nor expired when counted
    /// at issue time; guards [`MAX_ACTIVE_SECRETS`] against racing issues.
    pub active_secrets: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// UC-DEV-UPDATE: the fields a developer may change; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct AppChanges {
    pub name: Option<AppName>,
    pub environment: Option<AppEnvironment>,
    pub owner: Option<AppOwner>,
    pub status: Option<AppStatus>,
}

impl AppChanges {
    /// Parses a partial update, reporting every bad field at once.
    pub fn parse(
        name: Option<&str>,
        environment: Option<&str>,
        owner: Option<&str>,
        status: Option<&str>,
    ) -> Result<Self, Error> {
        let name = name.map(AppName::parse).transpose();
        let environment = environment.map(AppEnvironment::parse).transpose();
        let owner = owner.map(AppOwner::parse).transpose();
        let status = status.map(AppStatus::parse).transpose();
        let changes = match (name, environment, owner, status) {
            (Ok(name), Ok(environment), Ok(owner), Ok(status)) => Self {
                name,
                environment,
                owner,
                status,
            },
            (name, environment, owner, status) => {
                return Err(Error::merge([
                    name.err(),
                    environment.err(),
                    owner.err(),
                    status.err(),
                ]));
            }
        };
        if changes.name.is_none()
            && changes.environment.is_none()
            && changes.owner.is_none()
            && changes.status.is_none()
        {
            return Err(Error::invalid("body", "names no field to change"));
        }
        Ok(changes)
    }
}

/// UC-DEV-REGISTER: a validated registration.
#[derive(Debug, Clone)]
pub struct RegisterApp {
    pub name: AppName,
    pub environment: AppEnvironment,
    pub owner: AppOwner,
}

impl RegisterApp {
    pub fn parse(
        name: Option<&str>,
        environment: Option<&str>,
        owner: Option<&str>,
    ) -> Result<Self, Error> {
        let name = required("name", name).and_then(AppName::parse);
        let environment = required("environment", environment).and_then(AppEnvironment::parse);
        let owner = required("owner", owner).and_then(AppOwner::parse);
        match (name, environment, owner) {
            (Ok(name), Ok(environment), Ok(owner)) => Ok(Self {
                name,
                environment,
                owner,
            }),
            (name, environment, owner) => {
                Err(Error::merge([name.err(), environment.err(), owner.err()]))
            }
        }
    }
}

impl Application {
    pub fn register(id: ApplicationId, r: RegisterApp, now: DateTime<Utc>) -> Self {
        Self {
            id,
            name: r.name,
            environment: r.environment,
            owner: r.owner,
            status: AppStatus::Active,
            billing_reader: false,
            client: ClientConfig::default(),
            active_secrets: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == AppStatus::Active
    }

    /// Whether a scope of its secret takes effect: every scope does, but
    /// `billing:read`, which needs the operator's designation.
    pub fn grants(&self, scope: AppScope) -> bool {
        scope != AppScope::BillingRead || self.billing_reader
    }

    /// Designates the application as a billing reader, or withdraws the
    /// designation; repeating either changes nothing.
    pub fn designate_billing_reader(&mut self, designated: bool, now: DateTime<Utc>) -> Transition {
        if self.billing_reader == designated {
            return Transition::Unchanged;
        }
        self.billing_reader = designated;
        self.updated_at = now;
        Transition::Changed
    }

    /// Registers the application as an OpenID Connect client, replacing
    /// what it was registered with; the same again changes nothing.
    pub fn register_client(&mut self, client: ClientConfig, now: DateTime<Utc>) -> Transition {
        if self.client == client {
            return Transition::Unchanged;
        }
        self.client = client;
        self.updated_at = now;
        Transition::Changed
    }

    /// Applies an update; returns whether anything changed.
    pub fn apply(&mut self, changes: AppChanges, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        if let Some(name) = changes.name {
            self.name = name;
        }
        if let Some(environment) = changes.environment {
            self.environment = environment;
        }
        if let Some(owner) = changes.owner {
            self.owner = owner;
        }
        if let Some(status) = changes.status {
            self.status = status;
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
        }
        changed
    }

    /// Counts a new secret against the limit; `active` is how many of the
    /// existing secrets are still usable at `now`.
    pub fn add_secret(&mut self, active: u32, now: DateTime<Utc>) -> Result<(), Error> {
        if !self.is_active() {
            return Err(Error::BusinessRule(
                "a disabled application cannot get new secrets".into(),
            ));
        }
        if active >= MAX_ACTIVE_SECRETS {
            return Err(Error::BusinessRule(format!(
                "an application has at most {MAX_ACTIVE_SECRETS} active secrets; revoke one first"
            )));
        }
        self.active_secrets = active + 1;
        self.updated_at = now;
        Ok(())
    }
}

/// A client secret's stored form: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    pub id: SecretId,
    pub app_id: ApplicationId,
    pub hash: TokenHash,
    pub scopes: Vec<AppScope>,
    /// The last four characters, so people can tell their secrets apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ClientSecret {
    /// Usable: not revoked, not expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether it still speaks for `app`: it is `app`'s, usable, and `app`
    /// is Active. What the token endpoint checks when the secret is
    /// presented, and what every use of a token exchanged for it checks
    /// again (the resolver, introspection), so that revoking the secret or
    /// disabling the application takes effect at once.
    pub fn authorizes(&self, app: &Application, now: DateTime<Utc>) -> bool {
        self.app_id == app.id && app.is_active() && self.is_active(now)
    }

    /// Revokes the secret; repeating it changes nothing.
    pub fn revoke(&mut self, now: DateTime<Utc>) -> bool {
        if self.revoked_at.is_some() {
            return false;
        }
        self.revoked_at = Some(now);
        true
    }
}

/// A client secret as handed to the developer, once.
///
/// `cpsk_v1.<secret id, 32 hex>.<256 random bits, base64url>`: the prefix is
/// versioned and distinctive so secret scanners can find leaked ones
/// (`cpsk_v1\.[0-9a-f]{32}\.[A-Za-z0-9_-]{43}`), and the id lets the token
/// endpoint find the stored hash without a scan.
pub struct PresentedSecret {
    pub id: SecretId,
    token: SecretToken,
}

impl PresentedSecret {
    pub const PREFIX: &'static str = "cpsk_v1.";

    pub fn generate(id: SecretId) -> Result<Self, Error> {
        let random = SecretToken::generate()?;
        let text = format!(
            "{}{}.{}",
            Self::PREFIX,
            id.as_uuid().simple(),
            random.expose()
        );
        Ok(Self {
            id,
            token: SecretToken::from_presented(text),
        })
    }

    /// Reads a secret a client sent; `None` if it cannot be one of ours.
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix(Self::PREFIX)?;
        let (id, random) = rest.split_once('.')?;
        if id.len() != 32 || random.len() != 43 {
            return None;
        }
        let id = uuid::Uuid::try_parse(id).ok()?;
        Some(Self {
            id: SecretId::from_uuid(id),
            token: SecretToken::from_presented(raw),
        })
    }

    pub fn expose(&self) -> &str {
        self.token.expose()
    }

    pub fn hash(&self) -> TokenHash {
        self.token.hash()
    }

    pub fn hint(&self) -> String {
        let text = self.token.expose();
        text[text.len().saturating_sub(4)..].to_owned()
    }
}

impl fmt::Debug for PresentedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PresentedSecret({}, <redacted>)", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_bill_003_billing_read_takes_effect_only_for_a_designated_billing_reader() {
        let now = Utc::now();
        let registration =
            RegisterApp::parse(Some("Billing"), Some("Production"), Some("team-billing")).unwrap();
        let mut app = Application::register(ApplicationId::random(), registration, now);
        assert!(app.grants(AppScope::FlagsRead));
        assert!(!app.grants(AppScope::BillingRead));
        assert_eq!(app.designate_billing_reader(true, now), Transition::Changed);
        assert!(app.grants(AppScope::BillingRead));
        assert_eq!(
            app.designate_billing_reader(true, now),
            Transition::Unchanged
        );
        assert_eq!(
            app.designate_billing_reader(false, now),
            Transition::Changed
        );
        assert!(!app.grants(AppScope::BillingRead));
    }
    use chrono::Duration;

    fn app() -> Application {
        let r = RegisterApp::parse(Some("Billing"), Some("Production"), Some("team-billing"));
        Application::register(ApplicationId::random(), r.unwrap(), Utc::now())
    }

    #[test]
    fn fr_sys_002_secrets_carry_a_versioned_prefix_and_their_id_and_never_print() {
        let id = SecretId::random();
        let secret = PresentedSecret::generate(id).unwrap();
        assert!(secret.expose().starts_with("cpsk_v1."));
        assert_eq!(secret.expose().len(), 8 + 32 + 1 + 43);
        let parsed = PresentedSecret::parse(secret.expose()).unwrap();
        assert_eq!(parsed.id, id);
        assert_eq!(parsed.hash(), secret.hash());
        assert!(!format!("{secret:?}").contains(secret.expose()));
        for bad in [
            "",
            "cpsk_v1.",
            "cpsk_v2.00000000000000000000000000000000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &secret.expose()[..secret.expose().len() - 1],
            &secret.expose().replace("cpsk_v1.", "cpsk_v1.zz"),
        ] {
            assert!(PresentedSecret::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn fr_sys_002_at_most_two_active_secrets_and_none_for_a_disabled_app() {
        let now = Utc::now();
        let mut a = app();
        a.add_secret(0, now).unwrap();
        a.add_secret(1, now).unwrap();
        assert_eq!(a.active_secrets, 2);
        assert!(matches!(a.add_secret(2, now), Err(Error::BusinessRule(_))));
        a.status = AppStatus::Disabled;
        assert!(matches!(a.add_secret(0, now), Err(Error::BusinessRule(_))));
    }

    #[test]
    fn fr_sys_002_a_secret_is_active_until_revoked_or_expired() {
        let now = Utc::now();
        let mut s = ClientSecret {
            id: SecretId::random(),
            app_id: ApplicationId::random(),
            hash: SecretToken::generate().unwrap().hash(),
            scopes: vec![AppScope::FlagsRead],
            hint: "abcd".into(),
            created_at: now,
            expires_at: Some(now + Duration::days(1)),
            revoked_at: None,
        };
        assert!(s.is_active(now));
        assert!(!s.is_active(now + Duration::days(1)));
        assert!(s.revoke(now));
        assert!(!s.revoke(now));
        assert!(!s.is_active(now));
    }

    #[test]
    fn fr_sys_002_a_secret_speaks_only_for_its_own_active_application() {
        let now = Utc::now();
        let mut a = app();
        let mut s = ClientSecret {
            id: SecretId::random(),
            app_id: a.id,
            hash: SecretToken::generate().unwrap().hash(),
            scopes: vec![AppScope::FlagsRead],
            hint: "abcd".into(),
            created_at: now,
            expires_at: None,
            revoked_at: None,
        };
        assert!(s.authorizes(&a, now));
        assert!(!s.authorizes(&app(), now), "another application's");
        a.status = AppStatus::Disabled;
        assert!(!s.authorizes(&a, now), "a disabled application's");
        a.status = AppStatus::Active;
        s.revoke(now);
        assert!(!s.authorizes(&a, now), "revoked");
    }

    #[test]
    fn fr_sys_003_updates_are_validated_field_by_field() {
        let err = AppChanges::parse(Some(""), Some("Prod"), None, Some("Gone")).unwrap_err();
        let Error::InvalidInput(fields) = err else {
            panic!("{err:?}")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "environment", "status"]);
        assert!(AppChanges::parse(None, None, None, None).is_err());
        let mut a = app();
        let changes = AppChanges::parse(None, None, None, Some("Disabled")).unwrap();
        assert!(a.apply(changes, Utc::now()));
        assert!(!a.is_active());
    }

    #[test]
    fn scopes_parse_as_a_space_separated_set() {
        assert_eq!(
            AppScope::parse_list("billing:write flags:read billing:write").unwrap(),
            vec![AppScope::FlagsRead, AppScope::BillingWrite]
        );
        assert!(AppScope::parse_list("flags:write").is_err());
        assert_eq!(
            AppScope::join(&[AppScope::FlagsRead, AppScope::AuditWrite]),
            "flags:read audit:write"
        );
    }
}
