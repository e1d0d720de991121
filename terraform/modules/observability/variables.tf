variable "prefix" {
  description = "Environment prefix, e.g. cp-prod."
  type        = string
}

variable "region" {
  description = "Region of the environment (dashboard widgets)."
  type        = string
}

variable "functions" {
  description = "Every function: name => { function_name, alias_name, timeout_s, trigger_type }."
  type = map(object({
    function_name = string
    alias_name    = string
    timeout_s     = number
    trigger_type  = string
  }))
}

variable "dead_letter_queues" {
  description = "Every dead-letter queue: the name of what it serves (a queue, or outbox) => the queue's name."
  type        = map(string)
}

variable "api_id" {
  description = "The HTTP API's id."
  type        = string
}

variable "api_stage" {
  description = "The HTTP API's stage."
  type        = string
  default     = "$default"
}

variable "kms_key_arn" {
  description = "Key that encrypts the operators' topic."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses that receive every alarm (each confirms its subscription once)."
  type        = list(string)
  default     = []
}

variable "pagerduty_endpoint" {
  description = "PagerDuty CloudWatch integration URL, or null."
  type        = string
  default     = null
  sensitive   = true
}

variable "slack" {
  description = "Slack channel for alarms through AWS Chatbot: { team_id, channel_id }, or null."
  type = object({
    team_id    = string
    channel_id = string
  })
  default = null
}

variable "error_rate_percent" {
  description = "Error rate (%) of a function that raises its alarm."
  type        = number
  default     = 1
}

variable "http_p99_latency_ms" {
  description = "p99 duration (ms) of an HTTP function that raises its alarm (NFR-PERF-001: p99 < 2 s)."
  type        = number
  default     = 2000
}

variable "max_iterator_age_s" {
  description = "How far (s) a stream consumer may fall behind."
  type        = number
  default     = 300
}

variable "api_5xx_per_minute" {
  description = "5xx answers per minute that raise the API's alarm."
  type        = number
  default     = 5
}

variable "public_url" {
  description = "Where the canary reaches the control plane (CloudFront)."
  type        = string
}

variable "entra_issuer" {
  description = "The Entra ID issuer people sign in at."
  type        = string
}

variable "health_path" {
  description = "A path answering 200 without a token when the functions reach their data; empty to skip."
  type        = string
  default     = ""
}

variable "canary_runtime_version" {
  description = "Synthetics runtime (Node.js with the Synthetics library)."
  type        = string
  default     = "syn-nodejs-puppeteer-9.1"
}

variable "auth_failures_per_5_minutes" {
  description = "Refused sign-ins, misused grants and failed client authentications in 5 minutes before the alarm."
  type        = number
  default     = 100
}
