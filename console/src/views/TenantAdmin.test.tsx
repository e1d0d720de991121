import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { problem, renderWithSession, tenantUser } from "../test-utils";
import type { Invitation, SsoConfig, TenantSettings } from "../types";
import { InvitationsView } from "./InvitationsView";
import { MySessionsView } from "./MySessionsView";
import { PlanView } from "./PlanView";
import { SettingsView } from "./SettingsView";
import { SsoView } from "./SsoView";

const invitation = (over: Partial<Invitation> = {}): Invitation => ({
  id: "i-1",
  user_id: "u-9",
  email: "new@example.com",
  role: "User",
  status: "Pending",
  created_at: "2026-11-23T08:00:00Z",
  expires_at: "2026-11-30T08:00:00Z",
  ...over,
});

describe("InvitationsView", () => {
  it("sends an invitation with an idempotency key and lists the open ones", async () => {
    const user = userEvent.setup();
    const invite = vi.fn(async (body: { email: string; role: string }) => invitation({ email: body.email }));
    renderWithSession(<InvitationsView />, tenantUser("Owner"), {
      invitations: async () => ({ items: [invitation({ status: "Expired", email: "old@example.com" })] }),
      invite,
    });
    await screen.findByText("old@example.com");
    expect(screen.getByText("Expired")).toBeInTheDocument();
    const form = screen.getByRole("form", { name: "Send an invitation" });
    await user.type(within(form).getByLabelText("Email"), "new@example.com");
    await user.selectOptions(within(form).getByLabelText("Role"), "Administrator");
    await user.click(within(form).getByRole("button", { name: "Send an invitation" }));
    expect(invite).toHaveBeenCalledWith({ email: "new@example.com", role: "Administrator" }, expect.any(String));
    await screen.findByText(/An invitation was sent to new@example.com/);
  });

  it("does not offer an Administrator the Owner role, and shows a conflict", async () => {
    const user = userEvent.setup();
    renderWithSession(<InvitationsView />, tenantUser("Administrator"), {
      invitations: async () => ({ items: [] }),
      invite: async () => {
        throw problem(409, "ERR-VAL-409", { detail: "a member or an open invitation has this email" });
      },
    });
    const form = await screen.findByRole("form", { name: "Send an invitation" });
    expect(within(form).getAllByRole("option").map((o) => o.textContent)).toEqual(["Administrator", "User"]);
    await user.type(within(form).getByLabelText("Email"), "taken@example.com");
    await user.click(within(form).getByRole("button", { name: "Send an invitation" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("a member or an open invitation has this email");
  });

  it("pages through the open invitations by cursor", async () => {
    const user = userEvent.setup();
    const invitations = vi.fn(async (q: { cursor?: string }) =>
      q.cursor === "c-2"
        ? { items: [invitation({ id: "i-2", email: "second@example.com" })] }
        : { items: [invitation({ email: "first@example.com" })], next_cursor: "c-2" },
    );
    renderWithSession(<InvitationsView />, tenantUser("Owner"), { invitations });
    await screen.findByText("first@example.com");
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await screen.findByText("second@example.com");
    expect(invitations).toHaveBeenLastCalledWith({ limit: 25, cursor: "c-2" });
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Previous page" }));
    await screen.findByText("first@example.com");
  });

  it("revokes only after confirming, and resends", async () => {
    const user = userEvent.setup();
    const revokeInvitation = vi.fn(async () => undefined);
    const resendInvitation = vi.fn(async () => invitation({ expires_at: "2026-12-07T08:00:00Z" }));
    renderWithSession(<InvitationsView />, tenantUser("Owner"), {
      invitations: async () => ({ items: [invitation()] }),
      revokeInvitation,
      resendInvitation,
    });
    await user.click(await screen.findByRole("button", { name: "Resend the invitation to new@example.com" }));
    expect(resendInvitation).toHaveBeenCalledWith("i-1");
    await screen.findByText(/The old link no longer works/);
    await user.click(screen.getByRole("button", { name: "Revoke the invitation to new@example.com" }));
    expect(revokeInvitation).not.toHaveBeenCalled();
    const dialog = within(screen.getByRole("dialog", { hidden: true }));
    await user.click(dialog.getByRole("button", { name: "Revoke", hidden: true }));
    expect(revokeInvitation).toHaveBeenCalledWith("i-1");
    await screen.findByText("The invitation to new@example.com is revoked.");
  });
});

const settings: TenantSettings = {
  invitation_ttl_days: 7,
  password_policy: { min_length: 8, require_uppercase: true, require_lowercase: true, require_digit: true, require_symbol: false },
};

describe("SettingsView", () => {
  it("sends the settings and shows the API's invalid fields beside them", async () => {
    const user = userEvent.setup();
    const updateSettings = vi.fn(async () => {
      throw problem(400, "ERR-VAL-400", {
        invalid_params: [
          { name: "invitation_ttl_days", reason: "must be between 1 and 30" },
          { name: "password_policy.min_length", reason: "must be between 8 and 128" },
        ],
      });
    });
    renderWithSession(<SettingsView />, tenantUser("Administrator"), { settings: async () => settings, updateSettings });
    const ttl = await screen.findByLabelText(/Invitation lifetime/);
    await user.clear(ttl);
    await user.type(ttl, "31");
    await user.click(screen.getByLabelText("Require a symbol"));
    // The browser stops an out-of-range value first (min/max)...
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(updateSettings).not.toHaveBeenCalled();
    // ...and whatever the API still refuses is shown beside its field.
    fireEvent.submit(screen.getByRole("form", { name: "Settings" }));
    expect(updateSettings).toHaveBeenCalledWith({
      invitation_ttl_days: 31,
      password_policy: { ...settings.password_policy, require_symbol: true },
    });
    await waitFor(() => expect(ttl).toHaveAccessibleDescription("must be between 1 and 30"));
    expect(ttl).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/Minimum length/)).toHaveAccessibleDescription("must be between 8 and 128");
    // The summary keeps the correlation id without repeating the fields.
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("ERR-VAL-400");
    expect(alert).not.toHaveTextContent("must be between");
  });
});

const sso: SsoConfig = {
  issuer: "https://login.example.com/t",
  client_id: "acme-console",
  client_secret_set: true,
  created_at: "2026-11-23T08:00:00Z",
  updated_at: "2026-11-23T08:00:00Z",
};

describe("SsoView", () => {
  it("configures SSO when there is none, the secret in a password field", async () => {
    const user = userEvent.setup();
    const createSso = vi.fn(async () => sso);
    renderWithSession(<SsoView />, tenantUser("Owner"), {
      sso: async () => {
        throw problem(404, "ERR-RES-404");
      },
      createSso,
    });
    const form = await screen.findByRole("form", { name: "Configure single sign-on" });
    const secret = within(form).getByLabelText(/Client secret/);
    expect(secret).toHaveAttribute("type", "password");
    await user.type(within(form).getByLabelText(/Issuer URL/), "https://login.example.com/t");
    await user.type(within(form).getByLabelText("Client id"), "acme-console");
    await user.type(secret, "top-secret");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(createSso).toHaveBeenCalledWith({
      issuer: "https://login.example.com/t",
      client_id: "acme-console",
      client_secret: "top-secret",
    });
    await screen.findByText(/Single sign-on with https:\/\/login.example.com\/t is saved/);
    expect(secret).toHaveValue("");
  });

  it("keeps the secret when left empty, never shows it, and shows a discovery failure's reason", async () => {
    const user = userEvent.setup();
    const updateSso = vi.fn(async () => {
      throw problem(400, "ERR-VAL-400", {
        invalid_params: [{ name: "issuer", reason: "its discovery document could not be fetched: timed out" }],
      });
    });
    renderWithSession(<SsoView />, tenantUser("Owner"), { sso: async () => sso, updateSso });
    await screen.findByText("Set (never shown)");
    const form = screen.getByRole("form", { name: "Change single sign-on" });
    expect(within(form).getByLabelText(/Client secret/)).toHaveValue("");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(updateSso).toHaveBeenCalledWith({ issuer: sso.issuer, client_id: sso.client_id });
    expect(await screen.findByText("its discovery document could not be fetched: timed out")).toBeInTheDocument();
    expect(within(form).getByLabelText(/Issuer URL/)).toHaveAttribute("aria-invalid", "true");
  });
});

describe("PlanView", () => {
  it("shows the plan from /v1/me and changes it only after confirming", async () => {
    const user = userEvent.setup();
    const changePlan = vi.fn(async () => ({ id: "t-1", name: "Acme", domain: "acme", plan: "Enterprise", status: "Active" }));
    renderWithSession(
      <PlanView />,
      tenantUser("Owner", { tenant: { id: "t-1", name: "Acme", domain: "acme", plan: "Pro", status: "Active" } }),
      { changePlan },
    );
    expect(screen.getByTestId("current-plan")).toHaveTextContent("Pro");
    await user.selectOptions(screen.getByLabelText("New plan"), "Enterprise");
    await user.click(screen.getByRole("button", { name: "Change plan" }));
    expect(changePlan).not.toHaveBeenCalled();
    const dialog = within(screen.getByRole("dialog", { hidden: true }));
    expect(dialog.getByText(/from Pro to Enterprise/)).toBeInTheDocument();
    await user.click(dialog.getByRole("button", { name: "Change plan", hidden: true }));
    expect(changePlan).toHaveBeenCalledOnce();
    await screen.findByText("The plan is now Enterprise.");
    expect(screen.getByTestId("current-plan")).toHaveTextContent("Enterprise");
  });
});

describe("MySessionsView", () => {
  it("lists one's sessions and ends another one, never the current one here", async () => {
    const user = userEvent.setup();
    const endMySession = vi.fn(async () => undefined);
    renderWithSession(<MySessionsView />, tenantUser("User", { email: "me@example.com" }), {
      mySessions: async () => ({
        items: [
          { id: "s-now", started_at: "2026-11-23T10:00:00Z", current: true },
          { id: "s-old", started_at: "2026-11-22T10:00:00Z", current: false, user_agent: "Firefox" },
        ],
      }),
      endMySession,
    });
    await screen.findByText("This session");
    expect(screen.getByText("me@example.com")).toBeInTheDocument();
    const buttons = screen.getAllByRole("button", { name: /^End the session started/ });
    expect(buttons).toHaveLength(1);
    await user.click(buttons[0]!);
    expect(endMySession).toHaveBeenCalledWith("s-old");
    await screen.findByText("The session has ended.");
  });
});
