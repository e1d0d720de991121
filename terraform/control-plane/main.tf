# The whole control plane of one environment, built from the two definitions
# the local stack reads too:
#   functions/functions.json  every function: trigger, size, environment, permissions
#   terraform/resources.json  table, bus, queues, rules, keys, email sender
# Nothing here lists functions or routes by hand: a new entry in
# functions.json (and its crate) is built, deployed, routed, permissioned and
# alarmed by the next apply.

locals {
  definition = jsondecode(file("${path.module}/../../functions/functions.json"))
  resources  = jsondecode(file("${path.module}/../resources.json"))
  functions  = local.definition.functions

  prefix     = "cp-${var.environment}"
  alias_name = "live"

  function_names = { for name in keys(local.functions) : name => "${local.prefix}-${name}" }

  email_sender = coalesce(var.email_sender, local.resources.email.sender)
  public_url   = module.edge.public_url

  # Every token the API accepts, people's and managed applications': issued
  # by the control plane at its public URL, for the audience of
  # resources.json, signed by its key.
  token_issuer      = coalesce(var.app_token_issuer, local.public_url)
  token_audience    = local.resources.tokens.audience
  token_signing_key = module.keys.arns[local.resources.tokens.signing_key]
  # A rotation's other keys, published in the JWKS without signing.
  token_published_keys = [for name in local.resources.tokens.published_keys : module.keys.arns[name]]

  # The control plane as an OpenID Provider (doc/adr/0042). Its own public
  # clients: the console and cpctl (the local stack's oauth_clients).
  oauth_clients = {
    console = {
      client_type               = "public"
      redirect_uris             = ["${local.public_url}/callback"]
      post_logout_redirect_uris = ["${local.public_url}/"]
    }
    cpctl = {
      client_type   = "public"
      redirect_uris = ["http://127.0.0.1/callback"]
    }
  }
  # Where the directories return people to: oauth-authorize sends
  # <TOKEN_ISSUER>/oauth2/callback (the public URL unless app_token_issuer
  # says otherwise), and both directories must know exactly that.
  broker_redirect_uri = "${trimsuffix(local.token_issuer, "/")}/oauth2/callback"
  # The directories people sign in at, the control plane's client secret at
  # each sealed with the data key (shared/aws/src/config_secret.rs).
  upstream_directories = {
    workforce = {
      issuer        = module.entra.issuer
      client_id     = module.entra.broker_client_id
      client_secret = aws_kms_ciphertext.workforce_client_secret.ciphertext_blob
    }
    customer = {
      issuer        = module.entra_external.issuer
      client_id     = module.entra_external.client_id
      client_secret = aws_kms_ciphertext.customer_client_secret.ciphertext_blob
    }
  }

  # The values of the environment variables functions.json may name (the
  # constants of shared/runtime/src/env.rs). A function gets only those its
  # entry lists.
  environment_values = {
    TABLE_NAME           = module.table.name
    EVENT_BUS_NAME       = module.events.bus_name
    EMAIL_FROM           = local.email_sender
    CONSOLE_URL          = local.public_url
    TOKEN_ISSUER         = local.token_issuer
    TOKEN_AUDIENCE       = local.token_audience
    TOKEN_SIGNING_KEY    = local.token_signing_key
    TOKEN_PUBLISHED_KEYS = join(",", local.token_published_keys)
    QUEUE_URLS           = jsonencode(module.events.queue_urls)
    KEY_IDS              = jsonencode(module.keys.arns)
    FLAG_CATALOG_URL     = "http://localhost:2772${module.flags.extension_path}"
    # The audit trail's signed digests (ADR 0029).
    AUDIT_DIGEST_BUCKET = module.buckets.names["audit-digests"]
    AUDIT_EXPORT_BUCKET = module.buckets.names["audit-exports"]
    AUDIT_DIGEST_KEY    = module.keys.arns["audit"]
    # Where the outbox publisher sets aside what the bus cannot take.
    OUTBOX_DEAD_LETTER_URL = module.events.outbox_dead_letter.url
    # The OpenID Provider's clients and upstream directories (doc/adr/0042).
    OAUTH_CLIENTS        = jsonencode(local.oauth_clients)
    UPSTREAM_DIRECTORIES = jsonencode(local.upstream_directories)
  }
  unknown_environment = distinct(flatten([
    for f in values(local.functions) : [for v in f.environment : v if !contains(keys(local.environment_values), v)]
  ]))

  # Every HTTP route, with its authorizer as the local gateway reads it: jwt
  # (Entra ID, the default), app (the control plane's application tokens) or
  # none.
  routes = flatten([
    for name, f in local.functions : [
      for route in try(f.trigger.routes, []) : {
        function   = name
        method     = route.method
        path       = route.path
        authorizer = try(route.authorizer, "jwt")
      }
    ] if f.trigger.type == "http"
  ])
  http_functions = toset([for route in local.routes : route.function])
}

