# The sandbox account: the product team's own, for trying infrastructure
# changes before customers' environments (see doc/deployment.md).
environment            = "sandbox"
region                 = "eu-central-1"
account_id             = "222222222222"
entra_tenant_id        = "00000000-0000-0000-0000-000000000000"
external_id_tenant_id  = "00000000-0000-0000-0000-000000000001"
external_id_subdomain  = "cpcustomerssandbox"
artifact_bucket        = "cp-artifacts-111111111111-eu-central-1"
deployment_config_name = "CodeDeployDefault.LambdaAllAtOnce"
log_retention_days     = 30
