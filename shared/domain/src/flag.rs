//! Feature flags (FR-FLAG-001/002): the catalog, a tenant's overrides, and
//! evaluation.
//!
//! The catalog defines every flag (key, type, description, a default per
//! plan); it is published as versioned configuration (AWS AppConfig) and
//! read as a whole. A tenant's overrides are the only per-tenant state. A
//! flag's value for a tenant is its override if it has one, else the default
//! of the tenant's *current* plan: provisioning and plan changes need no
//! write, and never touch overrides.

use crate::{Error, Plan, TenantId, Transition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The largest override, as JSON text: flags are configuration, not data.
pub const MAX_VALUE_BYTES: usize = 4096;

/// A flag's key: 1 to 64 of `a-z`, `0-9`, `-`, `_`, `.`, starting with a
/// letter or digit (URL- and attribute-safe).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FlagKey(String);

impl FlagKey {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let valid = (1..=64).contains(&raw.len())
            && raw.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            })
            && raw.as_bytes()[0].is_ascii_alphanumeric();
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid(
                "key",
                "must be 1 to 64 of a-z, 0-9, '-', '_' and '.', starting with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FlagKey {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<FlagKey> for String {
    fn from(k: FlagKey) -> String {
        k.0
    }
}

impl fmt::Display for FlagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What values a flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagType {
    Boolean,
    String,
    Number,
    Object,
}

impl FlagType {
    pub fn admits(self, value: &Value) -> bool {
        match self {
            Self::Boolean => value.is_boolean(),
            Self::String => value.is_string(),
            Self::Number => value.is_number(),
            Self::Object => value.is_object(),
        }
    }

    /// A value of this type, or ERR-VAL-400 naming `field`.
    pub fn check(self, field: &str, value: &Value) -> Result<(), Error> {
        if !self.admits(value) {
            return Err(Error::invalid(
                field,
                format!("must be a {}", self.as_str()),
            ));
        }
        if serde_json::to_string(value).map_or(usize::MAX, |s| s.len()) > MAX_VALUE_BYTES {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_VALUE_BYTES} bytes of JSON"),
            ));
        }
        Ok(())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Number => "number",
            Self::Object => "object",
        }
    }
}

/// One flag of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagDefinition {
    #[serde(rename = "type")]
    pub flag_type: FlagType,
    pub description: String,
    /// The value for each plan; every plan has one.
    pub defaults: HashMap<Plan, Value>,
}

impl FlagDefinition {
    pub fn default_for(&self, plan: Plan) -> &Value {
        // Every plan has a default: `Catalog::parse` checked it.
        self.defaults.get(&plan).unwrap_or(&Value::Null)
    }
}

/// Every flag, as published (the AppConfig configuration's content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub flags: BTreeMap<FlagKey, FlagDefinition>,
}

impl Catalog {
    /// The catalog in its JSON form, checked: every flag has a default of
    /// its type for every plan. The error says what is wrong, for the
    /// function's log (a bad version is never used; the last good one is).
    pub fn parse(json: &[u8]) -> Result<Self, String> {
        let catalog: Self = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        for (key, flag) in &catalog.flags {
            for plan in Plan::ALL {
                let value = flag
                    .defaults
                    .get(&plan)
                    .ok_or_else(|| format!("flag {key}: no default for plan {}", plan.as_str()))?;
                flag.flag_type.check("default", value).map_err(|_| {
                    format!(
                        "flag {key}: the {} default is not a {}",
                        plan.as_str(),
                        flag.flag_type.as_str()
                    )
                })?;
            }
        }
        Ok(catalog)
    }

    pub fn flag(&self, key: &FlagKey) -> Option<&FlagDefinition> {
        self.flags.get(key)
    }

    /// One flag's value for a tenant on `plan` with `overrides`; `None` if
    /// the catalog has no such flag.
    pub fn evaluate<'a>(
        &'a self,
        key: &FlagKey,
        plan: Plan,
        overrides: &'a FlagOverrides,
    ) -> Option<Evaluation<'a>> {
        let (key, flag) = self.flags.get_key_value(key)?;
        Some(evaluate(key, flag, plan, overrides))
    }

    /// Every flag's value, in key order.
    pub fn evaluate_all<'a>(
        &'a self,
        plan: Plan,
        overrides: &'a FlagOverrides,
    ) -> impl Iterator<Item = Evaluation<'a>> {
        self.flags
            .iter()
            .map(move |(key, flag)| evaluate(key, flag, plan, overrides))
    }
}

