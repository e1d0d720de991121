import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Api } from "../api";
import { I18nProvider } from "../i18n";
import { ACCEPT_PATH, captureInvitationToken, invitationToken } from "../invitation";
import { Router } from "../router";
import { problem } from "../test-utils";
import { AcceptInvitationView } from "./AcceptInvitationView";

function renderPage(acceptInvitation: (token: string) => Promise<unknown>, onSignOut = () => {}) {
  const api = { acceptInvitation: vi.fn(acceptInvitation) };
  render(
    <I18nProvider locale="en">
      <Router>
        <AcceptInvitationView api={api as unknown as Api} onSignOut={onSignOut} />
      </Router>
    </I18nProvider>,
  );
  return api.acceptInvitation;
}

describe("the invitation link", () => {
  beforeEach(() => {
    sessionStorage.clear();
    window.history.replaceState(null, "", "/");
  });

  it("moves its token out of the address bar into sessionStorage", () => {
    window.history.replaceState(null, "", `${ACCEPT_PATH}#token=abc_DEF-123`);
    captureInvitationToken();
    expect(window.location.hash).toBe("");
    expect(window.location.pathname).toBe(ACCEPT_PATH);
    expect(invitationToken()).toBe("abc_DEF-123");
  });

  it("leaves any other page alone", () => {
    window.history.replaceState(null, "", "/tenants#token=x");
    captureInvitationToken();
    expect(invitationToken()).toBeNull();
    expect(window.location.hash).toBe("#token=x");
  });

  it("accepts once with the kept token, forgets it, and leads into the console", async () => {
    const user = userEvent.setup();
    sessionStorage.setItem("console.invitation", "tok-1");
    window.history.replaceState(null, "", ACCEPT_PATH);
    const accept = renderPage(async () => ({ tenant_id: "t", user_id: "u", role: "Administrator", status: "Active" }));
    await screen.findByText("Welcome: you are now a member of the tenant, as Administrator.");
    expect(accept).toHaveBeenCalledTimes(1);
    expect(accept).toHaveBeenCalledWith("tok-1");
    expect(invitationToken()).toBeNull();
    await user.click(screen.getByRole("button", { name: "Continue to the console" }));
    expect(window.location.pathname).toBe("/");
  });

  it("says a used, expired or replaced link (410) asks for a new invitation", async () => {
    sessionStorage.setItem("console.invitation", "tok-used");
    renderPage(async () => {
      throw problem(410, "ERR-RES-410");
    });
    expect(await screen.findByTestId("accept-gone")).toHaveTextContent("Ask for a new invitation.");
    expect(screen.getByRole("alert")).toHaveTextContent("ERR-RES-410");
    expect(invitationToken()).toBeNull();
  });

  it("says another email is signed in (403), keeps the token and offers to sign out", async () => {
    const user = userEvent.setup();
    const onSignOut = vi.fn();
    sessionStorage.setItem("console.invitation", "tok-2");
    renderPage(async () => {
      throw problem(403, "ERR-AUTH-403");
    }, onSignOut);
    expect(await screen.findByTestId("accept-other-email")).toHaveTextContent("a different email address");
    expect(invitationToken()).toBe("tok-2");
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(onSignOut).toHaveBeenCalledOnce();
  });

  it("without a token says to open the emailed link again, and sends nothing", async () => {
    const accept = renderPage(async () => ({}));
    expect(await screen.findByRole("alert")).toHaveTextContent("Open the link in your invitation email again.");
    expect(accept).not.toHaveBeenCalled();
  });
});
