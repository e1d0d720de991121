module "control_plane" {
  source = "../control-plane"
  providers = {
    aws              = aws
    aws.us_east_1    = aws.us_east_1
    azuread          = azuread
    azuread.external = azuread.external
  }

  environment                  = var.environment
  region                       = var.region
  release                      = var.release
  artifact_bucket              = var.artifact_bucket
  deployment_config_name       = var.deployment_config_name
  log_retention_days           = var.log_retention_days
  email_sender                 = var.email_sender
  domain_names                 = var.domain_names
  certificate_arn              = var.certificate_arn
  alarm_emails                 = var.alarm_emails
  pagerduty_endpoint           = var.pagerduty_endpoint
  slack                        = var.slack
  health_path                  = var.health_path
  waf_rate_limit_per_5_minutes = var.waf_rate_limit_per_5_minutes
  backup_copy_vault_arn        = var.backup_copy_vault_arn
  backup_vault_lock            = var.backup_vault_lock
  external_id_tenant_id        = var.external_id_tenant_id
  external_id_subdomain        = var.external_id_subdomain
}

# One root serves every environment, so the state chosen at init
# (<env>.backend.hcl) and the variables given to plan (<env>.tfvars) must name
# the same environment. The state remembers its environment and account here:
# a plan with another environment's variables would replace this resource,
# which prevent_destroy refuses before anything in an account changes.
resource "terraform_data" "environment" {
  triggers_replace = [var.environment, var.account_id]

  lifecycle {
    prevent_destroy = true
  }
}
