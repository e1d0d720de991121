# An environment: state in the state account's bucket (S3 lock file),
# resources in this environment's own account through its deploy role. The
# .tf files of every environment are identical (a test checks it); what
# differs is backend.hcl and terraform.tfvars.
terraform {
  required_version = ">= 1.10"

  # bucket, key, region and the state role come from backend.hcl:
  #   terraform init -backend-config=backend.hcl
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}
