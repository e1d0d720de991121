import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Api } from "./api";
import { navigation, Shell } from "./App";
import { I18nProvider } from "./i18n";
import { capabilities } from "./roles";
import { Router } from "./router";
import { tenantUser } from "./test-utils";
import type { Me } from "./types";

function renderShell(me: Me, api: Record<string, unknown>, onSignOut: () => void) {
  window.history.replaceState(null, "", "/sessions");
  render(
    <I18nProvider locale="en">
      <Router>
        <Shell me={me} api={api as unknown as Api} onSignOut={onSignOut} />
      </Router>
    </I18nProvider>,
  );
}

describe("navigation for a tenant's people", () => {
  const labels = (role: "Owner" | "Administrator" | "User") =>
    navigation(capabilities(tenantUser(role))).map((l) => l.label);

  it("follows the role: an Owner everything of the tenant, an Administrator its members, a User their own sessions", () => {
    expect(labels("Owner")).toEqual([
      "nav.myTenant",
      "nav.members",
      "nav.invitations",
      "nav.settings",
      "nav.sso",
      "nav.plan",
      "nav.audit",
      "nav.sessions",
    ]);
    expect(labels("Administrator")).toEqual(["nav.myTenant", "nav.members", "nav.invitations", "nav.settings", "nav.sessions"]);
    expect(labels("User")).toEqual(["nav.myTenant", "nav.sessions"]);
  });
});

describe("signing out", () => {
  it("ends a tenant user's session at the API (POST /v1/logout) before the identity provider's sign-out", async () => {
    const user = userEvent.setup();
    const order: string[] = [];
    const logout = vi.fn(async () => {
      order.push("logout");
    });
    renderShell(tenantUser("User"), { logout, mySessions: async () => ({ items: [] }) }, () => order.push("signOut"));
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(order).toEqual(["logout", "signOut"]));
  });

  it("signs out even when the API refuses the logout", async () => {
    const user = userEvent.setup();
    const onSignOut = vi.fn();
    renderShell(
      tenantUser("User"),
      {
        logout: async () => {
          throw new Error("down");
        },
        mySessions: async () => ({ items: [] }),
      },
      onSignOut,
    );
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(onSignOut).toHaveBeenCalledOnce());
  });

  it("does not call the tenant logout for a platform person", async () => {
    const user = userEvent.setup();
    const logout = vi.fn();
    const onSignOut = vi.fn();
    renderShell({ kind: "platform", user_id: "u", roles: ["Developer"] }, { logout, mySessions: async () => ({ items: [] }) }, onSignOut);
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(onSignOut).toHaveBeenCalledOnce();
    expect(logout).not.toHaveBeenCalled();
  });
});
