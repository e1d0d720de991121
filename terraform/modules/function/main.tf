# One Lambda function of functions/functions.json: its log group, its own
# role with exactly the actions its definition grants (plus the runtime's
# needs below), the function itself (provided.al2023, arm64, code from the
# release's immutable artifact), the alias that receives traffic, and the
# CodeDeploy group that shifts the alias between versions.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # What every function's runtime needs beyond its definition: writing its
  # own log group, and X-Ray segments (no resource-level permission exists).
  runtime_log_actions     = ["logs:CreateLogStream", "logs:PutLogEvents"]
  runtime_tracing_actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]

  # KMS on the keys that encrypt what the function touches: reading needs
  # Decrypt; an action that writes also needs data keys.
  kms_read_actions     = ["kms:Decrypt"]
  kms_write_actions    = ["kms:Encrypt", "kms:GenerateDataKey"]
  write_action_pattern = ":(Put|Update|Delete|BatchWrite|Send|Create)"

  kms_read_keys = distinct(concat(
    flatten([for kind in keys(var.permissions) : lookup(var.resource_keys, kind, [])]),
    local.trigger_source.key_arns,
  ))
  kms_write_keys = distinct(flatten([
    for kind, actions in var.permissions : lookup(var.resource_keys, kind, [])
    if anytrue([for action in actions : can(regex(local.write_action_pattern, action))])
  ]))
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  description          = "Runs ${var.function_name}: only what functions.json grants it."
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "OwnLogGroup"
    actions   = local.runtime_log_actions
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = local.runtime_tracing_actions
    resources = ["*"]
  }

  # The definition's own grants: its actions on the resources of each kind.
  dynamic "statement" {
    for_each = var.permissions
    content {
      sid       = replace("Definition${title(statement.key)}", "/[^0-9A-Za-z]/", "")
      actions   = statement.value
      resources = var.resource_arns[statement.key]
    }
  }

  # What the trigger needs on its source (triggers.tf).
  dynamic "statement" {
    for_each = length(local.trigger_actions[local.trigger_type]) > 0 ? [1] : []
    content {
      sid       = "Trigger"
      actions   = local.trigger_actions[local.trigger_type]
      resources = local.trigger_source.arns
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_read_keys) > 0 ? [1] : []
    content {
      sid       = "KeysOfWhatItReads"
      actions   = local.kms_read_actions
      resources = local.kms_read_keys
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_write_keys) > 0 ? [1] : []
    content {
      sid       = "KeysOfWhatItWrites"
      actions   = local.kms_write_actions
      resources = local.kms_write_keys
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "definition"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:No VPC: the functions call only AWS APIs (and Entra ID's JWKS) over TLS; a VPC would add NAT cost and cold-start time for no isolation gained (ADR 0023).
  #checkov:skip=CKV_AWS_116:Synchronous (API) and event-source-mapping invocations only; failures go back to the caller, the stream is retried, queues have their own DLQs.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the API's throttling and the queues' event source mappings; reserving per function would carve up the account pool (set reserved_concurrency to cap one).
  #checkov:skip=CKV_AWS_173:The environment holds names and URLs only, never secrets (CC-SEC-003); Lambda encrypts it at rest with an AWS key.
  #checkov:skip=CKV_AWS_272:Code signing is not used: artifacts are built once in CI and stored immutably by commit (ADR 0021); see ADR 0023 for this gap.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  memory_size                    = var.memory_mb
  timeout                        = var.timeout_s
  s3_bucket                      = var.artifact_bucket
  s3_key                         = var.artifact_key
  publish                        = true
  reserved_concurrent_executions = var.reserved_concurrency
  layers                         = var.layers

  dynamic "environment" {
    for_each = length(var.environment) + length(var.extension_environment) > 0 ? [1] : []
    content {
      variables = merge(var.environment, var.extension_environment)
    }
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_iam_role_policy.this]
}

# Traffic reaches the function through this alias only. Terraform creates it
# on the first version; after that CodeDeploy moves it (ADR 0021), so
# terraform ignores its version and weights.
resource "aws_lambda_alias" "live" {
  name             = var.alias_name
  description      = "The version that receives traffic; moved by CodeDeploy."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

resource "aws_codedeploy_deployment_group" "this" {
  app_name               = var.codedeploy_app_name
  deployment_group_name  = var.function_name
  service_role_arn       = var.codedeploy_role_arn
  deployment_config_name = var.deployment_config_name

  deployment_style {
    deployment_option = "WITH_TRAFFIC_CONTROL"
    deployment_type   = "BLUE_GREEN"
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = length(var.rollback_alarm_names) > 0
    alarms  = var.rollback_alarm_names
  }
}
