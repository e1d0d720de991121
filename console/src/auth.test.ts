import { ErrorResponse, User } from "oidc-client-ts";
import { Auth, isInvitationSignInFailure } from "./auth";
import { parseConfig } from "./config";
import { ACCEPT_PATH } from "./invitation";

const config = parseConfig({
  api_base_url: "",
  authority: "https://cp.example",
  client_id: "console",
  scope: "openid profile email",
});

const signedIn = (id_token: string | undefined = "id.token.sig") =>
  new User({
    id_token,
    access_token: "access.token.sig",
    token_type: "Bearer",
    profile: { sub: "person-1", iss: "https://cp.example", aud: "console", exp: 0, iat: 0 },
    expires_at: Math.floor(Date.now() / 1000) + 300,
  });

function setUp() {
  const go = vi.fn();
  const auth = new Auth(config, go);
  const signinRedirect = vi.spyOn(auth.manager, "signinRedirect").mockResolvedValue();
  const signoutRedirect = vi.spyOn(auth.manager, "signoutRedirect").mockResolvedValue();
  return { auth, go, signinRedirect, signoutRedirect };
}

describe("signing in and out at the control plane", () => {
  beforeEach(() => sessionStorage.clear());

  it("is the control plane's access token the API gets, unless config.json says otherwise", () => {
    expect(config.api_token).toBe("access_token");
    const user = signedIn();
    expect(new Auth(config).token(user)).toBe("access.token.sig");
    expect(new Auth({ ...config, api_token: "id_token" }).token(user)).toBe("id.token.sig");
  });

  it("accepts an invitation by signing in with its token, forgetting whoever was signed in first", async () => {
    const { auth, signinRedirect } = setUp();
    await auth.manager.storeUser(signedIn());
    let storedAtRedirect: User | null | undefined;
    signinRedirect.mockImplementation(async () => {
      storedAtRedirect = await auth.manager.getUser();
    });
    await auth.acceptInvitation("tok-1");
    expect(signinRedirect).toHaveBeenCalledTimes(1);
    expect(signinRedirect).toHaveBeenCalledWith({
      state: { returnTo: ACCEPT_PATH },
      extraQueryParams: { invitation: "tok-1" },
    });
    expect(storedAtRedirect).toBeNull();
  });

  it("signs out at the control plane (RP-initiated logout) with the ID token, after forgetting the user here", async () => {
    const { auth, go, signoutRedirect } = setUp();
    await auth.manager.storeUser(signedIn("the.id.token"));
    let storedAtRedirect: User | null | undefined;
    signoutRedirect.mockImplementation(async () => {
      storedAtRedirect = await auth.manager.getUser();
    });
    await auth.signOut();
    expect(signoutRedirect).toHaveBeenCalledWith({
      id_token_hint: "the.id.token",
      post_logout_redirect_uri: window.location.origin + "/",
    });
    expect(storedAtRedirect).toBeNull();
    expect(go).not.toHaveBeenCalled();
  });

  it("without a signed-in user, signs out here only and lands on the start page", async () => {
    const { auth, go, signoutRedirect } = setUp();
    await auth.signOut();
    expect(signoutRedirect).not.toHaveBeenCalled();
    expect(go).toHaveBeenCalledWith("/");
  });

  it("when the control plane's sign-out cannot start, still forgets the user and lands on the start page", async () => {
    const { auth, go, signoutRedirect } = setUp();
    await auth.manager.storeUser(signedIn());
    signoutRedirect.mockRejectedValue(new Error("No end session endpoint"));
    await auth.signOut();
    expect(await auth.manager.getUser()).toBeNull();
    expect(go).toHaveBeenCalledWith("/");
  });
});

describe("a failed sign-in", () => {
  beforeEach(() => sessionStorage.clear());

  const answered = (userState: unknown) =>
    new ErrorResponse({ error: "access_denied", error_description: "no", userState });

  it("is the invitation's when its state came back to the invitation page", () => {
    expect(isInvitationSignInFailure(answered({ returnTo: ACCEPT_PATH }))).toBe(true);
  });

  it("is not when its state went elsewhere, even with an invitation kept", () => {
    sessionStorage.setItem("console.invitation", "tok-1");
    expect(isInvitationSignInFailure(answered({ returnTo: "/tenants" }))).toBe(false);
  });

  it("without a state, is the invitation's only if an invitation is kept in the tab", () => {
    expect(isInvitationSignInFailure(new Error("No matching state found in storage"))).toBe(false);
    sessionStorage.setItem("console.invitation", "tok-1");
    expect(isInvitationSignInFailure(new Error("No matching state found in storage"))).toBe(true);
  });
});
