variable "name" {
  description = "Table name, with the environment prefix."
  type        = string
}

variable "partition_key" {
  description = "Partition key attribute (string)."
  type        = string
}

variable "sort_key" {
  description = "Sort key attribute (string)."
  type        = string
}

variable "indexes" {
  description = "Global secondary indexes: { name, partition_key, sort_key }, all attributes projected."
  type = list(object({
    name          = string
    partition_key = string
    sort_key      = string
  }))
}

variable "ttl_attribute" {
  description = "Attribute holding the expiry time (epoch seconds)."
  type        = string
}

variable "stream_view_type" {
  description = "What the stream carries (the outbox publisher needs NEW_IMAGE at least)."
  type        = string

  validation {
    condition     = contains(["NEW_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "The outbox publisher reads new images: NEW_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the table, its indexes, stream and backups."
  type        = string
}

variable "point_in_time_recovery_days" {
  description = "Point-in-time recovery window (NFR-OPS-004: 35 days, the maximum)."
  type        = number
  default     = 35

  validation {
    condition     = var.point_in_time_recovery_days >= 1 && var.point_in_time_recovery_days <= 35
    error_message = "DynamoDB keeps 1 to 35 days of point-in-time recovery."
  }
}

variable "deletion_protection" {
  description = "Refuse DeleteTable (on in every environment; turn off deliberately to remove one)."
  type        = bool
  default     = true
}
