variable "environment" {
  description = "Which environment this is: sandbox, nonprod or prod (names are prefixed cp-<environment>)."
  type        = string

  validation {
    condition     = contains(["sandbox", "nonprod", "prod"], var.environment)
    error_message = "The environment is sandbox, nonprod or prod."
  }
}

variable "region" {
  description = "AWS region of every resource that holds data: Japan or the EU only (NFR-DATA-001)."
  type        = string

  # Japan: Tokyo, Osaka. EU member states: Frankfurt, Ireland, Paris,
  # Stockholm, Milan, Spain. Not London or Zurich (outside the EU).
  validation {
    condition     = contains(["ap-northeast-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"], var.region)
    error_message = "Customer data stays in Japan or the EU (NFR-DATA-001): ap-northeast-1, ap-northeast-3, eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1 or eu-south-2."
  }
}

variable "release" {
  description = "The commit whose artifacts are deployed: functions/<release>/<function>.zip in the artifact bucket."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.release))
    error_message = "The release is a full 40-character commit id."
  }
}

variable "artifact_bucket" {
  description = "Bucket with the immutable release artifacts (in the state account, same region)."
  type        = string
}

variable "deployment_config_name" {
  description = "How CodeDeploy shifts an alias to a new version (CodeDeployDefault.LambdaAllAtOnce, ...Canary10Percent5Minutes, ...Linear10PercentEvery1Minute)."
  type        = string
  default     = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
}

variable "log_retention_days" {
  description = "Days function and access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "CloudWatch Logs accepts only its listed retention periods (e.g. 30, 90, 365, 731)."
  }
}

variable "email_sender" {
  description = "Sender of transactional email; null takes email.sender of resources.json."
  type        = string
  default     = null
}

variable "domain_names" {
  description = "Custom domain names of the control plane (CloudFront aliases); empty for *.cloudfront.net."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-1 covering domain_names, or null."
  type        = string
  default     = null
}

variable "external_id_tenant_id" {
  description = "The environment's Microsoft Entra External ID tenant, where customers' people sign in (the azuread.external provider signs in to it)."
  type        = string

  # Lowercase, as Entra ID writes it in the issuer that tokens must match.
  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.external_id_tenant_id))
    error_message = "A tenant id is a lowercase GUID."
  }
}

variable "external_id_subdomain" {
  description = "That tenant's sign-in host <subdomain>.ciamlogin.com (its initial domain <subdomain>.onmicrosoft.com)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.external_id_subdomain))
    error_message = "The subdomain is one lowercase DNS label (letters, digits, hyphens), without .ciamlogin.com."
  }
}

variable "app_token_issuer" {
  description = "Issuer of the control plane's own application tokens (TOKEN_ISSUER); null takes the public URL."
  type        = string
  default     = null
}

variable "api_throttling_burst_limit" {
  description = "API stage burst limit."
  type        = number
  default     = 200
}

variable "api_throttling_rate_limit" {
  description = "API stage steady rate (requests per second)."
  type        = number
  default     = 100
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests per client address in 5 minutes before WAF blocks it."
  type        = number
  default     = 2000
}

variable "alarm_emails" {
  description = "Operators' addresses for alarms."
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

variable "health_path" {
  description = "Path the canary expects 200 from without a token (empty: not checked)."
  type        = string
  default     = ""
}

variable "event_archive_retention_days" {
  description = "Days the event archive keeps events for replay."
  type        = number
  default     = 30
}

variable "backup_retention_days" {
  description = "Days daily backups are kept (at least 35)."
  type        = number
  default     = 35
}

variable "backup_copy_vault_arn" {
  description = "Vault (another Japan/EU region or account) receiving a copy of each backup, or null."
  type        = string
  default     = null
}

variable "backup_vault_lock" {
  description = "Lock the backup vault in compliance mode."
  type        = bool
  default     = false
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection of the table."
  type        = bool
  default     = true
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary every function role gets, if the account demands one."
  type        = string
  default     = null
}

variable "appconfig_extension_layer_arn" {
  description = "The AWS AppConfig Lambda extension layer (arm64) of var.region, for the functions that read the flag catalog. Null (the default) takes the region's layer from local.appconfig_extension_layers (appconfig_extension.tf); set it to move to another extension version."
  type        = string
  default     = null

  validation {
    condition     = var.appconfig_extension_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:AWS-AppConfig-Extension-Arm64:[0-9]+$", var.appconfig_extension_layer_arn))
    error_message = "The functions are arm64: use the AWS-AppConfig-Extension-Arm64 layer of the region."
  }
}
