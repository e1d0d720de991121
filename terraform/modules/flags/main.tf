# The feature flag catalog (FR-FLAG-001/002) as AWS AppConfig freeform
# configuration: one application with one environment, a hosted profile, and
# each catalog change published as a new version and deployed (ADR 0032).
# Functions read the deployed version through the AppConfig Lambda extension.

resource "aws_appconfig_application" "this" {
  name        = var.name
  description = "The control plane's feature flag catalog."
}

resource "aws_appconfig_environment" "this" {
  name           = var.environment
  description    = "Where the control plane's functions read the catalog."
  application_id = aws_appconfig_application.this.id
}

resource "aws_appconfig_configuration_profile" "this" {
  name           = var.profile
  description    = "Every flag: key, type, description and a default per plan."
  application_id = aws_appconfig_application.this.id
  location_uri   = "hosted"
  type           = "AWS.Freeform"
}

resource "aws_appconfig_hosted_configuration_version" "this" {
  application_id           = aws_appconfig_application.this.id
  configuration_profile_id = aws_appconfig_configuration_profile.this.configuration_profile_id
  description              = "flags/catalog.json at this release."
  content_type             = "application/json"
  content                  = var.catalog
}

# The catalog is small and read as a whole: deploy it at once, and watch for
# ten minutes (the extension rolls back nothing itself; AppConfig does on an
# alarm when one is configured).
resource "aws_appconfig_deployment_strategy" "this" {
  name                           = "${var.name}-all-at-once"
  description                    = "The flag catalog: all at once, then baked."
  deployment_duration_in_minutes = 0
  growth_factor                  = 100
  final_bake_time_in_minutes     = var.bake_minutes
  replicate_to                   = "NONE"
}

resource "aws_appconfig_deployment" "this" {
  application_id           = aws_appconfig_application.this.id
  environment_id           = aws_appconfig_environment.this.environment_id
  configuration_profile_id = aws_appconfig_configuration_profile.this.configuration_profile_id
  configuration_version    = aws_appconfig_hosted_configuration_version.this.version_number
  deployment_strategy_id   = aws_appconfig_deployment_strategy.this.id
  description              = "The catalog of this release."
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
