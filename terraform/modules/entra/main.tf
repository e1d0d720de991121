# The Entra ID side of sign-in, in the same apply as AWS: the API's app
# registration with the app roles people are assigned (Operator, Auditor,
# Developer) and a delegated scope, and the console's SPA registration that
# asks for that scope. API Gateway's authorizer trusts tokens issued for the
# API app (v2 tokens: aud is its client id).
#
# The API app is also the control plane's confidential web client when it
# brokers people's sign-in as an OpenID Provider (doc/adr/0042): the roles
# are the API app's, and Entra ID puts an app's roles in the ID tokens of
# sign-ins to that app, so one registration (and one set of assignments)
# gives the broker the roles. A separate registration would need the roles
# and every person's assignment twice.

data "azuread_client_config" "current" {}

resource "random_uuid" "app_role" {
  for_each = var.app_roles
}

resource "random_uuid" "scope" {}

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

  api {
    requested_access_token_version = 2

    oauth2_permission_scope {
      id                         = random_uuid.scope.result
      value                      = "access_as_user"
      type                       = "User"
      enabled                    = true
      admin_consent_display_name = "Use the control plane"
      admin_consent_description  = "The console calls the control plane's API as the signed-in person."
      user_consent_display_name  = "Use the control plane"
      user_consent_description   = "The console calls the control plane's API as you."
    }
  }

  # What the control plane reads from people's access tokens beyond the
  # defaults: the sign-in session and its time (FR-AUTH-005: one session
  # record per sign-in; a revocation also refuses tokens refreshed from an
  # earlier sign-in), and the verified email that accepts an invitation.
  optional_claims {
    access_token {
      name = "sid"
    }
    access_token {
      name = "auth_time"
    }
    access_token {
      name = "email"
    }
    access_token {
      name = "xms_edov"
    }
    # The same in the ID tokens the broker redeems: the email (verified when
    # xms_edov says so) and when the person authenticated. roles needs no
    # claim: an app's roles are in its ID tokens.
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

resource "azuread_application_identifier_uri" "api" {
  application_id = azuread_application.api.id
  identifier_uri = "api://${azuread_application.api.client_id}"
}

# Only people assigned one of the roles get a token for the API.
resource "azuread_service_principal" "api" {
  client_id                    = azuread_application.api.client_id
  app_role_assignment_required = true
  owners                       = [data.azuread_client_config.current.object_id]
}

resource "azuread_application" "console" {
  display_name     = "${var.name} console"
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]

  single_page_application {
    redirect_uris = var.console_redirect_uris
  }

  required_resource_access {
    resource_app_id = azuread_application.api.client_id

    resource_access {
      id   = random_uuid.scope.result
      type = "Scope"
    }
  }
}

resource "azuread_service_principal" "console" {
  client_id = azuread_application.console.client_id
  owners    = [data.azuread_client_config.current.object_id]
}

# Admin consent: the console may ask for the API's scope for everyone.
resource "azuread_service_principal_delegated_permission_grant" "console" {
  service_principal_object_id          = azuread_service_principal.console.object_id
  resource_service_principal_object_id = azuread_service_principal.api.object_id
  claim_values                         = ["access_as_user"]
}

# Admin consent: the broker may sign anyone assigned a role in with openid,
# profile and email, also where people may not consent themselves.
resource "azuread_service_principal_delegated_permission_grant" "broker" {
  service_principal_object_id          = azuread_service_principal.api.object_id
  resource_service_principal_object_id = data.azuread_service_principal.graph.object_id
  claim_values                         = local.sign_in_scopes
}
