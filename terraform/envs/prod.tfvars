# The prod account: customers' production workloads.
environment            = "prod"
region                 = "eu-central-1"
account_id             = "444444444444"
entra_tenant_id        = "00000000-0000-0000-0000-000000000000"
external_id_tenant_id  = "00000000-0000-0000-0000-000000000003"
external_id_subdomain  = "cpcustomers"
artifact_bucket        = "cp-artifacts-111111111111-eu-central-1"
deployment_config_name = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
log_retention_days     = 365
backup_vault_lock      = true
