# The S3 buckets of terraform/resources.json. Every bucket is private,
# versioned, encrypted with the given KMS key and reachable over TLS only. A
# bucket with `object_lock` keeps every object version unchangeable for its
# retention (COMPLIANCE: nobody, root included, can shorten it); its
# lifecycle rule removes versions once retention has passed.

locals {
  locked   = { for name, b in var.buckets : name => b if b.object_lock != null }
  expiring = { for name, b in var.buckets : name => b if b.expire_after_days != null }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logging of the digest bucket would be a second bucket of logs about immutable objects; CloudTrail data events cover reads where needed.
  #checkov:skip=CKV_AWS_144:Cross-region replication is left to the account's backup plan; Object Lock already prevents change and deletion.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new objects; event notifications are not needed.
  for_each = var.buckets

  bucket              = "${var.prefix}-${each.key}"
  object_lock_enabled = each.value.object_lock != null
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = var.buckets

  bucket = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = var.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = var.buckets

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = var.buckets

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_object_lock_configuration" "this" {
  for_each = local.locked

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    default_retention {
      mode  = each.value.object_lock.mode
      years = each.value.object_lock.years
    }
  }
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.expiring

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    id     = "expire-after-retention"
    status = "Enabled"
    filter {}
    expiration {
      days = each.value.expire_after_days
    }
    noncurrent_version_expiration {
      noncurrent_days = each.value.expire_after_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  for_each = var.buckets

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this[each.key].arn,
      "${aws_s3_bucket.this[each.key].arn}/*",
    ]
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

resource "aws_s3_bucket_policy" "this" {
  for_each = var.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.tls_only[each.key].json
}
