# Every environment is this one root: state in the state account's bucket
# (S3 lock file), resources in the environment's own account through its
# deploy role. What differs per environment is <env>.backend.hcl and
# <env>.tfvars beside these files.
terraform {
  required_version = ">= 1.10"

  # bucket, key, region and the state role come from <env>.backend.hcl:
  #   terraform init -reconfigure -backend-config=<env>.backend.hcl
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
