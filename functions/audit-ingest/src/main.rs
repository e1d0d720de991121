#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(audit_ingest::AuditIngest::from_env).await
}
