use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = cp_runtime::lambda::init_events().await;
    let consumer = oauth_backchannel::OauthBackchannel::from_env(&env)?;
    let consumer = &consumer;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::sqs::SqsEvent>| async move {
            Ok::<_, lambda_runtime::Error>(consumer.handle(event.payload).await)
        },
    ))
    .await
}
