variable "region" {
  description = "Region of the state and artifact buckets: Japan or the EU (NFR-DATA-001); the same region as the environments (Lambda reads code from its own region)."
  type        = string

  validation {
    condition     = contains(["ap-northeast-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"], var.region)
    error_message = "Customer data stays in Japan or the EU (NFR-DATA-001): ap-northeast-1, ap-northeast-3, eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1 or eu-south-2."
  }
}

variable "environments" {
  description = "Account id by environment: { sandbox = \"222222222222\", nonprod = ..., prod = ... }."
  type        = map(string)
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy."
  type        = string
}

variable "state_admin_principals" {
  description = "IAM principals (people's roles) that may also use the state roles."
  type        = list(string)
  default     = []
}

variable "artifact_retention_days" {
  description = "Days a release's artifacts are locked (and then kept): the window in which it can be rolled back to."
  type        = number
  default     = 400
}
