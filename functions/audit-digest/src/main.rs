use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = cp_runtime::lambda::init_events().await;
    let job = audit_digest::AuditDigest::from_env(&env)?;
    let job = &job;
    // The EventBridge schedule's event carries nothing the job needs.
    lambda_runtime::run(service_fn(
        move |_: LambdaEvent<serde_json::Value>| async move {
            job.run(chrono::Utc::now()).await.map_err(|e| {
                tracing::error!(error = %e, "digest run failed; the next run resumes");
                lambda_runtime::Error::from(e.to_string())
            })
        },
    ))
    .await
}
