import { useEffect, useState } from "react";
import { messageOf, SignInButton } from "../components/SignInButton";
import { Load } from "../components/States";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { forgetInvitationToken, invitationToken } from "../invitation";
import { useRouter } from "../router";
import type { Me } from "../types";

/** How the sign-in with the invitation ended, once it has. */
export type InvitationOutcome =
  /** The control plane accepted it: the person is a member; `me` says as what. */
  | { status: "accepted"; me: () => Promise<Me> }
  /** The sign-in came back with an error (oidc-client-ts's `ErrorResponse`, or any other). */
  | { status: "failed"; error: unknown };

type Refusal = "gone" | "otherEmail" | "other";

/** Why the control plane refused the invitation, from its OIDC error response. */
function refusal(error: unknown): Refusal {
  if (!error || typeof error !== "object") return "other";
  const { error: code, error_description: description } = error as { error?: unknown; error_description?: unknown };
  if (code !== "access_denied" || typeof description !== "string") return "other";
  if (description.includes("expired, was revoked or was already used")) return "gone";
  if (description.includes("another address")) return "otherEmail";
  return "other";
}

/**
 * The invitation link's page. An invitation is accepted by signing in at
 * the control plane with the link's token (kept in sessionStorage): it
 * sends the person to the customers' directory and makes them a member if
 * the directory verified the invited address. Back here the page says so
 * (and as what), or why not: a used, expired or revoked link (forgotten),
 * or another address than the invited one (kept: another identity may
 * sign in with it). Rendered before the console: the person may not be
 * known yet.
 */
export function AcceptInvitationView({
  outcome,
  onSignIn,
}: {
  outcome?: InvitationOutcome;
  onSignIn: (token: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [token] = useState(invitationToken);
  const refused = outcome?.status === "failed" ? refusal(outcome.error) : null;
  useEffect(() => {
    // A member now, or a dead link: the token is of no more use.
    if (outcome?.status === "accepted" || refused === "gone") forgetInvitationToken();
  }, [outcome, refused]);

  let body;
  if (outcome?.status === "accepted") {
    body = <Accepted me={outcome.me} />;
  } else if (refused === "gone") {
    body = (
      <p className="problem" role="alert" data-testid="accept-gone">
        {t("accept.gone")}
      </p>
    );
  } else if (!token) {
    body = <p role="alert">{t("accept.noToken")}</p>;
  } else {
    body = (
      <>
        {refused === "otherEmail" ? (
          <p className="problem" role="alert" data-testid="accept-other-email">
            {t("accept.otherEmail")}
          </p>
        ) : refused === "other" ? null : (
          <p>{t("accept.signIn")}</p>
        )}
        <SignInButton
          label={t("accept.signInButton")}
          failure={refused === "other" && outcome?.status === "failed" ? messageOf(outcome.error) : undefined}
          onSignIn={() => onSignIn(token)}
        />
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

/** A member now: as what (GET /v1/me), and on into the console. */
function Accepted({ me }: { me: () => Promise<Me> }) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const loaded = useLoad(me, "me");
  return (
    <Load state={loaded}>
      {(data) => (
        <>
          <p className="notice" role="status">
            {t("accept.done", {
              role: data.kind === "tenant_user" ? t(`role.${data.role}`) : data.roles.join(", "),
            })}
          </p>
          <button type="button" className="primary" onClick={() => navigate("/", { replace: true })}>
            {t("accept.continue")}
          </button>
        </>
      )}
    </Load>
  );
}
