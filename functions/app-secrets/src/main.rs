#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(app_secrets::AppSecrets::from_env).await
}
