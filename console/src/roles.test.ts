import { capabilities } from "./roles";

describe("capabilities mirror the API's scopes", () => {
  it("whoever may read audit records may export them (audit:read): platform people and a tenant's Owner", () => {
    const platform = (role: "Operator" | "Auditor" | "Developer") =>
      capabilities({ kind: "platform", user_id: "u", roles: [role] }).exportAudit;
    const tenant = (role: "Owner" | "Administrator" | "User") =>
      capabilities({ kind: "tenant_user", user_id: "u", tenant_id: "t", role }).exportAudit;
    expect([platform("Operator"), platform("Auditor"), platform("Developer")]).toEqual([true, true, false]);
    expect([tenant("Owner"), tenant("Administrator"), tenant("User")]).toEqual([true, false, false]);
  });

  it("an operator may do everything", () => {
    const c = capabilities({ kind: "platform", user_id: "u", roles: ["Operator"] });
    expect(c).toMatchObject({ tenantsRead: true, tenantsWrite: true, appsWrite: true, health: true, audit: true });
  });

  it("an auditor reads tenants, applications and audit records, and changes nothing", () => {
    const c = capabilities({ kind: "platform", user_id: "u", roles: ["Auditor"] });
    expect(c).toMatchObject({ tenantsRead: true, tenantsWrite: false, appsRead: true, appsWrite: false, health: false, audit: true });
  });

  it("a developer manages applications only", () => {
    const c = capabilities({ kind: "platform", user_id: "u", roles: ["Developer"] });
    expect(c).toMatchObject({ tenantsRead: false, tenantsWrite: false, appsRead: true, appsWrite: true, health: false, audit: false });
  });

  it("a tenant Owner reads their tenant's audit trail; an Administrator does not", () => {
    const owner = capabilities({ kind: "tenant_user", user_id: "u", tenant_id: "t", role: "Owner" });
    expect(owner).toMatchObject({ audit: true, tenantsRead: false, ownTenant: "t" });
    const admin = capabilities({ kind: "tenant_user", user_id: "u", tenant_id: "t", role: "Administrator" });
    expect(admin.audit).toBe(false);
  });

  it("an Owner manages members, Owners, the plan and SSO; an Administrator members only; a User their sessions", () => {
    const of = (role: "Owner" | "Administrator" | "User") =>
      capabilities({ kind: "tenant_user", user_id: "u", tenant_id: "t", role });
    expect(of("Owner")).toMatchObject({ members: true, manageOwners: true, tenantConfigure: true, ownSessions: true });
    expect(of("Administrator")).toMatchObject({ members: true, manageOwners: false, tenantConfigure: false, ownSessions: true });
    expect(of("User")).toMatchObject({ members: false, manageOwners: false, tenantConfigure: false, ownSessions: true });
  });

  it("no platform role administers a tenant's members (the API leaves that to the tenant)", () => {
    const c = capabilities({ kind: "platform", user_id: "u", roles: ["Operator", "Auditor", "Developer"] });
    expect(c).toMatchObject({ members: false, tenantConfigure: false, ownSessions: false });
  });
});
