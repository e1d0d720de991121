# The nonprod account: customers' non-production workloads.
environment            = "nonprod"
region                 = "eu-central-1"
account_id             = "333333333333"
entra_tenant_id        = "00000000-0000-0000-0000-000000000000"
external_id_tenant_id  = "00000000-0000-0000-0000-000000000002"
external_id_subdomain  = "cpcustomersnonprod"
artifact_bucket        = "cp-artifacts-111111111111-eu-central-1"
deployment_config_name = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
log_retention_days     = 90
