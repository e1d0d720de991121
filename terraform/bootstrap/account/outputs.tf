output "deploy_role_arn" {
  description = "Role terraform apply runs as."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Role terraform plan runs as."
  value       = aws_iam_role.plan.arn
}
