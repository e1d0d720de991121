//! Queue consumers of the control plane's domain events (the audit and the
//! billing consumer): SQS messages that EventBridge rules delivered, handled
//! one by one, with partial batch responses.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use cp_domain::Error;
use cp_events::Envelope;
use serde::Deserialize;

/// The part of an EventBridge event a consumer reads.
#[derive(Debug, Deserialize)]
struct BusEvent {
    source: String,
    detail: Envelope,
}

/// The control-plane event a message carries. Only the control plane's own
/// publisher sends this source (the bus policy admits no other sender); a
/// message from elsewhere, or one that is no event, is an error.
pub fn domain_event(message: &SqsMessage) -> Result<Envelope, Error> {
    let body = message.body.as_deref().unwrap_or_default();
    match serde_json::from_str::<BusEvent>(body) {
        Ok(bus) if bus.source == cp_events::SOURCE => Ok(bus.detail),
        Ok(bus) => {
            tracing::error!(source = %bus.source, "event from an unexpected source");
            Err(Error::AccessDenied)
        }
        Err(e) => {
            tracing::error!(
                message_id = message.message_id.as_deref().unwrap_or_default(),
                error = %e,
                "message is not a control-plane event"
            );
            Err(Error::invalid("body", "not an event"))
        }
    }
}

/// Handles a batch one message at a time, in order, and answers the
/// partial batch response naming the messages `handle` failed. Each
/// message's future is boxed: the consumers' futures nest the SDK's deep
/// ones, and inlining them here would push the handler's future past the
/// compiler's layout depth limit.
pub async fn each<'a, F, Fut>(batch: &'a SqsEvent, mut handle: F) -> SqsBatchResponse
where
    F: FnMut(&'a SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let mut failed = Vec::new();
    for message in &batch.records {
        if Box::pin(handle(message)).await.is_err() {
            failed.push(message);
        }
    }
    report(failed)
}

/// The partial batch response naming the messages that failed: only they
/// come back, and after the queue's maximum receives they move to its
/// dead-letter queue.
fn report<'a>(failed: impl IntoIterator<Item = &'a SqsMessage>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = message.message_id.clone().unwrap_or_default();
        response.batch_item_failures.push(failure);
    }
    response
}
