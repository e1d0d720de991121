# Applied once in each environment's account (sandbox, nonprod, prod) by a
# person with administrator access there: the roles terraform runs as. The
# same roles exist in every account; who may assume them differs (seed 004,
# 1.4.1): only that environment's pipeline identities in the state account
# and the listed people.

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
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = {
      product     = "saas-control-plane"
      managed-by  = "terraform"
      part        = "bootstrap-account"
      environment = var.environment
    }
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = {
    cp-deploy = "arn:aws:iam::${var.state_account_id}:role/cp-github-${var.environment}"
    cp-plan   = "arn:aws:iam::${var.state_account_id}:role/cp-github-${var.environment}-plan"
  }

  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = concat([each.value], var.admin_principals)
    }
  }
}

# Plans: read everything, change nothing.
resource "aws_iam_role" "plan" {
  name               = "cp-plan"
  description        = "terraform plan of the control plane: read only."
  assume_role_policy = data.aws_iam_policy_document.trust["cp-plan"].json
}

resource "aws_iam_role_policy_attachment" "plan" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# Applies: the services the control plane is made of; IAM only for roles and
# policies named cp-* (the functions', CodeDeploy's, the canary's, ...).
data "aws_iam_policy_document" "deploy" {
  #checkov:skip=CKV_AWS_107:The deploy role creates the product's roles; it may pass only cp-* roles.
  #checkov:skip=CKV_AWS_108:terraform reads back what it manages (data exfiltration is bounded by the account holding only this product).
  #checkov:skip=CKV_AWS_109:Key policies of the product's keys are managed by terraform; IAM changes are limited to cp-* names.
  #checkov:skip=CKV_AWS_110:Privilege escalation is bounded: IAM writes only on cp-* roles and policies.
  #checkov:skip=CKV_AWS_111:terraform creates the product's resources, whose ARNs do not exist before the apply.
  #checkov:skip=CKV_AWS_356:The deploy role creates these resources; their ARNs do not exist before the apply.
  #checkov:skip=CKV2_AWS_40:Full IAM is limited to cp-* roles and policies.
  statement {
    sid = "ProductServices"
    actions = [
      "apigateway:*", "backup:*", "backup-storage:*", "chatbot:*", "cloudfront:*", "cloudwatch:*",
      "codedeploy:*", "dynamodb:*", "events:*", "kms:*", "lambda:*", "logs:*", "s3:*", "ses:*",
      "sns:*", "sqs:*", "synthetics:*", "wafv2:*", "xray:*", "tag:GetResources",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ProductRoles"
    actions   = ["iam:*"]
    resources = ["arn:aws:iam::${var.account_id}:role/cp-*", "arn:aws:iam::${var.account_id}:policy/cp-*"]
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:aws:iam::${var.account_id}:role/aws-service-role/*"]
  }

  statement {
    sid       = "ReadIam"
    actions   = ["iam:Get*", "iam:List*"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadReleaseArtifacts"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:aws:s3:::cp-artifacts-${var.state_account_id}-*/functions/*"]
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "cp-deploy"
  description          = "terraform apply and traffic shifting of the control plane."
  assume_role_policy   = data.aws_iam_policy_document.trust["cp-deploy"].json
  max_session_duration = 7200
}

resource "aws_iam_role_policy" "deploy" {
  name   = "control-plane"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
