variable "prefix" {
  description = "Name prefix of the environment, e.g. cp-prod; aliases are alias/<prefix>-<key>."
  type        = string
}

variable "keys" {
  description = "The keys of resources.json: name => { description, usage (ENCRYPT_DECRYPT or SIGN_VERIFY), spec, rotation }."
  type = map(object({
    description = string
    usage       = string
    spec        = string
    rotation    = bool
  }))

  validation {
    condition     = alltrue([for k in values(var.keys) : contains(["ENCRYPT_DECRYPT", "SIGN_VERIFY"], k.usage)])
    error_message = "A key's usage is ENCRYPT_DECRYPT or SIGN_VERIFY."
  }
}

variable "service_principals" {
  description = "AWS service principals that encrypt this account's resources with the symmetric keys (e.g. events.amazonaws.com)."
  type        = list(string)
  default     = []
}

variable "deletion_window_days" {
  description = "Days a scheduled key deletion waits (7 to 30)."
  type        = number
  default     = 30
}
