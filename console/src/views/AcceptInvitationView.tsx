import { useEffect, useRef, useState } from "react";
import type { Api, ApiError } from "../api";
import { ProblemMessage } from "../components/Problem";
import { Loading } from "../components/States";
import { asApiError } from "../hooks";
import { useI18n } from "../i18n";
import { forgetInvitationToken, invitationToken } from "../invitation";
import { useRouter } from "../router";
import type { Accepted } from "../types";

type Outcome = { status: "accepting" } | { status: "accepted"; data: Accepted } | { status: "error"; error: ApiError };

/**
 * The invitation link's page, signed in: POST /v1/invitations/accept with
 * the token kept from the link, then into the console. A used, expired or
 * replaced link (410) and a sign-in with another email (403) are said
 * plainly. Rendered before the console: the person may not be known yet.
 */
export function AcceptInvitationView({ api, onSignOut }: { api: Api; onSignOut: () => void }) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const [token] = useState(invitationToken);
  const [outcome, setOutcome] = useState<Outcome>({ status: "accepting" });
  const started = useRef(false);
  useEffect(() => {
    // Once only, even when React runs effects twice: a token works once.
    if (started.current || !token) return;
    started.current = true;
    api.acceptInvitation(token).then(
      (data) => {
        forgetInvitationToken();
        setOutcome({ status: "accepted", data });
      },
      (e: unknown) => {
        const error = asApiError(e);
        // A different identity may still sign in and use it; a dead link never.
        if (error.status === 410) forgetInvitationToken();
        setOutcome({ status: "error", error });
      },
    );
  }, [api, token]);
  let body;
  if (!token) {
    body = <p role="alert">{t("accept.noToken")}</p>;
  } else if (outcome.status === "accepting") {
    body = <Loading />;
  } else if (outcome.status === "accepted") {
    body = (
      <>
        <p className="notice" role="status">
          {t("accept.done", { role: t(`role.${outcome.data.role}`) })}
        </p>
        <button type="button" className="primary" onClick={() => navigate("/", { replace: true })}>
          {t("accept.continue")}
        </button>
      </>
    );
  } else {
    const { error } = outcome;
    body = (
      <>
        {error.status === 410 ? (
          <p className="problem" data-testid="accept-gone">
            {t("accept.gone")}
          </p>
        ) : error.status === 403 ? (
          <p className="problem" data-testid="accept-other-email">
            {t("accept.otherEmail")}
          </p>
        ) : null}
        <ProblemMessage error={error} />
        {error.status === 403 ? (
          <button type="button" onClick={onSignOut}>
            {t("app.signOut")}
          </button>
        ) : null}
      </>
    );
  }
  return (
    <main className="sign-in" id="main">
      <h1>{t("accept.title")}</h1>
      {body}
    </main>
  );
}
