# The single table (ADR 0002): on demand, every key attribute a string, the
# GSIs the store queries, the TTL attribute, the stream the outbox publisher
# reads, encryption with the product's own key, point-in-time recovery and
# deletion protection.

locals {
  key_attributes = distinct(concat(
    [var.partition_key, var.sort_key],
    flatten([for index in var.indexes : [index.partition_key, index.sort_key]]),
  ))
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.partition_key
  range_key                   = var.sort_key
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = true
  stream_view_type            = var.stream_view_type

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = { for index in var.indexes : index.name => index }
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.partition_key
      range_key       = global_secondary_index.value.sort_key
      projection_type = "ALL"
    }
  }

  ttl {
    attribute_name = var.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = var.point_in_time_recovery_days
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  lifecycle {
    prevent_destroy = true
  }
}
