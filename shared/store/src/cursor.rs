//! Opaque pagination cursors.
//!
//! A cursor is DynamoDB's `LastEvaluatedKey`, base64url-encoded JSON. On the
//! way back in it is checked against the query it claims to continue: its
//! attributes must be exactly the query's key attributes, and its partition
//! values must be the query's own. So a caller cannot use a cursor to start
//! a query in someone else's partition; a bad cursor is ERR-VAL-400.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cp_domain::Error;
use std::collections::{BTreeMap, HashMap};

pub(crate) fn encode(last_key: Option<&HashMap<String, AttributeValue>>) -> Option<String> {
    let last_key = last_key?;
    let plain: BTreeMap<&str, &str> = last_key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    let json = serde_json::to_vec(&plain).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor for a query whose key attributes are `attributes` and
/// whose partition attributes must hold `partition` values.
pub(crate) fn decode(
    cursor: Option<&str>,
    attributes: &[&str],
    partition: &[(&str, &str)],
) -> Result<Option<HashMap<String, AttributeValue>>, Error> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let invalid = || Error::invalid("cursor", "is not a cursor this query returned");
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let plain: BTreeMap<String, String> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let same_attributes =
        plain.len() == attributes.len() && attributes.iter().all(|a| plain.contains_key(*a));
    let same_partition = partition
        .iter()
        .all(|(name, value)| plain.get(*name).map(String::as_str) == Some(*value));
    if !same_attributes || !same_partition {
        return Err(invalid());
    }
    Ok(Some(
        plain
            .into_iter()
            .map(|(k, v)| (k, AttributeValue::S(v)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned())))
            .collect()
    }

    #[test]
    fn cursors_round_trip_and_are_opaque() {
        let last = key(&[("PK", "AUDIT#a"), ("SK", "2026#x")]);
        let cursor = encode(Some(&last)).unwrap();
        assert!(!cursor.contains("AUDIT"));
        let back = decode(Some(&cursor), &["PK", "SK"], &[("PK", "AUDIT#a")]).unwrap();
        assert_eq!(back, Some(last));
        assert_eq!(decode(None, &["PK", "SK"], &[]).unwrap(), None);
        assert_eq!(encode(None), None);
    }

    #[test]
    fn a_cursor_cannot_move_a_query_into_another_partition() {
        let other = encode(Some(&key(&[("PK", "AUDIT#b"), ("SK", "2026#x")]))).unwrap();
        let err = decode(Some(&other), &["PK", "SK"], &[("PK", "AUDIT#a")]).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(f) if f[0].field == "cursor"));
        let extra = encode(Some(&key(&[
            ("PK", "AUDIT#a"),
            ("SK", "x"),
            ("GSI1PK", "y"),
        ])))
        .unwrap();
        assert!(decode(Some(&extra), &["PK", "SK"], &[("PK", "AUDIT#a")]).is_err());
        for garbage in ["", "!!!", "e30", "bm90IGpzb24"] {
            assert!(
                decode(Some(garbage), &["PK", "SK"], &[]).is_err(),
                "{garbage}"
            );
        }
    }
}
