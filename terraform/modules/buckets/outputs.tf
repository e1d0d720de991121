output "arns" {
  description = "Bucket ARN by bucket name."
  value       = { for name, b in aws_s3_bucket.this : name => b.arn }
}

output "names" {
  description = "Bucket name (with the prefix) by bucket name."
  value       = { for name, b in aws_s3_bucket.this : name => b.id }
}
