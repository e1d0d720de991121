import { User, UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { RuntimeConfig } from "./config";
import { ACCEPT_PATH, invitationToken } from "./invitation";

/** The sign-in callback path, registered with the control plane. */
export const CALLBACK_PATH = "/callback";

/**
 * Sign-in at the control plane's OpenID Provider with the authorization
 * code flow and PKCE (oidc-client-ts; the console is a public client). The
 * control plane sends the person on to their directory (customers' or the
 * company's) and back. The session lives in sessionStorage: it ends with
 * the tab, and no token is ever put in a cookie or in localStorage.
 */
export class Auth {
  readonly manager: UserManager;

  constructor(
    private readonly config: RuntimeConfig,
    /** Sends the browser to a page of the console (a test's stand-in). */
    private readonly go: (path: string) => void = (path) => window.location.assign(path),
  ) {
    const origin = window.location.origin;
    this.manager = new UserManager({
      authority: config.authority,
      client_id: config.client_id,
      redirect_uri: origin + CALLBACK_PATH,
      post_logout_redirect_uri: origin + "/",
      response_type: "code",
      scope: config.scope,
      loadUserInfo: false,
      automaticSilentRenew: false,
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
  }

  /** The signed-in user, if their token is still valid. */
  async user(): Promise<User | null> {
    const user = await this.manager.getUser();
    return user && !user.expired ? user : null;
  }

  /** Sends the browser to the control plane; comes back to `returnTo`. */
  signIn(returnTo: string): Promise<void> {
    return this.manager.signinRedirect({ state: { returnTo } });
  }

  /**
   * Accepts an invitation: signs in at the control plane with the link's
   * token, which sends the person to the customers' directory and makes
   * them a member if it verified the invited address. Whoever is signed in
   * to the console now is forgotten first: accepting binds the identity
   * that signs in next.
   */
  async acceptInvitation(token: string): Promise<void> {
    await this.manager.removeUser();
    return this.manager.signinRedirect({
      state: { returnTo: ACCEPT_PATH },
      extraQueryParams: { invitation: token },
    });
  }

  /** Completes the sign-in on the callback page; answers where to go next. */
  async completeSignIn(): Promise<string> {
    const user = await this.manager.signinRedirectCallback();
    return safeReturnTo(user.state);
  }

  /**
   * Signs out everywhere (RP-initiated logout): forgets the user here, then
   * sends the browser to the control plane's end-session endpoint, which
   * ends its session and the directory's and comes back to the console's
   * `/`. Without a stored user (or without the control plane) it only
   * lands on `/`.
   */
  async signOut(): Promise<void> {
    const user = await this.manager.getUser().catch(() => null);
    await this.forget();
    if (!user?.id_token) {
      this.go("/");
      return;
    }
    try {
      await this.manager.signoutRedirect({
        id_token_hint: user.id_token,
        post_logout_redirect_uri: window.location.origin + "/",
      });
    } catch {
      this.go("/");
    }
  }

  /** Forgets the signed-in user in this tab only (e.g. a token the API no longer takes). */
  async forget(): Promise<void> {
    await this.manager.removeUser();
  }

  /** The bearer token for the API. */
  token(user: User): string | undefined {
    return this.config.api_token === "id_token" ? user.id_token : user.access_token;
  }
}

/** A same-origin path out of a sign-in's state, else `/`. */
function safeReturnTo(state: unknown): string {
  const returnTo = (state as { returnTo?: unknown } | undefined)?.returnTo;
  return typeof returnTo === "string" && returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : "/";
}

/**
 * Whether a failed sign-in was an invitation's: its state says it came
 * back to the invitation page (oidc-client-ts's `ErrorResponse` carries
 * the state of an error answered at the redirect URI). A failure without
 * any state (e.g. the state was lost) counts as one if an invitation is
 * kept in this tab.
 */
export function isInvitationSignInFailure(error: unknown): boolean {
  if (error && typeof error === "object" && "state" in error && error.state !== undefined) {
    return safeReturnTo(error.state) === ACCEPT_PATH;
  }
  return invitationToken() !== null;
}
