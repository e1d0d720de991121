use clap::Parser;
use std::io::Write;

#[tokio::main]
async fn main() {
    let cli = cp_cli::Cli::parse();
    match cp_cli::execute(&cli).await {
        Ok(answer) => {
            let text = if cli.json {
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            } else {
                cp_cli::summary(&answer)
            };
            let _ = writeln!(std::io::stdout(), "{text}");
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            std::process::exit(error.exit_code());
        }
    }
}
