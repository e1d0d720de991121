variable "tenant_id" {
  description = "The External ID tenant (the azuread provider this module is given must sign in to it)."
  type        = string

  # Lowercase, as Entra ID writes it in the issuer that tokens must match.
  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.tenant_id))
    error_message = "A tenant id is a lowercase GUID."
  }
}

variable "subdomain" {
  description = "The tenant's <subdomain>.ciamlogin.com host (its initial domain <subdomain>.onmicrosoft.com)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.subdomain))
    error_message = "The subdomain is one lowercase DNS label (letters, digits, hyphens), without .ciamlogin.com."
  }
}

variable "name" {
  description = "Display name of the registration, e.g. \"Control plane (prod)\"."
  type        = string
}

variable "redirect_uri" {
  description = "The broker's callback (<issuer>/oauth2/callback, oauth-authorize)."
  type        = string

  validation {
    condition     = startswith(var.redirect_uri, "https://") && endswith(var.redirect_uri, "/oauth2/callback")
    error_message = "The broker's redirect URI is https://<control plane>/oauth2/callback."
  }
}

variable "client_secret_days" {
  description = "Days the client secret is valid from when it is made; replace it before (README)."
  type        = number
  default     = 365

  validation {
    condition     = var.client_secret_days >= 30 && var.client_secret_days <= 730
    error_message = "Between 30 days and two years (Entra ID's longest)."
  }
}
