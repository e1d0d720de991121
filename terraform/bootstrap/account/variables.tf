variable "environment" {
  description = "sandbox, nonprod or prod."
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
  description = "This environment's account."
  type        = string
}

variable "state_account_id" {
  description = "The state account, where the pipeline's identities live."
  type        = string
}

variable "admin_principals" {
  description = "People's roles (e.g. SSO permission sets) that may also assume cp-plan and cp-deploy."
  type        = list(string)
  default     = []
}
