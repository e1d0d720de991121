terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws.us_east_1: a CloudFront web ACL (and a CloudFront certificate)
      # exists only in us-east-1 (ADR 0020).
      configuration_aliases = [aws.us_east_1]
    }
  }
}
