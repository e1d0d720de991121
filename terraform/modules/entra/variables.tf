variable "name" {
  description = "Display name prefix of the registrations, e.g. \"Control plane (prod)\"."
  type        = string
}

variable "app_roles" {
  description = "App roles of the API (value => description)."
  type        = map(string)
  default = {
    Operator  = "Platform operator: provisions and operates tenants."
    Auditor   = "Auditor: reads audit records and reports, changes nothing."
    Developer = "Developer of a managed application: registers applications and their keys."
  }
}

variable "broker_redirect_uri" {
  description = "The control plane's callback as a client of this tenant when it brokers sign-in (<issuer>/oauth2/callback, oauth-authorize)."
  type        = string

  validation {
    condition     = startswith(var.broker_redirect_uri, "https://") && endswith(var.broker_redirect_uri, "/oauth2/callback")
    error_message = "The broker's redirect URI is https://<control plane>/oauth2/callback."
  }
}

variable "client_secret_days" {
  description = "Days the broker's client secret is valid from when it is made; replace it before (README)."
  type        = number
  default     = 365

  validation {
    condition     = var.client_secret_days >= 30 && var.client_secret_days <= 730
    error_message = "Between 30 days and two years (Entra ID's longest)."
  }
}
