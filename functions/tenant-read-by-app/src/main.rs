#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(tenant_read_by_app::TenantReadByApp::from_env).await
}
