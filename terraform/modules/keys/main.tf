# The KMS keys of terraform/resources.json, one per entry, each with an alias.
# Symmetric keys may be used by the AWS services that encrypt the product's
# data at rest for it (EventBridge into encrypted queues and the archive,
# CloudWatch Logs, CloudWatch alarms into the encrypted SNS topic); every other
# use is granted to IAM roles by their own policies.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
}

resource "aws_kms_key" "this" {
  for_each = var.keys

  description              = each.value.description
  key_usage                = each.value.usage
  customer_master_key_spec = each.value.spec
  # Only symmetric encryption keys rotate automatically.
  enable_key_rotation     = each.value.spec == "SYMMETRIC_DEFAULT" ? each.value.rotation : false
  deletion_window_in_days = var.deletion_window_days
  policy                  = data.aws_iam_policy_document.key[each.key].json
}

resource "aws_kms_alias" "this" {
  for_each = var.keys

  name          = "alias/${var.prefix}-${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*"); administration is delegated to IAM in this account only.
  #checkov:skip=CKV_AWS_111:As above: "*" in a key policy means this key, not every resource.
  #checkov:skip=CKV_AWS_356:As above: "*" in a key policy means this key, not every resource.
  for_each = var.keys

  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  dynamic "statement" {
    for_each = each.value.usage == "ENCRYPT_DECRYPT" && length(var.service_principals) > 0 ? [1] : []
    content {
      sid       = "ServicesEncryptForThisAccount"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = var.service_principals
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.usage == "ENCRYPT_DECRYPT" ? [1] : []
    content {
      sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }
      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:*"]
      }
    }
  }
}
