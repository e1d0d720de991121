locals {
  deploy_role_arn = "arn:aws:iam::${var.account_id}:role/${var.deploy_role_name}"
  tags = {
    product     = "saas-control-plane"
    environment = var.environment
    managed-by  = "terraform"
    repository  = var.repository
  }
}

# Credentials from the pipeline (GitHub OIDC, a role in the state account) or
# a person's session may do nothing but assume this account's deploy role.
provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  assume_role {
    role_arn     = local.deploy_role_arn
    session_name = "control-plane-${var.environment}"
  }

  default_tags {
    tags = local.tags
  }
}

# The one exception to the region rule: a CloudFront web ACL exists only in
# us-east-1 (ADR 0020). Only the edge module's WAF uses this provider; it
# stores rules, never customer data.
provider "aws" {
  alias               = "us_east_1"
  region              = "us-east-1"
  allowed_account_ids = [var.account_id]

  assume_role {
    role_arn     = local.deploy_role_arn
    session_name = "control-plane-${var.environment}"
  }

  default_tags {
    tags = local.tags
  }
}

# The workforce tenant; in the pipeline through OIDC (ARM_USE_OIDC,
# ARM_CLIENT_ID), locally through az login.
provider "azuread" {
  tenant_id = var.entra_tenant_id
}

# The environment's Microsoft Entra External ID tenant, where customers'
# people sign in (modules/entra-external). The same credentials as the
# workforce tenant's; the identity must be let into this tenant first
# (modules/entra-external/README.md).
provider "azuread" {
  alias     = "external"
  tenant_id = var.external_id_tenant_id
}
