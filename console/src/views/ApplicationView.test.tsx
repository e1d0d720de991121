import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { problem, renderWithSession } from "../test-utils";
import type { ApplicationDetail, ClientRegistration, Me } from "../types";
import { ApplicationView } from "./ApplicationView";

const app: ApplicationDetail = {
  id: "a-1",
  name: "Billing",
  environment: "Production",
  owner: "team-billing",
  status: "Active",
  billing_reader: false,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
  // What an application that registered nothing has: a machine client.
  client: {
    client_type: "confidential",
    redirect_uris: [],
    post_logout_redirect_uris: [],
    backchannel_logout_uri: null,
    grants: ["client_credentials"],
  },
  secrets: [],
};

const operator: Me = { kind: "platform", user_id: "u", roles: ["Operator"] };
const developer: Me = { kind: "platform", user_id: "u", roles: ["Developer"] };
const auditor: Me = { kind: "platform", user_id: "u", roles: ["Auditor"] };

describe("ApplicationView", () => {
  it("lets an operator designate the billing reader and withdraw the designation", async () => {
    let current = app;
    const calls: string[] = [];
    renderWithSession(<ApplicationView id="a-1" />, operator, {
      application: async () => current,
      designateBillingReader: async (id: string) => {
        calls.push(`designate ${id}`);
        current = { ...current, billing_reader: true };
        return current;
      },
      withdrawBillingReader: async (id: string) => {
        calls.push(`withdraw ${id}`);
        current = { ...current, billing_reader: false };
        return current;
      },
    });
    expect(await screen.findByText("Not designated")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Designate as billing reader" }));
    expect(await screen.findByText("Billing now reads the billing feed.")).toBeInTheDocument();
    expect(await screen.findByText("Designated: its billing:read reads the billing feed")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Withdraw designation" }));
    expect(await screen.findByText("Billing no longer reads the billing feed.")).toBeInTheDocument();
    expect(calls).toEqual(["designate a-1", "withdraw a-1"]);
  });

  it("shows a developer whether the application is designated but offers no designation", async () => {
    renderWithSession(<ApplicationView id="a-1" />, developer, { application: async () => app });
    expect(await screen.findByText("Not designated")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Designate as billing reader" })).toBeNull();
  });
});

const web: ClientRegistration = {
  client_type: "confidential",
  redirect_uris: ["http://127.0.0.1/callback", "https://app.example/callback"],
  post_logout_redirect_uris: ["https://app.example/"],
  backchannel_logout_uri: "https://app.example/backchannel-logout",
  grants: ["authorization_code", "refresh_token", "client_credentials"],
};

/** The sign-in section, once the application is loaded. */
const signIn = () => screen.findByRole("region", { name: "Sign-in (OpenID Connect)" });

describe("ApplicationView: sign-in (OpenID Connect)", () => {
  it("shows a reader the registration and offers no form", async () => {
    renderWithSession(<ApplicationView id="a-1" />, auditor, { application: async () => ({ ...app, client: web }) });
    const section = await signIn();
    const shown = within(section).getByTestId("client-registration");
    expect(shown).toHaveTextContent("Confidential (a server that keeps its secret)");
    expect(within(shown).getByText("http://127.0.0.1/callback")).toBeInTheDocument();
    expect(within(shown).getByText("https://app.example/callback")).toBeInTheDocument();
    expect(within(shown).getByText("https://app.example/")).toBeInTheDocument();
    expect(within(shown).getByText("https://app.example/backchannel-logout")).toBeInTheDocument();
    expect(within(shown).getByText("Authorization code (people sign in)")).toBeInTheDocument();
    expect(within(shown).getByText("Refresh token")).toBeInTheDocument();
    expect(within(shown).getByText("Client credentials (the application itself)")).toBeInTheDocument();
    expect(within(shown).queryByText("Token exchange (RFC 8693)")).toBeNull();
    expect(screen.queryByRole("form", { name: "Change the sign-in registration" })).toBeNull();
    expect(within(section).queryByRole("textbox")).toBeNull();
    expect(within(section).queryByRole("button", { name: "Save" })).toBeNull();
  });

  it("registers a public client: one URI a line, grants from the boxes, no back-channel URI when empty", async () => {
    const user = userEvent.setup();
    let current = app;
    let answer: () => void = () => {};
    const registerClient = vi.fn(async (_id: string, body: ClientRegistration) => {
      await new Promise<void>((resolve) => (answer = resolve));
      current = { ...current, client: body, updated_at: "2026-12-02T08:00:00Z" };
      const { secrets: _, ...saved } = current;
      return saved;
    });
    renderWithSession(<ApplicationView id="a-1" />, developer, { application: async () => current, registerClient });
    const section = await signIn();
    expect(within(section).getByTestId("client-registration")).toHaveTextContent(
      "Client credentials (the application itself)",
    );
    const form = within(section).getByRole("form", { name: "Change the sign-in registration" });
    await user.selectOptions(within(form).getByLabelText(/^Client type/), "public");
    await user.type(
      within(form).getByLabelText(/^Redirect URIs/),
      "https://app.example/callback{Enter}{Enter}  http://127.0.0.1/callback  {Enter}",
    );
    await user.type(within(form).getByLabelText(/^Post-logout redirect URIs/), "{Enter}https://app.example/");
    expect(within(form).getByLabelText(/^Back-channel logout URI/)).toHaveValue("");
    await user.click(within(form).getByRole("checkbox", { name: "Refresh token" }));
    await user.click(within(form).getByRole("checkbox", { name: "Authorization code (people sign in)" }));
    await user.click(within(form).getByRole("checkbox", { name: "Client credentials (the application itself)" }));
    await user.click(within(form).getByRole("button", { name: "Save" }));

    // Busy while the API answers.
    expect(within(form).getByRole("button", { name: "Saving…" })).toBeDisabled();
    expect(registerClient).toHaveBeenCalledTimes(1);
    expect(registerClient).toHaveBeenCalledWith("a-1", {
      client_type: "public",
      redirect_uris: ["https://app.example/callback", "http://127.0.0.1/callback"],
      post_logout_redirect_uris: ["https://app.example/"],
      backchannel_logout_uri: null,
      grants: ["authorization_code", "refresh_token"],
    });
    answer();

    expect(await within(section).findByRole("status")).toHaveTextContent(
      "The sign-in registration of Billing is saved.",
    );
    const shown = within(section).getByTestId("client-registration");
    await waitFor(() => expect(shown).toHaveTextContent("Public (a browser or native app, PKCE only)"));
    expect(within(shown).getByText("http://127.0.0.1/callback")).toBeInTheDocument();
    expect(within(shown).getByText("Authorization code (people sign in)")).toBeInTheDocument();
    expect(within(shown).queryByText("Client credentials (the application itself)")).toBeNull();
    expect(within(form).getByRole("button", { name: "Save" })).toBeEnabled();
  });

  it("sends the current registration back as it is, and a cleared back-channel URI as null", async () => {
    const user = userEvent.setup();
    const registerClient = vi.fn(async (_id: string, body: ClientRegistration) => ({ ...app, client: body }));
    renderWithSession(<ApplicationView id="a-1" />, developer, {
      application: async () => ({ ...app, client: web }),
      registerClient,
    });
    const form = within(await signIn()).getByRole("form", { name: "Change the sign-in registration" });
    expect(within(form).getByLabelText(/^Redirect URIs/)).toHaveValue(web.redirect_uris.join("\n"));
    expect(within(form).getByRole("checkbox", { name: "Token exchange (RFC 8693)" })).not.toBeChecked();
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(registerClient).toHaveBeenLastCalledWith("a-1", web);
    await user.clear(within(form).getByLabelText(/^Back-channel logout URI/));
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(registerClient).toHaveBeenLastCalledWith("a-1", { ...web, backchannel_logout_uri: null });
  });

  it("shows each field's reasons beside it and the rest of the problem in the summary", async () => {
    const user = userEvent.setup();
    const registerClient = vi.fn(async () => {
      throw problem(400, "ERR-VAL-400", {
        title: "Invalid request",
        invalid_params: [
          { name: "redirect_uris", reason: "`http://app.example/cb`: must use https, except on a loopback address" },
          { name: "post_logout_redirect_uris[0]", reason: "must not have a fragment" },
          { name: "grants", reason: "a public client cannot use grants that authenticate the client" },
        ],
      });
    });
    renderWithSession(<ApplicationView id="a-1" />, developer, { application: async () => app, registerClient });
    const form = within(await signIn()).getByRole("form", { name: "Change the sign-in registration" });
    await user.selectOptions(within(form).getByLabelText(/^Client type/), "public");
    await user.type(within(form).getByLabelText(/^Redirect URIs/), "http://app.example/cb");
    await user.type(within(form).getByLabelText(/^Post-logout redirect URIs/), "https://app.example/#x");
    await user.click(within(form).getByRole("button", { name: "Save" }));

    const redirect = within(form).getByLabelText(/^Redirect URIs/);
    await waitFor(() =>
      expect(redirect).toHaveAccessibleDescription(
        "`http://app.example/cb`: must use https, except on a loopback address",
      ),
    );
    expect(redirect).toHaveAttribute("aria-invalid", "true");
    const postLogout = within(form).getByLabelText(/^Post-logout redirect URIs/);
    expect(postLogout).toHaveAccessibleDescription("post_logout_redirect_uris[0]: must not have a fragment");
    expect(postLogout).toHaveAttribute("aria-invalid", "true");
    expect(within(form).getByRole("group", { name: "Grants" })).toHaveAccessibleDescription(
      expect.stringContaining("a public client cannot use grants that authenticate the client"),
    );
    expect(within(form).getByLabelText(/^Back-channel logout URI/)).not.toHaveAttribute("aria-invalid");
    const alert = within(form).getByRole("alert");
    expect(alert).toHaveTextContent("ERR-VAL-400");
    expect(alert).toHaveTextContent("c-1");
    expect(alert).not.toHaveTextContent("must use https");
    expect(screen.queryByText("The sign-in registration of Billing is saved.")).toBeNull();
  });
});
