import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Api } from "../api";
import { I18nProvider } from "../i18n";
import { capabilities } from "../roles";
import { Router } from "../router";
import { SessionContext } from "../session";
import type { Me, Tenant } from "../types";
import { TenantView } from "./TenantView";

const tenant: Tenant = {
  id: "t-1",
  name: "Acme",
  domain: "acme",
  plan: "Pro",
  status: "Active",
  created_at: "2026-11-23T08:00:00Z",
  updated_at: "2026-11-23T08:00:00Z",
  applications: [],
};

/** The API as the view uses it: answers for reads, a record of writes. */
function api(current: Tenant) {
  const calls: string[] = [];
  const fake = {
    tenant: async () => current,
    tenantApplications: async () => ({ items: [] }),
    applications: async () => ({ items: [] }),
    flags: async () => ({ tenant_id: current.id, plan: current.plan, catalog_version: "1", flags: [] }),
    deleteTenant: async (id: string, domain: string) => {
      calls.push(`delete ${id} ${domain}`);
      return { ...current, status: "PendingDeletion", purge_at: "2026-12-23T08:00:00Z" };
    },
  };
  return { api: fake as unknown as Api, calls };
}

function renderAs(me: Me, current: Tenant = tenant) {
  const fake = api(current);
  render(
    <I18nProvider locale="en">
      <Router>
        <SessionContext.Provider value={{ api: fake.api, me, can: capabilities(me), announce: () => {} }}>
          <TenantView id={current.id} />
        </SessionContext.Provider>
      </Router>
    </I18nProvider>,
  );
  return fake.calls;
}

describe("TenantView", () => {
  it("offers an operator the lifecycle actions the tenant's status allows", async () => {
    renderAs({ kind: "platform", user_id: "u", roles: ["Operator"] });
    await screen.findByRole("heading", { name: "Tenant acme" });
    expect(screen.getByRole("button", { name: "Suspend" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Delete" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Restore" })).toBeNull();
  });

  it("offers a tenant pending deletion only its restore", async () => {
    renderAs(
      { kind: "platform", user_id: "u", roles: ["Operator"] },
      { ...tenant, status: "PendingDeletion", purge_at: "2026-12-23T08:00:00Z" },
    );
    await screen.findByRole("button", { name: "Restore" });
    expect(screen.queryByRole("button", { name: "Suspend" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    expect(screen.getByText("Purged on")).toBeInTheDocument();
  });

  it("offers an auditor no action at all", async () => {
    renderAs({ kind: "platform", user_id: "u", roles: ["Auditor"] });
    await screen.findByRole("heading", { name: "Tenant acme" });
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it("offers the tenant's own Owner no operator action", async () => {
    renderAs({ kind: "tenant_user", user_id: "u", tenant_id: "t-1", role: "Owner" });
    await screen.findByRole("heading", { name: "Tenant acme" });
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it("deletes only after the domain is typed, sending it as the confirmation", async () => {
    const user = userEvent.setup();
    const calls = renderAs({ kind: "platform", user_id: "u", roles: ["Operator"] });
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = within(screen.getByRole("dialog", { hidden: true }));
    const confirm = dialog.getByRole("button", { name: "Delete", hidden: true });
    await user.click(confirm);
    expect(calls).toEqual([]);
    await user.type(dialog.getByLabelText("Type the domain acme to confirm"), "acme");
    await user.click(confirm);
    expect(calls).toEqual(["delete t-1 acme"]);
    await screen.findByText(/acme will be purged on/);
  });
});
