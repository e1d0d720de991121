//! Faults moto cannot produce on demand, injected at the SDK level with
//! aws-smithy-mocks: no emulator, no gateway.

mod billing;
mod dynamodb;
mod publisher;
