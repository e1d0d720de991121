//! Managed applications: registration and lifecycle (UC-DEV-REGISTER,
//! UC-DEV-UPDATE, FR-SYS-001), client secrets and the token endpoint
//! (FR-SYS-002), and `cpctl`.

mod cli;
mod registration;
mod secrets;
