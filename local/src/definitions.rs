//! The shared definitions, read exactly as terraform reads them:
//! `functions/functions.json` (every function, its trigger and permissions)
//! and `terraform/resources.json` (table, bus, queues, rules, keys, email).

use serde::Deserialize;
use std::collections::BTreeMap;

pub const FUNCTIONS_JSON: &str = include_str!("../../functions/functions.json");
pub const RESOURCES_JSON: &str = include_str!("../../terraform/resources.json");
/// The feature flag catalog, published into the emulator's AppConfig.
pub const FLAG_CATALOG_JSON: &str = include_str!("../../flags/catalog.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Functions {
    pub functions: BTreeMap<String, Function>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub description: String,
    pub trigger: Trigger,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: Vec<String>,
    /// IAM actions by resource name (`table`, `bus`, `email`, ...).
    pub permissions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    Http {
        routes: Vec<Route>,
    },
    Stream {
        source: String,
        batch_size: u32,
        filter: serde_json::Value,
    },
    Queue {
        queue: String,
        batch_size: u32,
    },
    /// An EventBridge schedule (`rate(...)` or `cron(...)`); the local stack
    /// runs such functions every minute.
    Schedule {
        expression: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// Who may call: people with an Entra ID token (the default),
    /// applications with the control plane's own access token (`app`), or
    /// anyone (`none`, for the token endpoint and key sets).
    #[serde(default)]
    pub authorizer: Authorizer,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authorizer {
    /// People's access tokens, which the control plane's OpenID Provider
    /// issued to its own clients (the console, `cpctl`).
    #[default]
    Jwt,
    /// Applications' access tokens (client credentials). The edge verifies
    /// both alike (one issuer, one audience); the function tells them apart.
    App,
    None,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Resources {
    pub table: Table,
    pub bus: Bus,
    pub outbox: Outbox,
    pub queues: BTreeMap<String, Queue>,
    pub rules: BTreeMap<String, Rule>,
    pub keys: BTreeMap<String, Key>,
    pub email: Email,
    pub tokens: Tokens,
    pub flags: Flags,
    #[serde(default)]
    pub buckets: BTreeMap<String, Bucket>,
}

/// The feature flag catalog's AppConfig application, environment and
/// configuration profile.
#[derive(Debug, Clone, Deserialize)]
pub struct Flags {
    pub application: String,
    pub environment: String,
    pub profile: String,
    /// The catalog file, relative to the repository.
    pub catalog: String,
    pub poll_interval_s: u32,
}

/// An S3 bucket, with Object Lock when its content must not change.
#[derive(Debug, Clone, Deserialize)]
pub struct Bucket {
    pub description: String,
    pub object_lock: Option<ObjectLock>,
    /// A lifecycle rule deletes objects (and old versions) this long after.
    pub expire_after_days: Option<u32>,
}

/// Default retention of every object version.
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectLock {
    /// `COMPLIANCE` (nobody may shorten it) or `GOVERNANCE`.
    pub mode: String,
    pub years: u32,
}

/// The control plane's tokens.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    /// The name of the key (in `keys`) that signs them.
    pub signing_key: String,
    /// Keys (in `keys`) the JWKS publishes beside it: a rotation's.
    #[serde(default)]
    pub published_keys: Vec<String>,
    pub audience: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    pub name: String,
    pub partition_key: String,
    pub sort_key: String,
    pub indexes: Vec<Index>,
    pub ttl_attribute: String,
    pub stream_view_type: String,
    pub encryption_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Index {
    pub name: String,
    pub partition_key: String,
    pub sort_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bus {
    pub name: String,
    pub source: String,
}

/// Where what cannot reach the bus is set aside: the outbox's dead-letter
/// queue, written by the publisher and by the stream's event source mapping.
#[derive(Debug, Clone, Deserialize)]
pub struct Outbox {
    pub dead_letter_retention_days: u32,
    pub encryption_key: String,
    /// How old a stream record may get before the mapping gives up on it
    /// and sends its batch's description to the dead-letter queue.
    pub maximum_record_age_s: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Queue {
    pub visibility_timeout_s: u32,
    pub max_receive_count: u32,
    pub retention_days: u32,
    pub dead_letter_retention_days: u32,
    pub encryption_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    pub description: String,
    pub pattern: serde_json::Value,
    pub queue: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Key {
    pub description: String,
    pub usage: String,
    pub spec: String,
    pub rotation: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Email {
    pub sender: String,
}

/// The function definitions. They are compiled in; a malformed file fails
/// the build's tests, not a request.
pub fn functions() -> Functions {
    serde_json::from_str(FUNCTIONS_JSON).unwrap_or_else(|e| panic!("functions.json: {e}"))
}

pub fn resources() -> Resources {
    serde_json::from_str(RESOURCES_JSON).unwrap_or_else(|e| panic!("resources.json: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_parse_and_refer_to_what_exists() {
        let f = functions();
        let r = resources();
        for (name, function) in &f.functions {
            match &function.trigger {
                Trigger::Queue { queue, .. } => {
                    assert!(
                        r.queues.contains_key(queue),
                        "{name}: unknown queue {queue}"
                    )
                }
                Trigger::Stream { source, .. } => assert_eq!(source, "table", "{name}"),
                Trigger::Http { routes } => assert!(!routes.is_empty(), "{name}"),
                Trigger::Schedule { expression } => assert!(
                    expression.starts_with("rate(") || expression.starts_with("cron("),
                    "{name}: {expression}"
                ),
            }
            for resource in function.permissions.keys() {
                let known = match resource.split_once('.') {
                    Some(("keys", key)) => r.keys.contains_key(key),
                    Some(("buckets", bucket)) => r.buckets.contains_key(bucket),
                    _ => [
                        "table",
                        "bus",
                        "email",
                        "queues",
                        "metrics",
                        "flags",
                        "outbox.dead_letter",
                        "tokens.signing",
                        "tokens.keys",
                    ]
                    .contains(&resource.as_str()),
                };
                assert!(known, "{name}: unknown resource {resource}");
            }
        }
        for (name, rule) in &r.rules {
            assert!(r.queues.contains_key(&rule.queue), "rule {name}");
        }
        assert!(r.keys.contains_key(&r.table.encryption_key));
        assert!(r.keys.contains_key(&r.outbox.encryption_key));
        assert_eq!(r.keys[&r.tokens.signing_key].usage, "SIGN_VERIFY");
        for published in &r.tokens.published_keys {
            assert_ne!(
                published, &r.tokens.signing_key,
                "the signing key is published anyway"
            );
            assert_eq!(r.keys[published].usage, "SIGN_VERIFY", "{published}");
        }
        assert_eq!(r.flags.catalog, "flags/catalog.json");
        cp_domain::Catalog::parse(FLAG_CATALOG_JSON.as_bytes()).expect("flags/catalog.json");
    }

    /// ADR 0004: a function is named `<room>-<use case>`, and its room has
    /// a module of that name in the domain and in the store; `health` and
    /// `outbox-publisher` belong to the platform.
    #[test]
    fn every_function_is_named_after_its_room() {
        const PLATFORM: &[&str] = &["health", "outbox-publisher"];
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
        let module = |krate: &str, room: &str| {
            let src = shared.join(krate).join("src");
            src.join(format!("{room}.rs")).exists() || src.join(room).join("mod.rs").exists()
        };
        for name in functions().functions.keys() {
            if PLATFORM.contains(&name.as_str()) {
                continue;
            }
            let (room, use_case) = name.split_once('-').unwrap_or((name, ""));
            assert!(!use_case.is_empty(), "{name}: no use case after the room");
            assert!(module("store", room), "{name}: no store module `{room}`");
            assert!(module("domain", room), "{name}: no domain module `{room}`");
        }
    }

    /// A consumer's rule lets through exactly the types it acts on, all of
    /// them real types: the billing consumer's billable events (FR-BILL-001)
    /// and back-channel logout's session endings (ADR 0042).
    #[test]
    fn each_consumers_rule_is_its_list_of_event_types() {
        let resources = resources();
        let billable: Vec<&str> = billing_consumer::BILLABLE.iter().map(|(t, _)| *t).collect();
        for (rule, mut types) in [
            ("billing", billable),
            ("backchannel", oauth_backchannel::SESSION_ENDINGS.to_vec()),
        ] {
            let mut routed: Vec<&str> = resources.rules[rule].pattern["detail-type"]
                .as_array()
                .expect("the rule names its detail types")
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect();
            routed.sort_unstable();
            types.sort_unstable();
            assert_eq!(
                routed, types,
                "terraform/resources.json rules.{rule} and its consumer's list"
            );
            for event_type in types {
                assert!(
                    cp_events::ALL_TYPES.iter().any(|t| t.name == event_type),
                    "{event_type} is not an event type"
                );
            }
        }
    }

    #[test]
    fn nfr_sec_005_http_functions_may_resolve_principals_and_readers_write_nothing() {
        const WRITES: &[&str] = &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ];
        for (name, function) in functions().functions {
            let table = function
                .permissions
                .get("table")
                .cloned()
                .unwrap_or_default();
            if let Trigger::Http { routes } = &function.trigger {
                if routes.iter().all(|r| r.authorizer == Authorizer::None) {
                    continue;
                }
                // The principal resolver reads a platform session, or a
                // user + tenant + session (or an application and its secret).
                for needed in ["dynamodb:GetItem", "dynamodb:BatchGetItem"] {
                    assert!(table.iter().any(|a| a == needed), "{name} lacks {needed}");
                }
                // Sessions start at sign-in (the OpenID Provider), so a
                // function that only reads writes nothing at all.
                if routes.iter().all(|r| r.method == "GET") {
                    for action in &table {
                        assert!(
                            !WRITES.contains(&action.as_str()),
                            "{name} only reads but may {action}"
                        );
                    }
                }
            }
        }
    }
}
