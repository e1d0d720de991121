#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(app_register::AppRegister::from_env).await
}
