//! Event filter patterns, as Lambda event source mappings and EventBridge
//! rules read them: every key of the pattern must be present in the event;
//! an array lists the values allowed (exact strings or numbers, or
//! `{"prefix": ...}`); an object pattern matches the object at that key.

use serde_json::Value;

pub fn matches(pattern: &Value, event: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(key, inner)| event.get(key).is_some_and(|value| matches(inner, value))),
        Value::Array(allowed) => allowed.iter().any(|a| allows(a, event)),
        other => other == event,
    }
}

fn allows(allowed: &Value, value: &Value) -> bool {
    match (allowed, value) {
        (Value::Object(rule), Value::String(s)) => rule
            .get("prefix")
            .and_then(Value::as_str)
            .is_some_and(|p| s.starts_with(p)),
        (allowed, value) => allowed == value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_outbox_filter_lets_only_outbox_inserts_through() {
        let filter = json!({"eventName": ["INSERT"], "dynamodb": {"Keys": {"PK": {"S": [{"prefix": "OUTBOX#"}]}}}});
        let record = |name: &str, pk: &str| json!({"eventName": name, "dynamodb": {"Keys": {"PK": {"S": pk}, "SK": {"S": "x"}}}});
        assert!(matches(&filter, &record("INSERT", "OUTBOX#1")));
        assert!(!matches(&filter, &record("REMOVE", "OUTBOX#1")));
        assert!(!matches(&filter, &record("INSERT", "TENANT#1")));
        assert!(!matches(&filter, &json!({"eventName": "INSERT"})));
        assert!(matches(
            &json!({"source": ["saas.control-plane"]}),
            &json!({"source": "saas.control-plane", "x": 1})
        ));
    }
}
