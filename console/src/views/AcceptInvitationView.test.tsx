import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ErrorResponse } from "oidc-client-ts";
import { I18nProvider } from "../i18n";
import { ACCEPT_PATH, captureInvitationToken, invitationToken } from "../invitation";
import { Router } from "../router";
import { problem, tenantUser } from "../test-utils";
import { AcceptInvitationView, type InvitationOutcome } from "./AcceptInvitationView";

function renderPage(outcome?: InvitationOutcome, onSignIn = vi.fn(async (_token: string) => {})) {
  render(
    <I18nProvider locale="en">
      <Router>
        <AcceptInvitationView outcome={outcome} onSignIn={onSignIn} />
      </Router>
    </I18nProvider>,
  );
  return onSignIn;
}

/** The control plane's refusal at the console's redirect URI, as oidc-client-ts throws it. */
const refused = (description: string) =>
  new ErrorResponse({
    error: "access_denied",
    error_description: description,
    userState: { returnTo: ACCEPT_PATH },
  });

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

  it("offers to sign in with the kept token, which it hands to the sign-in once", async () => {
    const user = userEvent.setup();
    sessionStorage.setItem("console.invitation", "tok-1");
    window.history.replaceState(null, "", ACCEPT_PATH);
    const onSignIn = renderPage();
    expect(screen.getByText("Sign in to accept your invitation.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign in to accept" }));
    expect(onSignIn).toHaveBeenCalledTimes(1);
    expect(onSignIn).toHaveBeenCalledWith("tok-1");
    // On its way to the control plane: not twice.
    expect(screen.getByRole("button", { name: "Signing in…" })).toBeDisabled();
    expect(invitationToken()).toBe("tok-1");
  });

  it("says why the sign-in could not start, and lets the person try again", async () => {
    const user = userEvent.setup();
    sessionStorage.setItem("console.invitation", "tok-1");
    const onSignIn = renderPage(
      undefined,
      vi.fn(async () => {
        throw new Error("Failed to fetch");
      }),
    );
    await user.click(screen.getByRole("button", { name: "Sign in to accept" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Sign-in failed: Failed to fetch");
    expect(screen.getByRole("button", { name: "Sign in to accept" })).toBeEnabled();
    expect(onSignIn).toHaveBeenCalledOnce();
  });

  it("once the sign-in accepted it: forgets the token, says as what (GET /v1/me), and leads into the console", async () => {
    const user = userEvent.setup();
    sessionStorage.setItem("console.invitation", "tok-1");
    window.history.replaceState(null, "", ACCEPT_PATH);
    const me = vi.fn(async () => tenantUser("Administrator"));
    const onSignIn = renderPage({ status: "accepted", me });
    const done = await screen.findByText("Welcome: you are now a member of the tenant, as Administrator.");
    expect(done).toHaveAttribute("role", "status");
    expect(me).toHaveBeenCalledTimes(1);
    expect(invitationToken()).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign in to accept" })).not.toBeInTheDocument();
    expect(onSignIn).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Continue to the console" }));
    expect(window.location.pathname).toBe("/");
  });

  it("once accepted, shows the API's refusal of GET /v1/me with its correlation id", async () => {
    sessionStorage.setItem("console.invitation", "tok-1");
    renderPage({
      status: "accepted",
      me: async () => {
        throw problem(503, "ERR-SYS-503");
      },
    });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("ERR-SYS-503");
    expect(alert).toHaveTextContent("c-1");
    expect(screen.queryByRole("button", { name: "Continue to the console" })).not.toBeInTheDocument();
  });

  it("says a used, expired or revoked link asks for a new invitation, forgets it and offers no sign-in", async () => {
    sessionStorage.setItem("console.invitation", "tok-used");
    renderPage({
      status: "failed",
      error: refused("the invitation has expired, was revoked or was already used"),
    });
    const gone = screen.getByTestId("accept-gone");
    expect(gone).toHaveTextContent("Ask for a new invitation.");
    expect(screen.getByRole("alert")).toBe(gone);
    await waitFor(() => expect(invitationToken()).toBeNull());
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });

  it("says another address signed in, keeps the token, and offers to sign in again with it", async () => {
    const user = userEvent.setup();
    sessionStorage.setItem("console.invitation", "tok-2");
    const onSignIn = renderPage({
      status: "failed",
      error: refused("the invitation was sent to another address than the one you signed in with"),
    });
    const other = screen.getByTestId("accept-other-email");
    expect(other).toHaveTextContent("a different email address");
    expect(screen.getByRole("alert")).toBe(other);
    expect(invitationToken()).toBe("tok-2");
    await user.click(screen.getByRole("button", { name: "Sign in to accept" }));
    expect(onSignIn).toHaveBeenCalledWith("tok-2");
    expect(invitationToken()).toBe("tok-2");
  });

  it("says any other failed sign-in as it is, keeps the token and offers to try again", async () => {
    sessionStorage.setItem("console.invitation", "tok-3");
    renderPage({
      status: "failed",
      error: new ErrorResponse({ error: "access_denied", error_description: "the sign-in at the directory could not be verified" }),
    });
    expect(screen.getByRole("alert")).toHaveTextContent(
      "Sign-in failed: the sign-in at the directory could not be verified",
    );
    expect(screen.queryByTestId("accept-gone")).not.toBeInTheDocument();
    expect(screen.queryByTestId("accept-other-email")).not.toBeInTheDocument();
    expect(invitationToken()).toBe("tok-3");
    expect(screen.getByRole("button", { name: "Sign in to accept" })).toBeEnabled();
  });

  it("without a token says to open the emailed link again, and offers no sign-in", () => {
    const onSignIn = renderPage();
    expect(screen.getByRole("alert")).toHaveTextContent("Open the link in your invitation email again.");
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(onSignIn).not.toHaveBeenCalled();
  });
});
