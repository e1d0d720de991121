output "topic_arn" {
  description = "The operators' SNS topic."
  value       = aws_sns_topic.operators.arn
}

output "rollback_alarm_names" {
  description = "Per function, the alarms that roll a traffic shift back."
  value       = local.rollback_alarm_names
}

output "dashboard_name" {
  description = "The CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "canary_name" {
  description = "The Synthetics canary."
  value       = aws_synthetics_canary.journeys.name
}
