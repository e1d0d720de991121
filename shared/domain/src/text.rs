//! Short texts people type (names, owners): trimmed, not empty, bounded,
//! no control characters. One macro makes each a type of its own.

/// Declares a validated text type: `text_type!(Name, "field", 100)`.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, crate::Error> {
                let text = raw.trim();
                if text.is_empty() {
                    return Err(crate::Error::invalid($field, "must not be empty"));
                }
                if text.chars().count() > Self::MAX_CHARS {
                    return Err(crate::Error::invalid(
                        $field,
                        format!("must be at most {} characters", Self::MAX_CHARS),
                    ));
                }
                if text.chars().any(char::is_control) {
                    return Err(crate::Error::invalid(
                        $field,
                        "must not contain control characters",
                    ));
                }
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = crate::Error;
            fn try_from(s: String) -> Result<Self, crate::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }
    };
}

pub(crate) use text_type;
