variable "name" {
  description = "AppConfig application name, with the environment prefix."
  type        = string
}

variable "environment" {
  description = "AppConfig environment the functions read (resources.json flags.environment)."
  type        = string
}

variable "profile" {
  description = "Configuration profile name (resources.json flags.profile)."
  type        = string
}

variable "catalog" {
  description = "The catalog's JSON text (flags/catalog.json)."
  type        = string
}

variable "bake_minutes" {
  description = "Minutes AppConfig watches a deployment before it is complete."
  type        = number
  default     = 10
}
