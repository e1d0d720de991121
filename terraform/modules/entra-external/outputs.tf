output "issuer" {
  description = "The tenant's issuer: the iss of its tokens, https://<tenant id>.ciamlogin.com/<tenant id>/v2.0 (the tenant id, not the subdomain, is the host there)."
  value       = "https://${var.tenant_id}.ciamlogin.com/${var.tenant_id}/v2.0"
}

output "discovery_url" {
  description = "The tenant's OpenID configuration at its own host (its issuer is the issuer output)."
  value       = "https://${var.subdomain}.ciamlogin.com/${var.tenant_id}/v2.0/.well-known/openid-configuration"
}

output "client_id" {
  description = "The control plane's client id in the tenant."
  value       = azuread_application.control_plane.client_id
}

output "client_secret" {
  description = "Its client secret (in the state: see README)."
  value       = azuread_application_password.control_plane.value
  sensitive   = true
}
