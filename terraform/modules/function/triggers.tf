# The one place where a trigger type of functions.json becomes AWS resources.
# HTTP routes are the exception: the api module creates them from the same
# definition, with the permission for API Gateway to invoke the alias.
# A new trigger type: add it to trigger_actions (what the role needs on the
# source) and give it its resources below; the variable's validation and the
# checks in terraform/tests name this file when a type is unknown.

locals {
  trigger_type = var.trigger.type

  # IAM actions each trigger type needs on its source, beyond the definition.
  trigger_actions = {
    http     = []
    schedule = []
    queue    = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    stream   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
  }

  # Which entry of var.trigger_sources a trigger reads from.
  trigger_source_id = (
    local.trigger_type == "stream" ? "stream.${var.trigger.source}" :
    local.trigger_type == "queue" ? "queue.${var.trigger.queue}" :
    null
  )
  trigger_source = local.trigger_source_id == null ? { arns = [], key_arns = [], failure_destination_arn = null, maximum_record_age_s = null } : var.trigger_sources[local.trigger_source_id]
}

# The table stream: filtered as defined, failed records reported one by one
# (ReportBatchItemFailures) and retried while they are younger than the
# source's maximum record age; a batch still failing then is described (its
# shard and sequence numbers) in the failure destination, the outbox's
# dead-letter queue, before the stream's 24-hour retention could trim it.
# Its outbox items stay in the table a week: an event is never dropped
# unseen (ADR 0003). Iterator age and the dead-letter queue are alarmed on.
resource "aws_lambda_event_source_mapping" "stream" {
  count = local.trigger_type == "stream" ? 1 : 0

  function_name                  = aws_lambda_alias.live.arn
  event_source_arn               = local.trigger_source.arns[0]
  starting_position              = "TRIM_HORIZON"
  batch_size                     = try(var.trigger.batch_size, 100)
  maximum_retry_attempts         = -1
  maximum_record_age_in_seconds  = coalesce(local.trigger_source.maximum_record_age_s, -1)
  bisect_batch_on_function_error = false
  function_response_types        = ["ReportBatchItemFailures"]

  dynamic "destination_config" {
    for_each = local.trigger_source.failure_destination_arn == null ? [] : [local.trigger_source.failure_destination_arn]
    content {
      on_failure {
        destination_arn = destination_config.value
      }
    }
  }

  dynamic "filter_criteria" {
    for_each = try(var.trigger.filter, null) == null ? [] : [var.trigger.filter]
    content {
      filter {
        pattern = jsonencode(filter_criteria.value)
      }
    }
  }
}

# A queue: partial batch failures reported; what keeps failing is redriven
# to the queue's dead-letter queue by its redrive policy.
resource "aws_lambda_event_source_mapping" "queue" {
  count = local.trigger_type == "queue" ? 1 : 0

  function_name                      = aws_lambda_alias.live.arn
  event_source_arn                   = local.trigger_source.arns[0]
  batch_size                         = try(var.trigger.batch_size, 10)
  maximum_batching_window_in_seconds = try(var.trigger.batching_window_s, 0)
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = try(var.trigger.max_concurrency, null) == null ? [] : [var.trigger.max_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}

# A schedule: an EventBridge rule on the default bus invokes the alias.
resource "aws_cloudwatch_event_rule" "schedule" {
  count = local.trigger_type == "schedule" ? 1 : 0

  name                = var.function_name
  description         = "Runs ${var.function_name} ${var.trigger.expression}."
  schedule_expression = var.trigger.expression
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = local.trigger_type == "schedule" ? 1 : 0

  rule      = aws_cloudwatch_event_rule.schedule[0].name
  target_id = "function"
  arn       = aws_lambda_alias.live.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }
}

resource "aws_lambda_permission" "schedule" {
  count = local.trigger_type == "schedule" ? 1 : 0

  statement_id  = "schedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}
