# What operators are told, and where they look: one SNS topic (email, and
# optionally Slack through AWS Chatbot and PagerDuty), alarms per function,
# per dead-letter queue, on the API and on the canary, and a dashboard.

locals {
  http_functions   = { for name, f in var.functions : name => f if f.trigger_type == "http" }
  stream_functions = { for name, f in var.functions : name => f if f.trigger_type == "stream" }
  alarm_actions    = [aws_sns_topic.operators.arn]

  # The alarms that stop a traffic shift and roll the alias back.
  rollback_alarm_names = {
    for name, f in var.functions : name => [
      aws_cloudwatch_metric_alarm.error_rate[name].alarm_name,
      aws_cloudwatch_metric_alarm.latency_p99[name].alarm_name,
    ]
  }
}

# --- where alarms go -------------------------------------------------------------

resource "aws_sns_topic" "operators" {
  name              = "${var.prefix}-operators"
  display_name      = "Control plane ${var.prefix}"
  kms_master_key_id = var.kms_key_arn
}

data "aws_caller_identity" "topic" {}

# Who may publish: this account's CloudWatch alarms and AWS Backup's job
# notifications; the account itself manages and subscribes.
data "aws_iam_policy_document" "operators" {
  statement {
    sid = "AccountOwns"
    actions = [
      "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
      "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
    ]
    resources = [aws_sns_topic.operators.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.topic.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmsAndBackupsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.operators.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "backup.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.topic.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "operators" {
  arn    = aws_sns_topic.operators.arn
  policy = data.aws_iam_policy_document.operators.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.operators.arn
  protocol  = "email"
  endpoint  = each.value
}

# PagerDuty: the integration URL of an "Amazon CloudWatch" service integration.
resource "aws_sns_topic_subscription" "pagerduty" {
  count = var.pagerduty_endpoint == null ? 0 : 1

  topic_arn              = aws_sns_topic.operators.arn
  protocol               = "https"
  endpoint               = var.pagerduty_endpoint
  endpoint_auto_confirms = true
}

# Slack through AWS Chatbot; the workspace must have been authorised once in
# the Chatbot console (that yields the team id).
data "aws_iam_policy_document" "chatbot_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["chatbot.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "chatbot" {
  count = var.slack == null ? 0 : 1

  name               = "${var.prefix}-chatbot"
  assume_role_policy = data.aws_iam_policy_document.chatbot_assume.json
}

resource "aws_chatbot_slack_channel_configuration" "operators" {
  count = var.slack == null ? 0 : 1

  configuration_name    = "${var.prefix}-operators"
  iam_role_arn          = aws_iam_role.chatbot[0].arn
  slack_team_id         = var.slack.team_id
  slack_channel_id      = var.slack.channel_id
  sns_topic_arns        = [aws_sns_topic.operators.arn]
  guardrail_policy_arns = ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
  logging_level         = "ERROR"
}

# --- per function --------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-error-rate"
  alarm_description   = "More than ${var.error_rate_percent}% of ${each.key}'s invocations fail (3 of 5 minutes). Rolls a traffic shift back."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "error rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      period      = 60
      stat        = "Sum"
      dimensions = {
        FunctionName = each.value.function_name
        Resource     = "${each.value.function_name}:${each.value.alias_name}"
      }
    }
  }

  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      period      = 60
      stat        = "Sum"
      dimensions = {
        FunctionName = each.value.function_name
        Resource     = "${each.value.function_name}:${each.value.alias_name}"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency_p99" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-p99-latency"
  alarm_description   = "p99 duration of ${each.key} is above its threshold (3 of 5 minutes). Rolls a traffic shift back."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.trigger_type == "http" ? var.http_p99_latency_ms : each.value.timeout_s * 800
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    FunctionName = each.value.function_name
    Resource     = "${each.value.function_name}:${each.value.alias_name}"
  }
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-throttles"
  alarm_description   = "${each.key} was throttled: the account's or its reserved concurrency is exhausted."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    FunctionName = each.value.function_name
  }
}

