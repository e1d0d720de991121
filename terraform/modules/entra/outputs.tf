output "tenant_id" {
  description = "The workforce tenant."
  value       = data.azuread_client_config.current.tenant_id
}

output "issuer" {
  description = "The workforce directory's issuer (v2 endpoint), where staff sign in."
  value       = "https://login.microsoftonline.com/${data.azuread_client_config.current.tenant_id}/v2.0"
}

output "app_role_ids" {
  description = "App role id by role (for assignments)."
  value       = { for role, id in random_uuid.app_role : role => id.result }
}

output "api_service_principal_object_id" {
  description = "Object id of the API's service principal (role assignments target it)."
  value       = azuread_service_principal.api.object_id
}

output "broker_client_id" {
  description = "The control plane's client id as the sign-in broker (the API app's)."
  value       = azuread_application.api.client_id
}

output "broker_client_secret" {
  description = "The broker's client secret (in the state: see README)."
  value       = azuread_application_password.broker.value
  sensitive   = true
}
