output "name" {
  description = "Table name (TABLE_NAME of the functions)."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "Table ARN."
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the table's stream (read by the outbox publisher)."
  value       = aws_dynamodb_table.this.stream_arn
}