# A stream consumer that falls behind risks the stream's 24 h retention.
resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  for_each = local.stream_functions

  alarm_name          = "${each.value.function_name}-iterator-age"
  alarm_description   = "${each.key} is more than ${var.max_iterator_age_s} s behind the table stream."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.max_iterator_age_s * 1000
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    FunctionName = each.value.function_name
  }
}

# --- per queue ---------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = var.dead_letter_queues

  alarm_name          = "${each.value}-depth"
  alarm_description   = each.key == "outbox" ? "Outbox records the event pipeline could not publish were set aside: inspect the messages, fix the cause, then put their events on the bus (doc/deployment.md)." : "Messages wait in the dead-letter queue of ${each.key}: inspect, fix, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    QueueName = each.value
  }
}

# --- the API ------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.prefix}-api-5xx"
  alarm_description   = "The HTTP API answers 5xx (3 of 5 minutes)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_per_minute
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    ApiId = var.api_id
    Stage = var.api_stage
  }
}

# --- sign-in -------------------------------------------------------------------------

# Refused sign-ins, misused grants and failed client authentications at the
# OpenID Provider (EMF, shared/runtime/src/metrics.rs): an attack on it, or
# a client or directory that broke (doc/adr/0042).
resource "aws_cloudwatch_metric_alarm" "auth_failures" {
  alarm_name          = "${var.prefix}-authentication-failures"
  alarm_description   = "More than ${var.auth_failures_per_5_minutes} sign-ins, grants or client authentications were refused in 5 minutes: look at the platform's and tenants' audit trails (action auth.sign_in, auth.token; outcome failure) and the oauth functions' logs."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.auth_failures_per_5_minutes
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "failures"
    expression  = "authorize + token"
    label       = "authentication failures"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { authorize = "oauth-authorize", token = "oauth-token" }
    content {
      id = metric_query.key
      metric {
        namespace   = "SaasControlPlane"
        metric_name = "AuthenticationFailures"
        period      = 300
        stat        = "Sum"
        dimensions = {
          Function = metric_query.value
        }
      }
    }
  }
}

# --- the dashboard ---------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.prefix
  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type   = "metric"
          width  = 12
          height = 6
          properties = {
            title   = "API requests and errors"
            region  = var.region
            stat    = "Sum"
            period  = 60
            metrics = [for m in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", m, "ApiId", var.api_id, "Stage", var.api_stage]]
          }
        },
        {
          type   = "metric"
          width  = 12
          height = 6
          properties = {
            title   = "API latency p99 (ms)"
            region  = var.region
            stat    = "p99"
            period  = 60
            metrics = [["AWS/ApiGateway", "Latency", "ApiId", var.api_id, "Stage", var.api_stage]]
          }
        },
        {
          type   = "metric"
          width  = 12
          height = 6
          properties = {
            title   = "Canary success (%)"
            region  = var.region
            stat    = "Average"
            period  = 300
            metrics = [["CloudWatchSynthetics", "SuccessPercent", "CanaryName", aws_synthetics_canary.journeys.name]]
          }
        },
        {
          type   = "metric"
          width  = 12
          height = 6
          properties = {
            title   = "Dead letters"
            region  = var.region
            stat    = "Maximum"
            period  = 300
            metrics = [for name in values(var.dead_letter_queues) : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name]]
          }
        },
      ],
      [
        for name, f in var.functions : {
          type   = "metric"
          width  = 8
          height = 6
          properties = {
            title  = name
            region = var.region
            period = 60
            metrics = [
              ["AWS/Lambda", "Invocations", "FunctionName", f.function_name, { stat = "Sum" }],
              ["AWS/Lambda", "Errors", "FunctionName", f.function_name, { stat = "Sum" }],
              ["AWS/Lambda", "Throttles", "FunctionName", f.function_name, { stat = "Sum" }],
              ["AWS/Lambda", "Duration", "FunctionName", f.function_name, { stat = "p99", yAxis = "right" }],
            ]
          }
        }
      ],
    )
  })
}
