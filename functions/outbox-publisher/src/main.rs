use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = cp_runtime::lambda::init_events().await;
    let publisher = outbox_publisher::OutboxPublisher::from_env(&env)?;
    let publisher = &publisher;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::dynamodb::Event>| async move {
            Ok::<_, lambda_runtime::Error>(publisher.handle(event.payload).await)
        },
    ))
    .await
}
