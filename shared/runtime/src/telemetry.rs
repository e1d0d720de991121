//! JSON logs. One line per event, with the fields of the enclosing spans
//! (the request span carries `correlation_id`), so CloudWatch Logs Insights
//! can follow one request or one event across functions (CC-LOG-001).
//!
//! What is logged is chosen field by field: ids, routes, statuses, timings.
//! Request bodies, emails, names and tokens are never logged (CC-LOG-002);
//! the domain types that hold personal data print redacted in `Debug`.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the JSON subscriber on standard output (where Lambda collects
/// logs); `RUST_LOG` sets the level (default `info`). Safe to call more than
/// once (only the first call installs).
pub fn init() {
    init_with(std::io::stdout);
}

/// The same, writing elsewhere (the test harness writes the stack's logs to
/// a file).
pub fn init_with<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .json()
        .with_writer(writer)
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .without_time()
        .try_init();
}
