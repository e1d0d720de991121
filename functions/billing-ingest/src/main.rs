#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(billing_ingest::BillingIngest::from_env).await
}
