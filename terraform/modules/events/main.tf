# The domain event bus, its archive, and the rules that deliver events through
# SQS queues (each with a dead-letter queue and redrive) to the consumers.
# Everything is named and shaped by terraform/resources.json.

locals {
  # The rules that deliver into each queue (for the queues' resource policies).
  rules_by_queue = {
    for queue in keys(var.queues) : queue => [for name, rule in var.rules : name if rule.queue == queue]
  }
}

resource "aws_cloudwatch_event_bus" "this" {
  name = "${var.prefix}-${var.bus.name}"
}

resource "aws_cloudwatch_event_archive" "this" {
  name               = "${var.prefix}-${var.bus.name}"
  description        = "Every event of ${var.bus.source}, for replay."
  event_source_arn   = aws_cloudwatch_event_bus.this.arn
  retention_days     = var.archive_retention_days
  kms_key_identifier = var.archive_kms_key_arn
  event_pattern      = jsonencode({ source = [var.bus.source] })
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = var.queues

  name                              = "${var.prefix}-${each.key}-dlq"
  message_retention_seconds         = each.value.dead_letter_retention_days * 86400
  kms_master_key_id                 = var.kms_key_arns[each.value.encryption_key]
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                              = "${var.prefix}-${each.key}"
  visibility_timeout_seconds        = each.value.visibility_timeout_s
  message_retention_seconds         = each.value.retention_days * 86400
  kms_master_key_id                 = var.kms_key_arns[each.value.encryption_key]
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = var.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

# What cannot reach the bus: events the publisher sets aside, and batches
# the stream's event source mapping gives up on (its failure destination;
# the function's role sends on its behalf). Nothing consumes it: an
# operator does, alarmed by its depth.
resource "aws_sqs_queue" "outbox_dead_letter" {
  name                              = "${var.prefix}-outbox-dlq"
  message_retention_seconds         = var.outbox.dead_letter_retention_days * 86400
  kms_master_key_id                 = var.kms_key_arns[var.outbox.encryption_key]
  kms_data_key_reuse_period_seconds = 300
}

data "aws_iam_policy_document" "outbox_dead_letter" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.outbox_dead_letter.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "outbox_dead_letter" {
  queue_url = aws_sqs_queue.outbox_dead_letter.id
  policy    = data.aws_iam_policy_document.outbox_dead_letter.json
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name           = "${var.prefix}-${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "queue-${each.value.queue}"
  arn            = aws_sqs_queue.this[each.value.queue].arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  # What EventBridge cannot deliver lands in the queue's dead-letter queue.
  dead_letter_config {
    arn = aws_sqs_queue.dead_letter[each.value.queue].arn
  }
}

# Only this bus's rules may send to a queue and to its dead-letter queue.
data "aws_iam_policy_document" "queue" {
  for_each = var.queues

  statement {
    sid       = "RulesOfThisBusDeliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[each.key].arn, aws_sqs_queue.dead_letter[each.key].arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in local.rules_by_queue[each.key] : aws_cloudwatch_event_rule.this[rule].arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this[each.key].arn, aws_sqs_queue.dead_letter[each.key].arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = { for queue, rules in local.rules_by_queue : queue => rules if length(rules) > 0 }

  queue_url = aws_sqs_queue.this[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}

resource "aws_sqs_queue_policy" "dead_letter" {
  for_each = { for queue, rules in local.rules_by_queue : queue => rules if length(rules) > 0 }

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}
