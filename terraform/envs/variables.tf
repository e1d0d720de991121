variable "environment" {
  description = "sandbox, nonprod or prod: the name of its <env>.tfvars and <env>.backend.hcl."
  type        = string

  validation {
    condition     = contains(["sandbox", "nonprod", "prod"], var.environment)
    error_message = "The environment is sandbox, nonprod or prod."
  }
}

variable "region" {
  description = "Region of the environment: Japan or the EU only (NFR-DATA-001)."
  type        = string

  validation {
    condition     = contains(["ap-northeast-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"], var.region)
    error_message = "Customer data stays in Japan or the EU (NFR-DATA-001): ap-northeast-1, ap-northeast-3, eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1 or eu-south-2."
  }
}

variable "account_id" {
  description = "The AWS account of this environment; the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "An AWS account id has 12 digits."
  }
}

variable "deploy_role_name" {
  description = "Role assumed in the account to apply (created by terraform/bootstrap/account)."
  type        = string
  default     = "cp-deploy"
}

variable "repository" {
  description = "Repository the infrastructure comes from (a tag on every resource)."
  type        = string
  default     = "saas-control-plane"
}

variable "entra_tenant_id" {
  description = "The workforce Entra ID tenant whose people operate the control plane."
  type        = string
}

variable "external_id_tenant_id" {
  description = "The environment's Microsoft Entra External ID tenant, where customers' people sign in (modules/entra-external/README.md)."
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

variable "release" {
  description = "Commit id of the artifacts to deploy (the pipeline passes it)."
  type        = string
}

variable "artifact_bucket" {
  description = "Bucket of the release artifacts in the state account."
  type        = string
}

variable "deployment_config_name" {
  description = "CodeDeploy traffic shifting of the aliases."
  type        = string
  default     = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
}

variable "log_retention_days" {
  description = "Days logs are kept."
  type        = number
  default     = 365
}

variable "email_sender" {
  description = "Sender of transactional email (null: resources.json's)."
  type        = string
  default     = null
}

variable "domain_names" {
  description = "Custom domain names (empty: *.cloudfront.net)."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate (us-east-1) for domain_names."
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "Operators' addresses for alarms."
  type        = list(string)
  default     = []
}

variable "pagerduty_endpoint" {
  description = "PagerDuty CloudWatch integration URL (pass as TF_VAR_pagerduty_endpoint from a secret)."
  type        = string
  default     = null
  sensitive   = true
}

variable "slack" {
  description = "Slack channel through AWS Chatbot: { team_id, channel_id }."
  type = object({
    team_id    = string
    channel_id = string
  })
  default = null
}

variable "health_path" {
  description = "Path the canary expects 200 from without a token."
  type        = string
  default     = ""
}

variable "waf_rate_limit_per_5_minutes" {
  description = "WAF rate limit per client address."
  type        = number
  default     = 2000
}

variable "backup_copy_vault_arn" {
  description = "Off-site backup vault, or null."
  type        = string
  default     = null
}

variable "backup_vault_lock" {
  description = "Lock the backup vault (compliance mode)."
  type        = bool
  default     = false
}
