output "state_bucket" {
  description = "Bucket of terraform state (terraform/envs/<env>.backend.hcl: bucket)."
  value       = aws_s3_bucket.state.id
}

output "artifact_bucket" {
  description = "Bucket of release artifacts (terraform/envs/<env>.tfvars: artifact_bucket)."
  value       = aws_s3_bucket.artifacts.id
}

output "pipeline_role_arns" {
  description = "GitHub environment => role for AWS_ROLE_ARN of that environment."
  value       = { for name, role in aws_iam_role.pipeline : name => role.arn }
}

output "release_role_arn" {
  description = "Role of the GitHub environment release (artifact upload)."
  value       = aws_iam_role.release.arn
}

output "state_role_arns" {
  description = "Environment => state role (terraform/envs/<env>.backend.hcl: assume_role.role_arn)."
  value       = { for env, role in aws_iam_role.state : env => role.arn }
}
