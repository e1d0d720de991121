import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import type { User } from "oidc-client-ts";
import { Api } from "./api";
import { App } from "./App";
import { Auth, CALLBACK_PATH, isInvitationSignInFailure } from "./auth";
import { loadConfig, type RuntimeConfig } from "./config";
import { I18nProvider, useI18n } from "./i18n";
import { ACCEPT_PATH, captureInvitationToken } from "./invitation";
import { Router, useRouter } from "./router";
import { AcceptInvitationView } from "./views/AcceptInvitationView";
import { SignInButton } from "./components/SignInButton";
import "./styles.css";

function SignIn({ auth, failure }: { auth: Auth; failure?: string }) {
  const { t } = useI18n();
  const here = window.location.pathname + window.location.search;
  return (
    <main className="sign-in" id="main">
      <h1>{t("app.title")}</h1>
      <SignInButton
        label={t("app.signIn")}
        failure={failure}
        onSignIn={() => auth.signIn(here === CALLBACK_PATH ? "/" : here)}
      />
    </main>
  );
}

function Fatal({ message }: { message: string }) {
  const { t } = useI18n();
  return (
    <main className="sign-in" id="main">
      <h1>{t("app.title")}</h1>
      <p className="problem" role="alert">
        {t("app.configFailed", { message })}
      </p>
    </main>
  );
}

/** The invitation link's page, or the console. */
function Root({
  api,
  accepted,
  onAccept,
  onSignOut,
}: {
  api: Api;
  /** This sign-in was an invitation's, and it succeeded. */
  accepted: boolean;
  onAccept: (token: string) => Promise<void>;
  onSignOut: () => void;
}) {
  const { path } = useRouter();
  if (path === ACCEPT_PATH) {
    return (
      <AcceptInvitationView outcome={accepted ? { status: "accepted", me: api.me } : undefined} onSignIn={onAccept} />
    );
  }
  return <App api={api} onSignOut={onSignOut} />;
}

async function start() {
  // First of all: the invitation token out of the address bar.
  captureInvitationToken();
  const root = createRoot(document.getElementById("root")!);
  const render = (node: React.ReactNode) =>
    root.render(
      <StrictMode>
        <I18nProvider>
          <Router>{node}</Router>
        </I18nProvider>
      </StrictMode>,
    );
  let config: RuntimeConfig;
  try {
    config = await loadConfig();
  } catch (e) {
    render(<Fatal message={e instanceof Error ? e.message : String(e)} />);
    return;
  }
  const auth = new Auth(config);
  const accept = (token: string) => auth.acceptInvitation(token);
  let accepted = false;
  if (window.location.pathname === CALLBACK_PATH) {
    try {
      const returnTo = await auth.completeSignIn();
      // Only an invitation's sign-in comes back to its page.
      accepted = returnTo === ACCEPT_PATH;
      window.history.replaceState(null, "", returnTo);
    } catch (e) {
      if (isInvitationSignInFailure(e)) {
        // The control plane refused the invitation (or the sign-in failed):
        // the invitation's page says why, and whether to try again.
        window.history.replaceState(null, "", ACCEPT_PATH);
        render(<AcceptInvitationView outcome={{ status: "failed", error: e }} onSignIn={accept} />);
        return;
      }
      window.history.replaceState(null, "", "/");
      render(<SignIn auth={auth} failure={e instanceof Error ? e.message : String(e)} />);
      return;
    }
  }
  const user: User | null = await auth.user();
  if (!user) {
    render(
      window.location.pathname === ACCEPT_PATH ? <AcceptInvitationView onSignIn={accept} /> : <SignIn auth={auth} />,
    );
    return;
  }
  // Ends the session here, at the control plane and at the directory, and
  // lands on the console's start page.
  const signOut = () => void auth.signOut();
  const api = new Api(config.api_base_url, () => auth.token(user), () => void auth.forget());
  render(<Root api={api} accepted={accepted} onAccept={accept} onSignOut={signOut} />);
}

void start();