fn evaluate<'a>(
    key: &'a FlagKey,
    flag: &'a FlagDefinition,
    plan: Plan,
    overrides: &'a FlagOverrides,
) -> Evaluation<'a> {
    // An override the catalog's type no longer admits (the flag's type was
    // changed) is ignored, never served.
    let overridden = overrides
        .values
        .get(key)
        .filter(|value| flag.flag_type.admits(value));
    let (value, reason) = match overridden {
        Some(value) => (value, Reason::Override),
        None if Plan::ALL
            .iter()
            .all(|p| flag.default_for(*p) == flag.default_for(plan)) =>
        {
            (flag.default_for(plan), Reason::Static)
        }
        None => (flag.default_for(plan), Reason::PlanDefault),
    };
    Evaluation {
        key,
        flag,
        value,
        reason,
        plan,
    }
}

/// Why a flag has its value for a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// An operator set this tenant's value.
    Override,
    /// The default of the tenant's plan.
    PlanDefault,
    /// The same default for every plan, and no override.
    Static,
}

/// A flag's value for one tenant, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation<'a> {
    pub key: &'a FlagKey,
    pub flag: &'a FlagDefinition,
    pub value: &'a Value,
    pub reason: Reason,
    /// The plan whose default applies (or would, without the override).
    pub plan: Plan,
}

