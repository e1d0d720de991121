variable "name" {
  description = "The function's key in functions.json (also its crate and binary name)."
  type        = string
}

variable "function_name" {
  description = "Lambda function name, with the environment prefix."
  type        = string
}

variable "description" {
  description = "What the function does (from functions.json)."
  type        = string
}

variable "memory_mb" {
  description = "Memory in MB (from functions.json)."
  type        = number
}

variable "timeout_s" {
  description = "Timeout in seconds (from functions.json)."
  type        = number
}

variable "environment" {
  description = "Environment variables: the names functions.json lists, with this environment's values."
  type        = map(string)
}

variable "trigger" {
  description = "The trigger object of functions.json: { type = http | stream | queue | schedule, ... }."
  type        = any

  validation {
    condition     = contains(["http", "stream", "queue", "schedule"], try(var.trigger.type, ""))
    error_message = "Unknown trigger type: terraform knows http, stream, queue and schedule. Add a new one in terraform/modules/function/triggers.tf."
  }
}

variable "permissions" {
  description = "IAM actions by resource kind, exactly as functions.json grants them."
  type        = map(list(string))

  validation {
    condition     = alltrue([for kind in keys(var.permissions) : contains(keys(var.resource_arns), kind)])
    error_message = "A permission names a resource kind terraform does not know: add it to local.resource_arns in terraform/control-plane/permissions.tf."
  }
}

variable "resource_arns" {
  description = "Resource ARNs by resource kind (terraform/control-plane/permissions.tf)."
  type        = map(list(string))
}

variable "resource_keys" {
  description = "KMS key ARNs that encrypt the resources of a kind, by kind."
  type        = map(list(string))
  default     = {}
}

variable "trigger_sources" {
  description = "Event sources by id (stream.<source>, queue.<name>): { arns, key_arns, and for a stream where a batch given up on goes: failure_destination_arn, maximum_record_age_s }."
  type = map(object({
    arns                    = list(string)
    key_arns                = list(string)
    failure_destination_arn = optional(string)
    maximum_record_age_s    = optional(number)
  }))
  default = {}

  validation {
    condition = (
      try(var.trigger.type, "") == "stream" ? contains(keys(var.trigger_sources), "stream.${try(var.trigger.source, "")}") :
      try(var.trigger.type, "") == "queue" ? contains(keys(var.trigger_sources), "queue.${try(var.trigger.queue, "")}") :
      true
    )
    error_message = "The trigger's source (stream.<source> or queue.<name>) is not among trigger_sources: the queue must be in resources.json, the stream source is \"table\"."
  }
}

variable "artifact_bucket" {
  description = "S3 bucket holding the release artifacts."
  type        = string
}

variable "artifact_key" {
  description = "S3 key of this function's zip in the release (functions/<commit>/<name>.zip)."
  type        = string
}

variable "log_retention_days" {
  description = "Days the function's logs are kept."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the log group."
  type        = string
}

variable "alias_name" {
  description = "Name of the alias that receives traffic."
  type        = string
  default     = "live"
}

variable "reserved_concurrency" {
  description = "Reserved concurrency; -1 for none (the account's pool)."
  type        = number
  default     = -1
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the function's role, if the account requires one."
  type        = string
  default     = null
}

variable "codedeploy_app_name" {
  description = "CodeDeploy application (compute platform Lambda) of the environment."
  type        = string
}

variable "codedeploy_role_arn" {
  description = "Service role CodeDeploy uses to move aliases."
  type        = string
}

variable "deployment_config_name" {
  description = "How traffic shifts, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes or CodeDeployDefault.LambdaAllAtOnce."
  type        = string
}

variable "rollback_alarm_names" {
  description = "Alarms that stop a deployment and roll the alias back."
  type        = list(string)
  default     = []
}

variable "layers" {
  description = "Lambda layers, e.g. the AppConfig extension for functions that read the flag catalog."
  type        = list(string)
  default     = []
}

variable "extension_environment" {
  description = "Environment variables of the layers' extensions (not read by the function's code)."
  type        = map(string)
  default     = {}
}
