//! Why creating the local resources failed: what, and the emulator's reason.
//! Its own module, so that the parts that create resources (bootstrap,
//! appconfig) share it without depending on each other.

#[derive(Debug, thiserror::Error)]
#[error("creating {what}: {reason}")]
pub struct BootstrapError {
    what: String,
    reason: String,
}

impl BootstrapError {
    pub fn new(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
