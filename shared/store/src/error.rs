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
    // The code and the kind of failure, not the message: service messages
    // can quote the values in a request (CC-LOG-002).
    let kind = match err {
        SdkError::ServiceError(_) => "service",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "dispatch",
        SdkError::ResponseError(_) => "response",
        _ => "construction",
    };
    tracing::error!(
        operation,
        kind,
        code = err.code().unwrap_or("none"),
        "DynamoDB call failed"
    );
    if retryable {
        Error::Unavailable
    } else {
        Error::Internal
    }
}

/// A `Query` failure: a cursor DynamoDB refuses as a starting key (another
/// range or prefix than the query it came from) is the caller's ERR-VAL-400.
pub(crate) fn query<E, R>(err: &SdkError<E, R>, with_cursor: bool) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    if with_cursor && err.code() == Some("ValidationException") {
        return Error::invalid("cursor", "does not belong to this query");
    }
    sdk("Query", err)
}

/// An item that does not have the shape its key promises.
/// A conditional write whose condition did not hold, where that means
/// "nothing to do" (the item is there already, the job ended meanwhile).
pub(crate) fn unless_condition_failed<O, E, R>(
    operation: &'static str,
    result: Result<O, SdkError<E, R>>,
) -> Result<(), Error>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(()),
        Err(e) => Err(sdk(operation, &e)),
    }
}

pub(crate) fn corrupt(what: &'static str, err: impl std::fmt::Display) -> Error {
    tracing::error!(item = what, error = %err, "item could not be read");
    Error::Internal
}
