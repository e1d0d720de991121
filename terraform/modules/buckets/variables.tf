variable "prefix" {
  description = "Name prefix of the environment, e.g. cp-prod; buckets are <prefix>-<name>."
  type        = string
}

variable "buckets" {
  description = "The buckets of resources.json: name => { description, object_lock ({ mode, years }) or null, expire_after_days or null }."
  type = map(object({
    description       = string
    object_lock       = optional(object({ mode = string, years = number }))
    expire_after_days = optional(number)
  }))

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.object_lock == null || contains(["COMPLIANCE", "GOVERNANCE"], try(b.object_lock.mode, ""))])
    error_message = "Object Lock's mode is COMPLIANCE or GOVERNANCE."
  }
}

variable "kms_key_arn" {
  description = "The KMS key that encrypts every object at rest (NFR-SEC-002)."
  type        = string
}
