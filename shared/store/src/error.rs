//! From DynamoDB's failures to the error catalogue. Details are logged here,
//! where they are known; callers get only the catalogue entry.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use cp_domain::Error;
use std::fmt::Debug;

/// Error codes meaning "too much, try later". The SDK has already retried
/// them with backoff by the time they reach us.
const THROTTLING: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "InternalServerError",
];

pub(crate) fn is_throttling(code: Option<&str>) -> bool {
    code.is_some_and(|c| THROTTLING.contains(&c))
}

/// Maps an SDK failure: throttling and transport trouble become ERR-SYS-503
/// (retryable), anything else ERR-SYS-500.
pub(crate) fn sdk<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    let retryable = match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(e) => is_throttling(e.err().code()),
        _ => false,
    };
    tracing::error!(
        operation,
        code = err.code().unwrap_or("none"),
        error = %aws_sdk_dynamodb::error::DisplayErrorContext(err),
        "DynamoDB call failed"
    );
    if retryable {
        Error::Unavailable
    } else {
        Error::Internal
    }
}

/// An item that does not have the shape its key promises.
pub(crate) fn corrupt(what: &'static str, err: impl std::fmt::Display) -> Error {
    tracing::error!(item = what, error = %err, "item could not be read");
    Error::Internal
}
