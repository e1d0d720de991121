//! Feature flags: operators' overrides (FR-FLAG-001), delivery over OFREP
//! to managed applications (FR-FLAG-002, API-FLAG), and the OpenFeature
//! SDKs reading them unchanged.

mod ofrep;
mod openfeature;
mod overrides;
