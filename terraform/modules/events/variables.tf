variable "prefix" {
  description = "Environment prefix of every name, e.g. cp-prod."
  type        = string
}

variable "bus" {
  description = "The bus of resources.json: { name, source }."
  type = object({
    name   = string
    source = string
  })
}

variable "queues" {
  description = "The queues of resources.json: name => { visibility_timeout_s, max_receive_count, retention_days, dead_letter_retention_days, encryption_key }."
  type = map(object({
    visibility_timeout_s       = number
    max_receive_count          = number
    retention_days             = number
    dead_letter_retention_days = number
    encryption_key             = string
  }))

  validation {
    condition     = alltrue([for q in values(var.queues) : q.max_receive_count >= 1 && q.dead_letter_retention_days > q.retention_days])
    error_message = "Every queue redrives to its dead-letter queue after at least one receive, and the dead-letter queue keeps messages longer than the queue."
  }
}

variable "rules" {
  description = "The rules of resources.json: name => { description, pattern, queue }."
  type = map(object({
    description = string
    pattern     = any
    queue       = string
  }))

  validation {
    condition     = alltrue([for r in values(var.rules) : contains(keys(var.queues), r.queue)])
    error_message = "Every rule delivers to a queue defined in resources.json."
  }
}

variable "outbox" {
  description = "The outbox of resources.json: where what cannot reach the bus is set aside ({ dead_letter_retention_days, encryption_key, maximum_record_age_s })."
  type = object({
    dead_letter_retention_days = number
    encryption_key             = string
    maximum_record_age_s       = number
  })

  validation {
    # Lambda's bounds for a stream mapping's record age; under the stream's
    # own 24-hour retention, so a batch is described before it is trimmed.
    condition     = var.outbox.maximum_record_age_s >= 60 && var.outbox.maximum_record_age_s < 86400
    error_message = "maximum_record_age_s must be from 60 s to under the stream's 24 h retention."
  }
}

variable "kms_key_arns" {
  description = "Key ARN by key name (the queues name theirs in encryption_key)."
  type        = map(string)
}

variable "archive_kms_key_arn" {
  description = "Key that encrypts the archive."
  type        = string
}

variable "archive_retention_days" {
  description = "Days the archive keeps events for replay (0 = forever)."
  type        = number
  default     = 30
}
