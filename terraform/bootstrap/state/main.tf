# Applied once, in the state account, by a person (see doc/deployment.md):
# the state bucket (S3 lock files, no lock table), the bucket of immutable
# release artifacts, GitHub's OIDC provider, and per environment the roles
# the pipeline assumes. These roles can do nothing but read and write their
# environment's state and assume that environment's role in its own account:
# a nonprod identity can never reach prod (seed 004, 1.4.1).

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      product    = "saas-control-plane"
      managed-by = "terraform"
      part       = "bootstrap-state"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
  # Each environment's pipeline identities: plan (read only, any branch's
  # run in the <env>-plan GitHub environment) and apply (the protected
  # <env> GitHub environment).
  pipeline_roles = merge(
    { for env, acct in var.environments : "${env}-plan" => { env = env, account = acct, target_role = "cp-plan", github_environment = "${env}-plan" } },
    { for env, acct in var.environments : env => { env = env, account = acct, target_role = "cp-deploy", github_environment = env } },
  )
}

resource "aws_kms_key" "state" {
  description             = "Encrypts terraform state."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

# Administration and use are granted through IAM of this account (the state
# roles below); nobody outside it.
data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; administration is delegated to IAM in this account only.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself, not every resource.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself, not every resource.
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account}:root"]
    }
  }
}

# --- terraform state -------------------------------------------------------------

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access to state is recorded by CloudTrail data events of the state account.
  #checkov:skip=CKV_AWS_144:State is versioned; a replica in a second region is the organisation's choice.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to state writes.
  bucket = "cp-terraform-state-${local.account}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    bucket_key_enabled = true
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# --- release artifacts ------------------------------------------------------------

# Written once per commit, never overwritten (object lock), read by every
# environment's deploy role: the same bytes go to sandbox, nonprod and prod
# (CC-OPS-002).
resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Writes are the pipeline's, reads the deploy roles' (CloudTrail data events).
  #checkov:skip=CKV_AWS_144:Any release can be rebuilt from its commit; no cross-region replica.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256): the environments' accounts read the zips without a cross-account key grant; they hold no customer data.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new artifacts.
  bucket              = "cp-artifacts-${local.account}-${var.region}"
  object_lock_enabled = true

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.artifact_retention_days
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    id     = "expire-old-releases"
    status = "Enabled"
    filter {}
    expiration {
      days = var.artifact_retention_days + 1
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "artifacts" {
  statement {
    sid       = "EnvironmentsReadReleases"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.artifacts.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = [for acct in values(var.environments) : "arn:aws:iam::${acct}:role/cp-deploy"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"]
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

resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = data.aws_iam_policy_document.artifacts.json
}

# --- GitHub Actions identities -------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "pipeline_trust" {
  for_each = local.pipeline_roles

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:${each.value.github_environment}"]
    }
  }
}

resource "aws_iam_role" "pipeline" {
  for_each = local.pipeline_roles

  name                 = "cp-github-${each.key}"
  description          = "GitHub Actions, environment ${each.value.github_environment}: assumes ${each.value.target_role} in ${each.value.env} and its state role, nothing else."
  assume_role_policy   = data.aws_iam_policy_document.pipeline_trust[each.key].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "pipeline" {
  for_each = local.pipeline_roles

  statement {
    sid     = "AssumeEnvironmentRoles"
    actions = ["sts:AssumeRole", "sts:TagSession"]
    resources = [
      "arn:aws:iam::${each.value.account}:role/${each.value.target_role}",
      aws_iam_role.state[each.value.env].arn,
    ]
  }
}

resource "aws_iam_role_policy" "pipeline" {
  for_each = local.pipeline_roles

  name   = "assume-only"
  role   = aws_iam_role.pipeline[each.key].id
  policy = data.aws_iam_policy_document.pipeline[each.key].json
}

# The release job (main branch and tags) uploads artifacts; it cannot deploy.
data "aws_iam_policy_document" "release_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:release"]
    }
  }
}

resource "aws_iam_role" "release" {
  name               = "cp-github-release"
  description        = "GitHub Actions, environment release: uploads a commit's artifacts once."
  assume_role_policy = data.aws_iam_policy_document.release_trust.json
}

data "aws_iam_policy_document" "release" {
  statement {
    sid       = "UploadNewReleases"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.artifacts.arn}/functions/*", "${aws_s3_bucket.artifacts.arn}/sbom/*"]
  }
}

resource "aws_iam_role_policy" "release" {
  name   = "upload-artifacts"
  role   = aws_iam_role.release.id
  policy = data.aws_iam_policy_document.release.json
}

# --- state roles: one environment's state each ------------------------------------------

data "aws_iam_policy_document" "state_trust" {
  for_each = var.environments

  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type = "AWS"
      identifiers = concat(
        [aws_iam_role.pipeline[each.key].arn, aws_iam_role.pipeline["${each.key}-plan"].arn],
        var.state_admin_principals,
      )
    }
  }
}

resource "aws_iam_role" "state" {
  for_each = var.environments

  name               = "cp-state-${each.key}"
  description        = "Reads and writes the ${each.key} environment's terraform state and its lock file."
  assume_role_policy = data.aws_iam_policy_document.state_trust[each.key].json
}

data "aws_iam_policy_document" "state" {
  for_each = var.environments

  statement {
    sid       = "ListOwnState"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["control-plane/${each.key}.tfstate*"]
    }
  }

  statement {
    sid       = "OwnStateAndLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/control-plane/${each.key}.tfstate", "${aws_s3_bucket.state.arn}/control-plane/${each.key}.tfstate.tflock"]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role_policy" "state" {
  for_each = var.environments

  name   = "own-state"
  role   = aws_iam_role.state[each.key].id
  policy = data.aws_iam_policy_document.state[each.key].json
}
