# AWS WAF on the distribution. A CloudFront-scoped web ACL exists only in
# us-east-1: this is the one resource of the product outside Japan and the EU.
# It holds rules, not data; WAF's request logging stays off because its logs
# would have to live there too and carry client IP addresses (ADR 0020).

resource "aws_wafv2_web_acl" "this" {
  #checkov:skip=CKV2_AWS_31:No WAF request logs: for CloudFront they live in us-east-1 and hold client IPs, against NFR-DATA-001; metrics and sampled requests are kept (ADR 0020).
  provider = aws.us_east_1

  name        = "${var.name}-edge"
  description = "Managed rule groups and a rate limit per client address."
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = var.managed_rule_groups
    content {
      name     = rule.value.name
      priority = rule.value.priority

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.value.name

          dynamic "rule_action_override" {
            for_each = rule.value.count_only
            content {
              name = rule_action_override.value
              action_to_use {
                count {}
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.value.name
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "rate-per-address"
    priority = 100

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.rate_limit_per_5_minutes
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-per-address"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-edge"
    sampled_requests_enabled   = true
  }
}
