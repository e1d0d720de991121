terraform {
  required_providers {
    # The External ID tenant's: the caller passes it, e.g.
    # providers = { azuread = azuread.external }, and main.tf checks that it
    # signs in to var.tenant_id.
    azuread = {
      source = "hashicorp/azuread"
    }
  }
}
