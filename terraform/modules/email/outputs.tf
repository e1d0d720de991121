output "identity_arn" {
  description = "ARN of the domain identity."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_arn" {
  description = "ARN of the configuration set every send uses."
  value       = aws_sesv2_configuration_set.this.arn
}

output "dkim_tokens" {
  description = "Publish <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com for each."
  value       = aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens
}
