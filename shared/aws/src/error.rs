//! From an AWS SDK failure to the error catalogue.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cp_domain::Error;
use std::fmt::Debug;

/// Error codes meaning "too much, or not now: try later", across services.
/// The SDK has already retried them with backoff by the time they reach us.
const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "ProvisionedThroughputExceededException",
    "ProvisionedThroughputExceeded",
    "ThrottlingError",
    "SlowDown",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSInternalException",
];

/// Whether an error code means "retry later".
pub fn is_throttling(code: Option<&str>) -> bool {
    code.is_some_and(|c| THROTTLING.contains(&c))
}

/// Maps a failed call: throttling and transport trouble become ERR-SYS-503
/// (retryable), anything else ERR-SYS-500. Logged here, once, with the
/// operation, the kind of failure and the service's code; never the
/// service's message, which can quote the values of the request.
pub fn failure<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    let kind = match err {
        SdkError::ServiceError(_) => "service",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "dispatch",
        SdkError::ResponseError(_) => "response",
        _ => "construction",
    };
    let code = err.code();
    let retryable = matches!(kind, "timeout" | "dispatch") || is_throttling(code);
    tracing::error!(
        operation,
        kind,
        code = code.unwrap_or("none"),
        "AWS call failed"
    );
    if retryable {
        Error::Unavailable
    } else {
        Error::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::operation::sign::SignError;
    use aws_sdk_kms::types::error::{KmsInternalException, NotFoundException};
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service(error: SignError) -> SdkError<SignError, Response> {
        SdkError::service_error(
            error,
            Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn throttling_and_transport_are_retryable_and_the_rest_is_internal() {
        let code = |c: &str| {
            ErrorMetadata::builder()
                .code(c)
                .message("not logged")
                .build()
        };
        let internal = service(SignError::KmsInternalException(
            KmsInternalException::builder()
                .meta(code("KMSInternalException"))
                .build(),
        ));
        assert_eq!(failure("Sign", &internal), Error::Unavailable);
        let missing = service(SignError::NotFoundException(
            NotFoundException::builder()
                .message("no key arn:aws:kms:…")
                .build(),
        ));
        assert_eq!(failure("Sign", &missing), Error::Internal);
        let timeout: SdkError<SignError, Response> = SdkError::timeout_error("slow");
        assert_eq!(failure("Sign", &timeout), Error::Unavailable);
    }
}
