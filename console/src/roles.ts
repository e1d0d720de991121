import type { Me } from "./types";

/**
 * What the signed-in person may do, mirroring the API's own rule
 * (`Principal::has_scope` in shared/domain/src/authz.rs). The API is the
 * protection; this only keeps the console from offering what it would
 * refuse.
 */
export interface Capabilities {
  /** See every tenant (the list); a tenant user sees only their own. */
  tenantsRead: boolean;
  /** Provision, suspend, resume, delete, restore, enable applications. */
  tenantsWrite: boolean;
  appsRead: boolean;
  /** Register and change applications, issue and revoke secrets. */
  appsWrite: boolean;
  health: boolean;
  /** Designate the application that reads the billing feed (`billing:administer`). */
  billingAdminister: boolean;
  audit: boolean;
  /** Export audit records as CSV: whoever may read them (`audit:read`). */
  exportAudit: boolean;
  /** A tenant's members, invitations and settings (`members:manage`: Owner, Administrator). */
  members: boolean;
  /** Act on Owners and grant Owner (an Administrator may not). */
  manageOwners: boolean;
  /** The tenant's plan and SSO (`tenant:configure`: Owner). */
  tenantConfigure: boolean;
  /** One's own sign-in sessions (any tenant user). */
  ownSessions: boolean;
  /** A tenant user's own tenant, if any. */
  ownTenant?: string;
}

export const NONE: Capabilities = {
  tenantsRead: false,
  tenantsWrite: false,
  appsRead: false,
  appsWrite: false,
  health: false,
  billingAdminister: false,
  audit: false,
  exportAudit: false,
  members: false,
  manageOwners: false,
  tenantConfigure: false,
  ownSessions: false,
};

export function capabilities(me: Me): Capabilities {
  if (me.kind === "tenant_user") {
    const owner = me.role === "Owner";
    return {
      ...NONE,
      audit: owner,
      exportAudit: owner,
      members: owner || me.role === "Administrator",
      manageOwners: owner,
      tenantConfigure: owner,
      ownSessions: true,
      ownTenant: me.tenant_id,
    };
  }
  const has = (role: string) => me.roles.includes(role as never);
  const operator = has("Operator");
  const auditor = has("Auditor");
  const developer = has("Developer");
  return {
    tenantsRead: operator || auditor,
    tenantsWrite: operator,
    appsRead: operator || auditor || developer,
    appsWrite: operator || developer,
    health: operator,
    billingAdminister: operator,
    audit: operator || auditor,
    exportAudit: operator || auditor,
    members: false,
    manageOwners: false,
    tenantConfigure: false,
    ownSessions: false,
  };
}
