import { User, UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { RuntimeConfig } from "./config";

/** The sign-in callback path, registered with the identity provider. */
export const CALLBACK_PATH = "/callback";

/**
 * Sign-in with the authorization code flow and PKCE (oidc-client-ts). The
 * session lives in sessionStorage: it ends with the tab, and no token is
 * ever put in a cookie or in localStorage.
 */
export class Auth {
  readonly manager: UserManager;

  constructor(private readonly config: RuntimeConfig) {
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

  /** Sends the browser to the identity provider; comes back to `returnTo`. */
  signIn(returnTo: string): Promise<void> {
    return this.manager.signinRedirect({ state: { returnTo } });
  }

  /** Completes the sign-in on the callback page; answers where to go next. */
  async completeSignIn(): Promise<string> {
    const user = await this.manager.signinRedirectCallback();
    const state = user.state as { returnTo?: string } | undefined;
    const returnTo = state?.returnTo ?? "/";
    return returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : "/";
  }

  async signOut(): Promise<void> {
    await this.manager.removeUser();
  }

  /** The bearer token for the API. */
  token(user: User): string | undefined {
    return this.config.api_token === "id_token" ? user.id_token : user.access_token;
  }
}
