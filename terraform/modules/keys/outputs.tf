output "arns" {
  description = "Key ARN by key name."
  value       = { for name, key in aws_kms_key.this : name => key.arn }
}

output "aliases" {
  description = "Alias name by key name."
  value       = { for name, alias in aws_kms_alias.this : name => alias.name }
}
