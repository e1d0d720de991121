//! Tenants' lifecycle: provisioning (UC-PROV-001), suspension and deletion
//! with a grace period (UC-TENANT-SUSPEND, UC-OPS-TENANT-DELETE).

mod operations;
mod provisioning;
