output "bus_name" {
  description = "Bus name (EVENT_BUS_NAME of the functions)."
  value       = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  description = "Bus ARN."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "queue_arns" {
  description = "Queue ARN by queue name."
  value       = { for name, queue in aws_sqs_queue.this : name => queue.arn }
}

output "queue_names" {
  description = "Queue name (with prefix) by queue name."
  value       = { for name, queue in aws_sqs_queue.this : name => queue.name }
}

output "dead_letter_queue_arns" {
  description = "Dead-letter queue ARN by queue name."
  value       = { for name, queue in aws_sqs_queue.dead_letter : name => queue.arn }
}

output "dead_letter_queue_names" {
  description = "Dead-letter queue name (with prefix) by queue name."
  value       = { for name, queue in aws_sqs_queue.dead_letter : name => queue.name }
}

output "rule_arns" {
  description = "Rule ARN by rule name."
  value       = { for name, rule in aws_cloudwatch_event_rule.this : name => rule.arn }
}

output "queue_urls" {
  description = "Queue name => its URL and its dead-letter queue's URL (the health API reads their depths); \"outbox\" => the outbox's dead-letter queue, which has no queue of its own."
  value = merge(
    {
      for name, queue in aws_sqs_queue.this : name => {
        url             = queue.url
        dead_letter_url = aws_sqs_queue.dead_letter[name].url
      }
    },
    { outbox = { dead_letter_url = aws_sqs_queue.outbox_dead_letter.url } },
  )
}

output "outbox_dead_letter" {
  description = "The outbox's dead-letter queue: { arn, url, name }."
  value = {
    arn  = aws_sqs_queue.outbox_dead_letter.arn
    url  = aws_sqs_queue.outbox_dead_letter.url
    name = aws_sqs_queue.outbox_dead_letter.name
  }
}
