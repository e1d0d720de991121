output "function_name" {
  description = "Lambda function name."
  value       = aws_lambda_function.this.function_name
}

output "version" {
  description = "The version this apply published (the target of the next traffic shift)."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Alias that receives traffic."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "Qualified ARN of the alias."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the alias (API Gateway integrations)."
  value       = aws_lambda_alias.live.invoke_arn
}

output "role_arn" {
  description = "The function's own role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "The function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "deployment_group_name" {
  description = "CodeDeploy deployment group that shifts the alias."
  value       = aws_codedeploy_deployment_group.this.deployment_group_name
}
