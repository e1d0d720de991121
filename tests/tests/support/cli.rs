//! `cpctl` run in process against the local stack.

use clap::Parser;
use cp_cli::{Cli, CliError, execute};
use cp_tests::stack;

pub async fn cpctl(token: &str, args: &[&str]) -> Result<serde_json::Value, CliError> {
    let mut argv = vec!["cpctl", "--api", &stack().gateway_url, "--token", token];
    argv.extend_from_slice(args);
    execute(&Cli::try_parse_from(argv).unwrap()).await
}
