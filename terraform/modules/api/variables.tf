variable "name" {
  description = "API name, with the environment prefix."
  type        = string
}

variable "routes" {
  description = "Every HTTP route of functions.json: { function, method, path, authorizer = jwt | app | none }."
  type = list(object({
    function   = string
    method     = string
    path       = string
    authorizer = string
  }))

  validation {
    condition     = alltrue([for route in var.routes : contains(["jwt", "app", "none"], route.authorizer)])
    error_message = "A route's authorizer is jwt (people's tokens, the default), app (applications' tokens) or none; both are the control plane's."
  }

  validation {
    condition     = length(distinct([for route in var.routes : "${route.method} ${route.path}"])) == length(var.routes)
    error_message = "Two functions define the same method and path."
  }

  validation {
    condition     = alltrue([for route in var.routes : can(regex("^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$", route.method)) && startswith(route.path, "/")])
    error_message = "A route has an HTTP method and a path starting with /."
  }
}

variable "functions" {
  description = "The functions behind routes: name => { function_name, alias_name, alias_invoke_arn }."
  type = map(object({
    function_name    = string
    alias_name       = string
    alias_invoke_arn = string
  }))
}

variable "token_issuer" {
  description = "The control plane's issuer (its public base URL): the only one the API trusts."
  type        = string
}

variable "token_audiences" {
  description = "Accepted audiences: the control plane's API."
  type        = list(string)
}

variable "integration_timeout_ms" {
  description = "How long API Gateway waits for a function (at most 30000)."
  type        = number
  default     = 29000
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst limit (requests)."
  type        = number
  default     = 200
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady rate limit (requests per second)."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Days access logs are kept."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the access log group."
  type        = string
}