/// A tenant's overrides (FR-FLAG-001): the values operators set for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagOverrides {
    pub tenant_id: TenantId,
    pub values: BTreeMap<FlagKey, Value>,
    /// Optimistic-concurrency version; 0 until the first override is saved.
    pub version: u64,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An override set or cleared: the value before and after (`None`: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideChange {
    pub previous: Option<Value>,
    pub value: Option<Value>,
}

impl FlagOverrides {
    /// A tenant without overrides.
    pub fn none(tenant_id: TenantId) -> Self {
        Self {
            tenant_id,
            values: BTreeMap::new(),
            version: 0,
            updated_at: None,
        }
    }

    /// Sets the tenant's value of `key`, which must be of the flag's type.
    pub fn set(
        &mut self,
        key: &FlagKey,
        flag: &FlagDefinition,
        value: Value,
        now: DateTime<Utc>,
    ) -> Result<(Transition, OverrideChange), Error> {
        flag.flag_type.check("value", &value)?;
        let previous = self.values.insert(key.clone(), value.clone());
        Ok(self.changed(previous, Some(value), now))
    }

    /// Removes the tenant's value of `key`: the plan's default applies again.
    pub fn clear(&mut self, key: &FlagKey, now: DateTime<Utc>) -> (Transition, OverrideChange) {
        let previous = self.values.remove(key);
        self.changed(previous, None, now)
    }

    fn changed(
        &mut self,
        previous: Option<Value>,
        value: Option<Value>,
        now: DateTime<Utc>,
    ) -> (Transition, OverrideChange) {
        let transition = if previous == value {
            Transition::Unchanged
        } else {
            self.updated_at = Some(now);
            Transition::Changed
        };
        (transition, OverrideChange { previous, value })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::parse(
            json!({"flags": {
                "new-editor": {"type": "boolean", "description": "The new editor",
                               "defaults": {"Free": false, "Pro": true, "Enterprise": true}},
                "theme": {"type": "string", "description": "UI theme",
                          "defaults": {"Free": "light", "Pro": "light", "Enterprise": "light"}},
                "max-projects": {"type": "number", "description": "Projects allowed",
                                 "defaults": {"Free": 3, "Pro": 50, "Enterprise": 1000}}
            }})
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    }

    fn key(k: &str) -> FlagKey {
        FlagKey::parse(k).unwrap()
    }

    #[test]
    fn fr_flag_002_a_flag_takes_the_default_of_the_tenants_current_plan() {
        let catalog = catalog();
        let none = FlagOverrides::none(TenantId::random());
        let free = catalog
            .evaluate(&key("max-projects"), Plan::Free, &none)
            .unwrap();
        assert_eq!((free.value, free.reason), (&json!(3), Reason::PlanDefault));
        let pro = catalog
            .evaluate(&key("max-projects"), Plan::Pro, &none)
            .unwrap();
        assert_eq!(pro.value, &json!(50));
        let theme = catalog.evaluate(&key("theme"), Plan::Pro, &none).unwrap();
        assert_eq!(theme.reason, Reason::Static);
        assert!(catalog.evaluate(&key("nope"), Plan::Pro, &none).is_none());
    }

    #[test]
    fn fr_flag_001_an_override_wins_over_every_plan_and_clearing_it_restores_the_default() {
        let catalog = catalog();
        let k = key("new-editor");
        let flag = catalog.flag(&k).unwrap();
        let mut overrides = FlagOverrides::none(TenantId::random());
        let now = Utc::now();
        let (t, change) = overrides.set(&k, flag, json!(false), now).unwrap();
        assert_eq!(t, Transition::Changed);
        assert_eq!(
            change,
            OverrideChange {
                previous: None,
                value: Some(json!(false))
            }
        );
        for plan in Plan::ALL {
            let e = catalog.evaluate(&k, plan, &overrides).unwrap();
            assert_eq!((e.value, e.reason), (&json!(false), Reason::Override));
        }
        let (t, _) = overrides.set(&k, flag, json!(false), now).unwrap();
        assert_eq!(t, Transition::Unchanged);
        let (t, change) = overrides.clear(&k, now);
        assert_eq!(t, Transition::Changed);
        assert_eq!(change.previous, Some(json!(false)));
        let e = catalog.evaluate(&k, Plan::Pro, &overrides).unwrap();
        assert_eq!((e.value, e.reason), (&json!(true), Reason::PlanDefault));
        assert_eq!(overrides.clear(&k, now).0, Transition::Unchanged);
    }

    #[test]
    fn fr_flag_001_an_override_must_have_the_flags_type_and_a_bounded_size() {
        let catalog = catalog();
        let k = key("new-editor");
        let flag = catalog.flag(&k).unwrap();
        let mut overrides = FlagOverrides::none(TenantId::random());
        assert!(overrides.set(&k, flag, json!("yes"), Utc::now()).is_err());
        let object = catalog.flag(&key("max-projects")).unwrap();
        assert!(
            overrides
                .set(&k, object, json!("many"), Utc::now())
                .is_err()
        );
        let big = FlagDefinition {
            flag_type: FlagType::String,
            description: String::new(),
            defaults: HashMap::new(),
        };
        let long = json!("x".repeat(MAX_VALUE_BYTES));
        assert!(overrides.set(&k, &big, long, Utc::now()).is_err());
        assert!(overrides.values.is_empty());
    }

    #[test]
    fn an_override_of_a_type_the_catalog_no_longer_has_is_ignored() {
        let catalog = catalog();
        let mut overrides = FlagOverrides::none(TenantId::random());
        overrides.values.insert(key("max-projects"), json!("lots"));
        let e = catalog
            .evaluate(&key("max-projects"), Plan::Free, &overrides)
            .unwrap();
        assert_eq!((e.value, e.reason), (&json!(3), Reason::PlanDefault));
    }

    #[test]
    fn a_catalog_needs_a_default_of_the_flags_type_for_every_plan() {
        let missing = json!({"flags": {"a": {"type": "boolean", "description": "",
            "defaults": {"Free": true, "Pro": true}}}});
        assert!(
            Catalog::parse(missing.to_string().as_bytes())
                .unwrap_err()
                .contains("Enterprise")
        );
        let wrong = json!({"flags": {"a": {"type": "number", "description": "",
            "defaults": {"Free": 1, "Pro": "2", "Enterprise": 3}}}});
        assert!(Catalog::parse(wrong.to_string().as_bytes()).is_err());
        let bad_key = json!({"flags": {"A B": {"type": "boolean", "description": "",
            "defaults": {"Free": true, "Pro": true, "Enterprise": true}}}});
        assert!(Catalog::parse(bad_key.to_string().as_bytes()).is_err());
    }

    #[test]
    fn flag_keys_are_url_safe() {
        for good in ["a", "new-editor", "billing.v2_export", "9lives"] {
            assert!(FlagKey::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "Upper", "a/b", "a b", &"x".repeat(65)] {
            assert!(FlagKey::parse(bad).is_err(), "{bad}");
        }
    }
}
