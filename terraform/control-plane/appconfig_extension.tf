# The AWS AppConfig Agent Lambda extension, added as a layer to the functions
# that read the flag catalog (ADR 0032). AWS publishes it per region and
# architecture; these are the arm64 layers of extension version 2.0.17054.0
# for every region an environment may use (terraform/envs/variables.tf),
# from the AppConfig user guide ("Understanding available versions of the
# AWS AppConfig Agent Lambda extension", ARM64 platform).
locals {
  appconfig_extension_layers = {
    "ap-northeast-1" = "arn:aws:lambda:ap-northeast-1:980059726660:layer:AWS-AppConfig-Extension-Arm64:225"
    "ap-northeast-3" = "arn:aws:lambda:ap-northeast-3:706869817123:layer:AWS-AppConfig-Extension-Arm64:187"
    "eu-central-1"   = "arn:aws:lambda:eu-central-1:066940009817:layer:AWS-AppConfig-Extension-Arm64:238"
    "eu-west-1"      = "arn:aws:lambda:eu-west-1:434848589818:layer:AWS-AppConfig-Extension-Arm64:241"
    "eu-west-3"      = "arn:aws:lambda:eu-west-3:493207061005:layer:AWS-AppConfig-Extension-Arm64:192"
    "eu-north-1"     = "arn:aws:lambda:eu-north-1:646970417810:layer:AWS-AppConfig-Extension-Arm64:226"
    "eu-south-1"     = "arn:aws:lambda:eu-south-1:203683718741:layer:AWS-AppConfig-Extension-Arm64:177"
    "eu-south-2"     = "arn:aws:lambda:eu-south-2:586093569114:layer:AWS-AppConfig-Extension-Arm64:175"
  }
  # A region without a layer gets a placeholder of the ARN's shape, so that the
  # precondition below names the region instead of an index error.
  appconfig_extension_layer_arn = coalesce(var.appconfig_extension_layer_arn, lookup(local.appconfig_extension_layers, var.region, "arn:aws:lambda:none:0:layer:none:0"))
  # arn:aws:lambda:<region>:<account>:layer:<name>:<version>
  appconfig_extension_layer = split(":", local.appconfig_extension_layer_arn)
}

# Read at plan time: an ARN of another region, or one that names no layer
# version (a typo, a withdrawn version), fails the plan instead of the
# functions' update.
data "aws_lambda_layer_version" "appconfig_extension" {
  layer_name = join(":", slice(local.appconfig_extension_layer, 0, 7))
  version    = tonumber(local.appconfig_extension_layer[7])

  lifecycle {
    precondition {
      condition     = local.appconfig_extension_layer[3] == var.region
      error_message = "No AppConfig extension layer for ${var.region}: set var.appconfig_extension_layer_arn to the region's arm64 layer, or add the region to local.appconfig_extension_layers."
    }
  }
}
