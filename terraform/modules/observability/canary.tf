# A CloudWatch Synthetics canary walks the critical journeys every five
# minutes, whether or not anyone uses the product (NFR-MON-003). Its script
# is canary/journeys.js; what it checks is described there.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_s3_bucket" "canary" {
  #checkov:skip=CKV_AWS_18:Canary run artifacts (screenshots, HAR files) expire after 30 days; no access log needed.
  #checkov:skip=CKV_AWS_21:Run artifacts are written once and expire; versions add nothing.
  #checkov:skip=CKV_AWS_144:Run artifacts are diagnostics, not data to keep.
  #checkov:skip=CKV_AWS_145:Run artifacts hold no customer data; SSE-S3 (AES-256) meets NFR-SEC-002 and needs no key grant for Synthetics.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new run artifacts.
  bucket_prefix = "${var.prefix}-canary-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "canary" {
  bucket                  = aws_s3_bucket.canary.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "canary" {
  bucket = aws_s3_bucket.canary.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "canary" {
  bucket = aws_s3_bucket.canary.id
  rule {
    id     = "expire-runs"
    status = "Enabled"
    filter {}
    expiration {
      days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "canary_assume" {
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

resource "aws_iam_role" "canary" {
  name               = "${var.prefix}-canary"
  assume_role_policy = data.aws_iam_policy_document.canary_assume.json
}

data "aws_iam_policy_document" "canary" {
  statement {
    sid       = "RunArtifacts"
    actions   = ["s3:PutObject", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.canary.arn, "${aws_s3_bucket.canary.arn}/*"]
  }

  statement {
    sid       = "FindArtifactBucket"
    actions   = ["s3:ListAllMyBuckets"]
    resources = ["*"]
  }

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/cwsyn-*"]
  }

  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["CloudWatchSynthetics"]
    }
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "canary" {
  name   = "canary"
  role   = aws_iam_role.canary.id
  policy = data.aws_iam_policy_document.canary.json
}

data "archive_file" "canary" {
  type        = "zip"
  output_path = "${path.module}/.build/journeys.zip"

  source {
    content  = file("${path.module}/canary/journeys.js")
    filename = "nodejs/node_modules/journeys.js"
  }
}

resource "aws_synthetics_canary" "journeys" {
  name                     = substr(replace("${var.prefix}-journeys", "/[^a-z0-9_-]/", "-"), 0, 21)
  artifact_s3_location     = "s3://${aws_s3_bucket.canary.id}/runs/"
  execution_role_arn       = aws_iam_role.canary.arn
  runtime_version          = var.canary_runtime_version
  handler                  = "journeys.handler"
  zip_file                 = data.archive_file.canary.output_path
  start_canary             = true
  success_retention_period = 7
  failure_retention_period = 30

  schedule {
    expression = "rate(5 minutes)"
  }

  run_config {
    timeout_in_seconds = 60
    active_tracing     = true
    environment_variables = {
      BASE_URL     = var.public_url
      ENTRA_ISSUER = var.entra_issuer
      HEALTH_PATH  = var.health_path
    }
  }

  artifact_config {
    s3_encryption {
      encryption_mode = "SSE_S3"
    }
  }

  depends_on = [aws_iam_role_policy.canary]
}

resource "aws_cloudwatch_metric_alarm" "canary" {
  alarm_name          = "${var.prefix}-canary"
  alarm_description   = "A critical journey failed in 2 of the last 3 canary runs (NFR-MON-003)."
  namespace           = "CloudWatchSynthetics"
  metric_name         = "SuccessPercent"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 100
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  dimensions = {
    CanaryName = aws_synthetics_canary.journeys.name
  }
}