data "aws_region" "current" {}
data "aws_partition" "current" {}

# Fails the plan, with a message saying where to look, when the definition
# asks for something this configuration does not know.
resource "terraform_data" "definition_checks" {
  input = sha256(jsonencode(local.definition))

  lifecycle {
    precondition {
      condition     = length(local.unknown_environment) == 0
      error_message = "functions.json names environment variables terraform has no value for: ${join(", ", local.unknown_environment)}. Add them to local.environment_values in terraform/control-plane/main.tf."
    }
    precondition {
      condition     = data.aws_region.current.region == var.region
      error_message = "The AWS provider's region differs from var.region."
    }
  }
}

# --- data -------------------------------------------------------------------------

module "keys" {
  source = "../modules/keys"

  prefix = local.prefix
  keys   = local.resources.keys
  service_principals = [
    "events.amazonaws.com",     # into encrypted queues and the archive
    "cloudwatch.amazonaws.com", # alarms into the encrypted topic
    "backup.amazonaws.com",     # backup job notifications into the encrypted topic
  ]
}

module "buckets" {
  source = "../modules/buckets"

  prefix      = local.prefix
  buckets     = try(local.resources.buckets, {})
  kms_key_arn = local.data_key_arn
}

module "table" {
  source = "../modules/table"

  name                = "${local.prefix}-${local.resources.table.name}"
  partition_key       = local.resources.table.partition_key
  sort_key            = local.resources.table.sort_key
  indexes             = local.resources.table.indexes
  ttl_attribute       = local.resources.table.ttl_attribute
  stream_view_type    = local.resources.table.stream_view_type
  kms_key_arn         = module.keys.arns[local.resources.table.encryption_key]
  deletion_protection = var.table_deletion_protection
}

module "events" {
  source = "../modules/events"

  prefix                 = local.prefix
  bus                    = local.resources.bus
  queues                 = local.resources.queues
  outbox                 = local.resources.outbox
  rules                  = local.resources.rules
  kms_key_arns           = module.keys.arns
  archive_kms_key_arn    = local.data_key_arn
  archive_retention_days = var.event_archive_retention_days
}

module "flags" {
  source = "../modules/flags"

  name        = "${local.prefix}-${local.resources.flags.application}"
  environment = local.resources.flags.environment
  profile     = local.resources.flags.profile
  catalog     = file("${path.module}/../../${local.resources.flags.catalog}")
}

module "email" {
  source = "../modules/email"

  name   = local.prefix
  domain = split("@", local.email_sender)[1]
}

module "backup" {
  source = "../modules/backup"

  prefix                 = local.prefix
  table_arn              = module.table.arn
  kms_key_arn            = local.data_key_arn
  retention_days         = var.backup_retention_days
  copy_vault_arn         = var.backup_copy_vault_arn
  vault_lock             = var.backup_vault_lock
  notification_topic_arn = module.observability.topic_arn
}

# --- functions ----------------------------------------------------------------------

resource "aws_codedeploy_app" "functions" {
  name             = local.prefix
  compute_platform = "Lambda"
}

data "aws_iam_policy_document" "codedeploy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "codedeploy" {
  name               = "${local.prefix}-codedeploy"
  description        = "CodeDeploy moves the functions' aliases and reads their alarms."
  assume_role_policy = data.aws_iam_policy_document.codedeploy_assume.json
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  role       = aws_iam_role.codedeploy.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
}

module "function" {
  source   = "../modules/function"
  for_each = local.functions

