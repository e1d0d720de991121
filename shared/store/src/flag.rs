//! The flags room: a tenant's flag overrides, beside its tenant item.

use crate::attributes::Keys;
use crate::keys;
use crate::read::{Item, parse};
use crate::tenant::TenantItem;
use crate::update::Versioned;
use crate::{Store, WriteSet};
use chrono::{DateTime, Utc};
use cp_domain::{Error, FlagKey, FlagOverrides, Tenant, TenantId};
use serde::{Deserialize, Serialize};

/// A tenant's flag overrides (FR-FLAG-001): flag key → value as JSON text.
/// Text, not nested attributes: any JSON value fits (DynamoDB's numbers and
/// nesting are narrower than JSON's), and reads back exactly as written.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FlagOverridesItem {
    #[serde(flatten)]
    pub keys: Keys,
    pub entity: String,
    pub tenant_id: TenantId,
    pub overrides: std::collections::BTreeMap<FlagKey, String>,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl FlagOverridesItem {
    pub fn new(o: &FlagOverrides) -> Self {
        Self {
            keys: keys::tenant_flags(o.tenant_id).into(),
            entity: "FlagOverrides".into(),
            tenant_id: o.tenant_id,
            overrides: o
                .values
                .iter()
                .map(|(key, value)| (key.clone(), value.to_string()))
                .collect(),
            version: o.version,
            updated_at: o.updated_at,
        }
    }

    pub fn into_domain(self) -> Result<FlagOverrides, cp_domain::Error> {
        let values = self
            .overrides
            .into_iter()
            .map(|(key, text)| {
                serde_json::from_str(&text)
                    .map(|value| (key, value))
                    .map_err(|e| crate::error::corrupt("flag override", e))
            })
            .collect::<Result<_, _>>()?;
        Ok(FlagOverrides {
            tenant_id: self.tenant_id,
            values,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

impl WriteSet {
    /// FR-FLAG-001: a tenant's overrides, created on the first one, else
    /// written over the stored ones if unchanged since read.
    pub fn save_flag_overrides(&mut self, overrides: &FlagOverrides) -> Result<&mut Self, Error> {
        let mut item = FlagOverridesItem::new(overrides);
        item.version = overrides.version + 1;
        if overrides.version == 0 {
            self.insert(&item, "the overrides were created concurrently; retry")
        } else {
            self.replace(&item, overrides.version)
        }
    }
}

impl Store {
    /// A tenant and its flag overrides in one strongly consistent round
    /// trip: all that evaluating its flags reads (FR-FLAG-002).
    pub async fn tenant_and_flags(
        &self,
        id: TenantId,
    ) -> Result<(Option<Tenant>, FlagOverrides), Error> {
        let [tenant, flags]: [Option<Item>; 2] = self
            .batch_get_each([keys::tenant(id), keys::tenant_flags(id)])
            .await?;
        Ok((
            tenant
                .map(|i| parse::<TenantItem>("tenant", i).map(TenantItem::into_domain))
                .transpose()?,
            match flags {
                Some(i) => parse::<FlagOverridesItem>("flag overrides", i)?.into_domain()?,
                None => FlagOverrides::none(id),
            },
        ))
    }
}

/// A tenant with its flag overrides, read together; only the overrides are
/// written (FR-FLAG-001). A tenant has none until the first is saved.
#[derive(Debug, Clone)]
pub struct TenantFlags {
    pub tenant: Tenant,
    pub overrides: FlagOverrides,
}

impl Versioned for TenantFlags {
    type Id = TenantId;
    async fn load(store: &Store, id: TenantId) -> Result<Option<Self>, Error> {
        let (tenant, overrides) = store.tenant_and_flags(id).await?;
        Ok(tenant.map(|tenant| Self { tenant, overrides }))
    }
    fn save(&self, writes: &mut WriteSet) -> Result<(), Error> {
        writes.save_flag_overrides(&self.overrides).map(|_| ())
    }
    fn saved(&mut self) {
        self.overrides.version += 1;
    }
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Any JSON value serde_json reads: big and tiny numbers, deep nesting.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,16}".prop_map(Value::from),
        ];
        leaf.prop_recursive(64, 128, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// FR-FLAG-001: whatever JSON value an override holds, its item is
        /// one DynamoDB accepts, and it reads back exactly.
        #[test]
        fn fr_flag_001_any_json_override_fits_the_table_and_reads_back_exactly(value in json()) {
            let key = FlagKey::parse("any-flag").unwrap();
            let overrides = FlagOverrides {
                tenant_id: TenantId::random(),
                values: [(key, value)].into_iter().collect(),
                version: 3,
                updated_at: None,
            };
            let item = crate::attributes::to_item("flag overrides", &FlagOverridesItem::new(&overrides));
            prop_assert!(item.is_ok());
            let read: FlagOverridesItem = serde_dynamo::from_item(item.unwrap()).unwrap();
            prop_assert_eq!(read.into_domain().unwrap(), overrides);
        }
    }
}
