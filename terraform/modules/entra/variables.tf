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

variable "console_redirect_uris" {
  description = "Where Entra ID returns people to after sign-in (the console's sign-in callback, <console URL>/callback)."
  type        = list(string)
}
