variable "name" {
  description = "Name prefix of the edge's resources, e.g. cp-prod."
  type        = string
}

variable "api_endpoint" {
  description = "The HTTP API's https endpoint (second origin)."
  type        = string
}

variable "api_paths" {
  description = "Path patterns CloudFront forwards to the API; everything else is the console."
  type        = list(string)
  default     = ["/v1/*", "/ofrep/*", "/oauth2/*", "/.well-known/*"]
}

variable "domain_names" {
  description = "Custom domain names of the distribution (empty: the *.cloudfront.net name only)."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-1 for domain_names (null with no custom domain)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws:acm:us-east-1:", var.certificate_arn))
    error_message = "CloudFront takes certificates from ACM in us-east-1 only."
  }
}

variable "price_class" {
  description = "CloudFront price class (PriceClass_200 includes Japan and Europe)."
  type        = string
  default     = "PriceClass_200"
}

variable "rate_limit_per_5_minutes" {
  description = "Requests one client address may make in 5 minutes before WAF blocks it."
  type        = number
  default     = 2000
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups, in priority order; count_only lists rules that only count."
  type = list(object({
    name       = string
    priority   = number
    count_only = list(string)
  }))
  default = [
    { name = "AWSManagedRulesAmazonIpReputationList", priority = 10, count_only = [] },
    # Batches of usage events can exceed the group's 8 KB body limit.
    { name = "AWSManagedRulesCommonRuleSet", priority = 20, count_only = ["SizeRestrictions_BODY"] },
    { name = "AWSManagedRulesKnownBadInputsRuleSet", priority = 30, count_only = [] },
  ]
}

variable "console_config" {
  description = "The console's config.json (OIDC authority, client id, scopes); null uploads none."
  type = object({
    authority = string
    client_id = string
    scope     = string
  })
  default = null
}
