//! From DynamoDB's failures to the error catalogue. Details are logged here,
//! where they are known; callers get only the catalogue entry.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use cp_domain::Error;
use std::fmt::Debug;

pub(crate) use cp_aws::is_throttling;

/// Maps a failed DynamoDB call by the AWS adapter's one policy (throttling
/// and transport trouble are ERR-SYS-503, anything else ERR-SYS-500; logged
/// by operation and code).
pub(crate) fn sdk<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    cp_aws::failure(operation, err)
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
