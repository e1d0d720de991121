output "public_url" {
  description = "Where people and applications reach the control plane."
  value       = local.public_url
}

output "api_endpoint" {
  description = "The HTTP API's own endpoint (behind CloudFront)."
  value       = module.api.endpoint
}

output "table_name" {
  description = "The table."
  value       = module.table.name
}

output "console_bucket" {
  description = "Bucket of the console build."
  value       = module.edge.console_bucket
}

output "distribution_id" {
  description = "CloudFront distribution (invalidate after a console upload)."
  value       = module.edge.distribution_id
}

output "codedeploy_app" {
  description = "CodeDeploy application that shifts the functions' aliases."
  value       = aws_codedeploy_app.functions.name
}

output "functions" {
  description = "Per function: its name, the alias, the version this apply published and its deployment group (read by scripts/shift-traffic.sh)."
  value = {
    for name, f in module.function : name => {
      function_name    = f.function_name
      alias_name       = f.alias_name
      version          = f.version
      deployment_group = f.deployment_group_name
    }
  }
}

output "entra" {
  description = "The workforce directory staff sign in at (role assignments go to its app)."
  value = {
    tenant_id = module.entra.tenant_id
    issuer    = module.entra.issuer
  }
}

output "external_id" {
  description = "The control plane's registration in the environment's External ID tenant (add it to the tenant's user flow: modules/entra-external/README.md)."
  value = {
    tenant_id = var.external_id_tenant_id
    issuer    = module.entra_external.issuer
    client_id = module.entra_external.client_id
  }
}

output "email_dkim_tokens" {
  description = "Publish <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com."
  value       = module.email.dkim_tokens
}

output "operators_topic_arn" {
  description = "SNS topic of the operators' alarms."
  value       = module.observability.topic_arn
}

output "dashboard" {
  description = "CloudWatch dashboard."
  value       = module.observability.dashboard_name
}
