import { capabilities } from "./roles";

describe("capabilities mirror the API's scopes", () => {
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
});
