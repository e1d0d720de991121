output "public_url" {
  description = "Where the control plane is reached."
  value       = module.control_plane.public_url
}

output "functions" {
  description = "Per function: name, alias, published version, deployment group."
  value       = module.control_plane.functions
}

output "codedeploy_app" {
  description = "CodeDeploy application of the aliases."
  value       = module.control_plane.codedeploy_app
}

output "console_bucket" {
  description = "Bucket of the console build."
  value       = module.control_plane.console_bucket
}

output "distribution_id" {
  description = "CloudFront distribution."
  value       = module.control_plane.distribution_id
}

output "entra" {
  description = "Entra ID configuration of the console."
  value       = module.control_plane.entra
}

output "external_id" {
  description = "The control plane's registration in the External ID tenant."
  value       = module.control_plane.external_id
}

output "email_dkim_tokens" {
  description = "DKIM records to publish."
  value       = module.control_plane.email_dkim_tokens
}