  name          = each.key
  function_name = local.function_names[each.key]
  description   = each.value.description
  memory_mb     = each.value.memory_mb
  timeout_s     = each.value.timeout_s
  trigger       = each.value.trigger
  permissions   = each.value.permissions
  environment   = { for v in each.value.environment : v => lookup(local.environment_values, v, "") }
  # Functions that read the flag catalog get the AppConfig extension (ADR 0032).
  layers                = contains(keys(each.value.permissions), "flags") ? [data.aws_lambda_layer_version.appconfig_extension.arn] : []
  extension_environment = contains(keys(each.value.permissions), "flags") ? { AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS = tostring(local.resources.flags.poll_interval_s) } : {}

  resource_arns   = local.resource_arns
  resource_keys   = local.resource_keys
  trigger_sources = local.trigger_sources

  artifact_bucket          = var.artifact_bucket
  artifact_key             = "functions/${var.release}/${each.key}.zip"
  log_retention_days       = var.log_retention_days
  log_kms_key_arn          = local.data_key_arn
  alias_name               = local.alias_name
  reserved_concurrency     = try(each.value.reserved_concurrency, -1)
  permissions_boundary_arn = var.permissions_boundary_arn

  codedeploy_app_name    = aws_codedeploy_app.functions.name
  codedeploy_role_arn    = aws_iam_role.codedeploy.arn
  deployment_config_name = var.deployment_config_name
  rollback_alarm_names   = module.observability.rollback_alarm_names[each.key]
}

# --- the way in -------------------------------------------------------------------------

module "entra" {
  source = "../modules/entra"

  name                = "Control plane (${var.environment})"
  broker_redirect_uri = local.broker_redirect_uri
}

# Customers' people sign in at the environment's External ID tenant, through
# its own provider configuration.
module "entra_external" {
  source = "../modules/entra-external"
  providers = {
    azuread = azuread.external
  }

  tenant_id    = var.external_id_tenant_id
  subdomain    = var.external_id_subdomain
  name         = "Control plane (${var.environment})"
  redirect_uri = local.broker_redirect_uri
}

# The control plane's client secrets at the directories, as oauth-authorize
# reads them: KMS ciphertext of the data key (which it may decrypt), bound
# by the encryption context to this one use. The plaintext is in the state
# as well (modules/entra/README.md); rotating is replacing the application
# password, which seals again.
resource "aws_kms_ciphertext" "workforce_client_secret" {
  key_id    = local.data_key_arn
  plaintext = module.entra.broker_client_secret
  context = {
    purpose = "upstream-client-secret"
  }
}

resource "aws_kms_ciphertext" "customer_client_secret" {
  key_id    = local.data_key_arn
  plaintext = module.entra_external.client_secret
  context = {
    purpose = "upstream-client-secret"
  }
}

module "api" {
  source = "../modules/api"

  name   = local.prefix
  routes = local.routes
  functions = {
    for name in local.http_functions : name => {
      function_name    = module.function[name].function_name
      alias_name       = module.function[name].alias_name
      alias_invoke_arn = module.function[name].alias_invoke_arn
    }
  }
  token_issuer           = local.token_issuer
  token_audiences        = [local.token_audience]
  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  log_retention_days     = var.log_retention_days
  log_kms_key_arn        = local.data_key_arn
}

module "edge" {
  source = "../modules/edge"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                     = local.prefix
  api_endpoint             = module.api.endpoint
  domain_names             = var.domain_names
  certificate_arn          = var.certificate_arn
  rate_limit_per_5_minutes = var.waf_rate_limit_per_5_minutes

  console_config = {
    authority = local.token_issuer
    client_id = "console"
    scope     = "openid profile email"
  }
}

# --- operations ---------------------------------------------------------------------------

module "observability" {
  source = "../modules/observability"

  prefix = local.prefix
  region = var.region
  functions = {
    for name, f in local.functions : name => {
      function_name = local.function_names[name]
      alias_name    = local.alias_name
      timeout_s     = f.timeout_s
      trigger_type  = f.trigger.type
    }
  }
  # Every dead-letter queue, the outbox's among them.
  dead_letter_queues = merge(
    module.events.dead_letter_queue_names,
    { outbox = module.events.outbox_dead_letter.name },
  )
  api_id             = module.api.id
  api_stage          = module.api.stage_name
  kms_key_arn        = local.data_key_arn
  alarm_emails       = var.alarm_emails
  pagerduty_endpoint = var.pagerduty_endpoint
  slack              = var.slack
  public_url         = local.public_url
  entra_issuer       = module.entra.issuer
  health_path        = var.health_path
}
