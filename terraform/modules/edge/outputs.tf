output "domain_name" {
  description = "The distribution's own domain name (*.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "public_url" {
  description = "Where people and applications reach the control plane."
  value       = "https://${length(var.domain_names) > 0 ? var.domain_names[0] : aws_cloudfront_distribution.this.domain_name}"
}

output "distribution_id" {
  description = "Distribution id (invalidations after a console upload)."
  value       = aws_cloudfront_distribution.this.id
}

output "console_bucket" {
  description = "Bucket the pipeline uploads the console build to."
  value       = aws_s3_bucket.console.id
}

output "web_acl_arn" {
  description = "The WAF web ACL (in us-east-1)."
  value       = aws_wafv2_web_acl.this.arn
}
