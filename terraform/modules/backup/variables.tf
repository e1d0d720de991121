variable "prefix" {
  description = "Environment prefix, e.g. cp-prod."
  type        = string
}

variable "table_arn" {
  description = "The table to back up."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts the vault's recovery points."
  type        = string
}

variable "schedule" {
  description = "When the daily backup starts (cron, UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "retention_days" {
  description = "Days a recovery point is kept (NFR-OPS-004 asks for 35 at least, as point-in-time recovery)."
  type        = number
  default     = 35

  validation {
    condition     = var.retention_days >= 35
    error_message = "Keep backups at least 35 days (NFR-OPS-004)."
  }
}

variable "copy_vault_arn" {
  description = "Vault in another Japan/EU region or account to copy each backup to (the off-site copy), or null."
  type        = string
  default     = null
}

variable "vault_lock" {
  description = "Lock the vault in compliance mode (recommended for prod; irreversible after 3 days)."
  type        = bool
  default     = false
}

variable "notification_topic_arn" {
  description = "SNS topic told of failed backup and copy jobs."
  type        = string
}
