terraform {
  # 1.10: the S3 backend's own lock file; variable validations that refer to
  # other variables (1.9).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = "~> 6.0"
      configuration_aliases = [aws.us_east_1]
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.0"
      # The default: the workforce tenant; azuread.external: the
      # environment's External ID tenant (modules/entra-external).
      configuration_aliases = [azuread.external]
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
