//! What DynamoDB accepts. Every item this crate writes is mapped here, and
//! checked against the limits DynamoDB enforces and moto does not, so that
//! an item the table would refuse in AWS fails the same way on the local
//! stack and in every test, instead of being stored locally and refused in
//! production:
//!
//! - a number has at most 38 significant digits, and a magnitude from
//!   1E-130 to below 1E+126 (or is zero);
//! - maps and lists nest at most 32 levels deep;
//! - an item is at most 400 KB (attribute names and values, counted as
//!   DynamoDB counts them, slightly over rather than under).
//!
//! Free-form JSON from callers never becomes nested attributes: it is kept
//! as JSON text (flag values, audit metadata, billing data), which always
//! fits; these checks catch a mapping that forgets that.

use crate::error::corrupt;
use crate::keys::Key;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use cp_domain::Error;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Primary key attributes, flattened into every item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Keys {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
}

impl From<Key> for Keys {
    fn from(k: Key) -> Self {
        Self { pk: k.pk, sk: k.sk }
    }
}

pub(crate) fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_epoch(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// DynamoDB's item size limit.
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;
/// DynamoDB's nesting limit for maps and lists.
pub(crate) const MAX_DEPTH: usize = 32;
const MAX_SIGNIFICANT_DIGITS: usize = 38;
const MIN_EXPONENT: i64 = -130;
const MAX_EXPONENT: i64 = 125;

/// `item` as DynamoDB attributes, or ERR-SYS-500 (logged with `what` and
/// the limit) if DynamoDB would refuse it.
pub(crate) fn to_item(what: &'static str, item: &impl Serialize) -> Result<Item, Error> {
    // The one place items are mapped (clippy.toml refuses any other).
    #[allow(clippy::disallowed_methods)]
    let item: Item = serde_dynamo::to_item(item).map_err(|e| corrupt(what, e))?;
    check_item(&item).map_err(|limit| {
        tracing::error!(
            item = what,
            limit,
            "item beyond DynamoDB's limits; nothing written"
        );
        Error::Internal
    })?;
    Ok(item)
}

/// Which limit `item` exceeds, if any.
pub(crate) fn check_item(item: &Item) -> Result<(), &'static str> {
    let mut bytes = 0;
    for (name, value) in item {
        bytes += name.len() + check_value(value, 0)?;
    }
    if bytes > MAX_ITEM_BYTES {
        return Err("item size");
    }
    Ok(())
}

/// Checks a value `depth` levels down; returns its size in bytes.
fn check_value(value: &AttributeValue, depth: usize) -> Result<usize, &'static str> {
    Ok(match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n)?,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::Ns(set) => {
            let mut size = 0;
            for n in set {
                size += number_size(n)?;
            }
            size
        }
        AttributeValue::L(list) => {
            let depth = nested(depth)?;
            let mut size = 3 + list.len();
            for v in list {
                size += check_value(v, depth)?;
            }
            size
        }
        AttributeValue::M(map) => {
            let depth = nested(depth)?;
            let mut size = 3 + map.len();
            for (k, v) in map {
                size += k.len() + check_value(v, depth)?;
            }
            size
        }
        _ => return Err("attribute type"),
    })
}

fn nested(depth: usize) -> Result<usize, &'static str> {
    if depth + 1 > MAX_DEPTH {
        Err("nesting depth")
    } else {
        Ok(depth + 1)
    }
}

/// A number's size as DynamoDB counts it (about one byte per two
/// significant digits, plus one), if DynamoDB can hold it.
fn number_size(text: &str) -> Result<usize, &'static str> {
    let digits = significant_digits(text).ok_or("number format")?;
    let Some((count, exponent)) = digits else {
        return Ok(1); // zero
    };
    if count > MAX_SIGNIFICANT_DIGITS {
        return Err("number precision");
    }
    if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&exponent) {
        return Err("number magnitude");
    }
    Ok(count.div_ceil(2) + 1)
}

/// The count of significant digits of a decimal number and the power of ten
/// of its leading digit (`d.ddd × 10^e`); `Some(None)` for zero, `None` if
/// the text is not a decimal number.
fn significant_digits(text: &str) -> Option<Option<(usize, i64)>> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return Some(None);
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    // The leading digit's place: `whole.len() - 1 - first` for digits
    // before the point, negative after it.
    let place = whole.len() as i64 - 1 - first as i64;
    Some(Some((last - first + 1, place + exponent)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.to_owned())
    }

    fn item(value: AttributeValue) -> Item {
        HashMap::from([("v".to_owned(), value)])
    }

    #[test]
    fn numbers_are_held_within_dynamodbs_range_and_precision() {
        for ok in [
            "0",
            "-0.000",
            "1",
            "-17.5",
            "1e-130",
            "9.9999999999999999999999999999999999999E+125",
            "-9.9999999999999999999999999999999999999E+125",
            "12345678901234567890123456789012345678",
            "0.00012345678901234567890123456789012345678",
            "100000000000000000000000000000000000000000000000000",
        ] {
            assert_eq!(check_item(&item(n(ok))), Ok(()), "{ok}");
        }
        for (bad, limit) in [
            ("1e126", "number magnitude"),
            ("-1e130", "number magnitude"),
            ("1.5e-131", "number magnitude"),
            ("1e308", "number magnitude"),
            (
                "123456789012345678901234567890123456789",
                "number precision",
            ),
            ("abc", "number format"),
            ("1e", "number format"),
            ("", "number format"),
        ] {
            assert_eq!(check_item(&item(n(bad))), Err(limit), "{bad}");
        }
    }

    #[test]
    fn maps_and_lists_nest_at_most_32_levels() {
        let nest = |levels: usize| {
            (0..levels).fold(AttributeValue::S("leaf".into()), |inner, i| {
                if i % 2 == 0 {
                    AttributeValue::M(HashMap::from([("k".to_owned(), inner)]))
                } else {
                    AttributeValue::L(vec![inner])
                }
            })
        };
        assert_eq!(check_item(&item(nest(32))), Ok(()));
        assert_eq!(check_item(&item(nest(33))), Err("nesting depth"));
    }

    #[test]
    fn an_item_is_at_most_400_kb() {
        let text = |bytes: usize| AttributeValue::S("x".repeat(bytes));
        assert_eq!(check_item(&item(text(MAX_ITEM_BYTES - 1))), Ok(()));
        assert_eq!(check_item(&item(text(MAX_ITEM_BYTES))), Err("item size"));
    }

    #[test]
    fn an_item_beyond_the_limits_is_refused_before_any_write() {
        #[derive(Serialize)]
        struct Big {
            n: f64,
        }
        assert_eq!(
            to_item("test", &Big { n: 1e308 }).err(),
            Some(Error::Internal)
        );
        assert!(to_item("test", &Big { n: 1.5 }).is_ok());
    }
}
