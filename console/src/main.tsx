import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import type { User } from "oidc-client-ts";
import { Api } from "./api";
import { App } from "./App";
import { Auth, CALLBACK_PATH } from "./auth";
import { loadConfig, type RuntimeConfig } from "./config";
import { I18nProvider, useI18n } from "./i18n";
import { ACCEPT_PATH, captureInvitationToken } from "./invitation";
import { Router, useRouter } from "./router";
import { AcceptInvitationView } from "./views/AcceptInvitationView";
import "./styles.css";

function SignIn({ auth, failure }: { auth: Auth; failure?: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  return (
    <main className="sign-in" id="main">
      <h1>{t("app.title")}</h1>
      {window.location.pathname === ACCEPT_PATH ? <p>{t("accept.signIn")}</p> : null}
      {failure ? (
        <p className="problem" role="alert">
          {t("app.signInFailed", { message: failure })}
        </p>
      ) : null}
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          const here = window.location.pathname + window.location.search;
          void auth.signIn(here === CALLBACK_PATH ? "/" : here);
        }}
      >
        {busy ? t("app.signingIn") : t("app.signIn")}
      </button>
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
function Root({ api, onSignOut }: { api: Api; onSignOut: (returnTo?: string) => void }) {
  const { path } = useRouter();
  if (path === ACCEPT_PATH) return <AcceptInvitationView api={api} onSignOut={() => onSignOut(ACCEPT_PATH)} />;
  return <App api={api} onSignOut={() => onSignOut()} />;
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
  if (window.location.pathname === CALLBACK_PATH) {
    try {
      window.history.replaceState(null, "", await auth.completeSignIn());
    } catch (e) {
      window.history.replaceState(null, "", "/");
      render(<SignIn auth={auth} failure={e instanceof Error ? e.message : String(e)} />);
      return;
    }
  }
  const user: User | null = await auth.user();
  if (!user) {
    render(<SignIn auth={auth} />);
    return;
  }
  const signOut = (returnTo = "/") => {
    void auth.signOut().then(() => window.location.assign(returnTo));
  };
  const api = new Api(config.api_base_url, () => auth.token(user), () => void auth.signOut());
  render(<Root api={api} onSignOut={signOut} />);
}

void start();
