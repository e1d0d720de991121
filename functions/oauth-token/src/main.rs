#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    cp_runtime::lambda::serve_http(oauth_token::OauthToken::from_env).await
}
