//! Time comes from a clock the function is given, never from inside the
//! domain, so tests can stand at any moment.

use chrono::{DateTime, Utc};
use std::fmt::Debug;

pub trait Clock: Send + Sync + Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
