output "configuration_arn" {
  description = "The ARN functions are granted appconfig:StartConfigurationSession and GetLatestConfiguration on."
  value       = "arn:${data.aws_partition.current.partition}:appconfig:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:application/${aws_appconfig_application.this.id}/environment/${aws_appconfig_environment.this.environment_id}/configuration/${aws_appconfig_configuration_profile.this.configuration_profile_id}"
}

output "extension_path" {
  description = "The configuration's path at the AppConfig Lambda extension (after http://localhost:2772)."
  value       = "/applications/${aws_appconfig_application.this.name}/environments/${aws_appconfig_environment.this.name}/configurations/${aws_appconfig_configuration_profile.this.name}"
}
