# The control plane's app registration in the environment's Microsoft Entra
# External ID tenant, where customers' people sign in (doc/adr/0042): a
# confidential web client of the broker (oauth-authorize), redirecting to
# its callback, with a client secret. The tenant, its user flow and the
# deploying identity's rights in it are made by hand once (README).

# Microsoft Graph's well-known client id: its delegated openid, profile and
# email are what the broker asks for.
locals {
  microsoft_graph = "00000003-0000-0000-c000-000000000000"
  sign_in_scopes  = ["openid", "profile", "email"]
}

data "azuread_client_config" "current" {}

data "azuread_service_principal" "graph" {
  client_id = local.microsoft_graph
}

resource "azuread_application" "control_plane" {
  display_name     = var.name
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]

  # The authorization code flow with PKCE and the password below; no
  # implicit grant. The page the directory returns to after a logout
  # (GET /oauth2/logged-out) must be a redirect URI too.
  web {
    redirect_uris = [var.redirect_uri, replace(var.redirect_uri, "/oauth2/callback", "/oauth2/logged-out")]
  }

  # The email people sign in with (xms_edov: External ID verified it with a
  # one-time code) and when they authenticated.
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

  lifecycle {
    # The workforce tenant's provider by mistake would register customers'
    # sign-in there.
    precondition {
      condition     = data.azuread_client_config.current.tenant_id == var.tenant_id
      error_message = "The azuread provider given to modules/entra-external signs in to another tenant than var.tenant_id; pass the External ID tenant's (providers = { azuread = azuread.external })."
    }
  }
}

# Anyone of the tenant may sign in: who is admitted to what is the control
# plane's decision.
resource "azuread_service_principal" "control_plane" {
  client_id = azuread_application.control_plane.client_id
  owners    = [data.azuread_client_config.current.object_id]
}

# Admin consent: customers' people are never asked to consent to openid,
# profile and email.
resource "azuread_service_principal_delegated_permission_grant" "control_plane" {
  service_principal_object_id          = azuread_service_principal.control_plane.object_id
  resource_service_principal_object_id = data.azuread_service_principal.graph.object_id
  claim_values                         = local.sign_in_scopes
}

# The end date is set when the password is made (ignore_changes keeps later
# plans from replacing it); rotating is replacing it (README). The new one
# exists before the old one is removed.
resource "azuread_application_password" "control_plane" {
  application_id = azuread_application.control_plane.id
  display_name   = "control plane sign-in broker"
  end_date       = timeadd(plantimestamp(), "${var.client_secret_days * 24}h")

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [end_date]
  }
}
