# The workforce side of sign-in, in the same apply as AWS: the control
# plane's app registration in the company's Entra ID tenant, with the app
# roles people are assigned (Operator, Auditor, Developer).
#
# The control plane is its own OpenID Provider (doc/adr/0042): its API and
# its console take only the tokens it issues. This registration is the
# control plane's confidential web client when it sends staff to sign in
# here; Entra ID puts an app's roles in the ID tokens of sign-ins to that
# app, so the roles and their assignments live on this one registration.

data "azuread_client_config" "current" {}

resource "random_uuid" "app_role" {
  for_each = var.app_roles
}

# Microsoft Graph's well-known client id: its delegated openid, profile and
# email are what the broker asks for.
locals {
  microsoft_graph = "00000003-0000-0000-c000-000000000000"
  sign_in_scopes  = ["openid", "profile", "email"]
}

data "azuread_service_principal" "graph" {
  client_id = local.microsoft_graph
}

resource "azuread_application" "api" {
  display_name     = "${var.name} API"
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]

  # What the broker reads from the ID tokens it redeems beyond the
  # defaults: the email (verified when xms_edov says so) and when the person
  # authenticated. roles needs no claim: an app's roles are in its ID tokens.
  optional_claims {
    id_token {
      name = "auth_time"
    }
    id_token {
      name = "email"
    }
    id_token {
      name = "xms_edov"
    }
  }

  # The broker's callback (oauth-authorize, GET /oauth2/callback): the
  # authorization code flow with PKCE and the password below; no implicit
  # grant. The page the directory returns to after a logout
  # (GET /oauth2/logged-out) must be a redirect URI too.
  web {
    redirect_uris = [var.broker_redirect_uri, replace(var.broker_redirect_uri, "/oauth2/callback", "/oauth2/logged-out")]
  }

  required_resource_access {
    resource_app_id = local.microsoft_graph

    dynamic "resource_access" {
      for_each = local.sign_in_scopes
      content {
        id   = data.azuread_service_principal.graph.oauth2_permission_scope_ids[resource_access.value]
        type = "Scope"
      }
    }
  }

  dynamic "app_role" {
    for_each = var.app_roles
    content {
      id                   = random_uuid.app_role[app_role.key].result
      value                = app_role.key
      display_name         = app_role.key
      description          = app_role.value
      allowed_member_types = ["User"]
      enabled              = true
    }
  }
}

# The broker's client secret. The end date is set when the password is made
# (ignore_changes keeps later plans from replacing it); rotating is replacing
# it: `terraform apply -replace=<address>` (README). The new one exists before
# the old one is removed.
resource "azuread_application_password" "broker" {
  application_id = azuread_application.api.id
  display_name   = "control plane sign-in broker"
  end_date       = timeadd(plantimestamp(), "${var.client_secret_days * 24}h")

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [end_date]
  }
}

# Only people assigned one of the roles may sign in here.
resource "azuread_service_principal" "api" {
  client_id                    = azuread_application.api.client_id
  app_role_assignment_required = true
  owners                       = [data.azuread_client_config.current.object_id]
}

# Admin consent: the broker may sign anyone assigned a role in with openid,
# profile and email, also where people may not consent themselves.
resource "azuread_service_principal_delegated_permission_grant" "broker" {
  service_principal_object_id          = azuread_service_principal.api.object_id
  resource_service_principal_object_id = data.azuread_service_principal.graph.object_id
  claim_values                         = local.sign_in_scopes
}
