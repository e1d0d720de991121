import { useState } from "react";
import { useI18n } from "../i18n";

/** What went wrong, in words: an OIDC error's description, else the message. */
export function messageOf(error: unknown): string {
  if (error && typeof error === "object") {
    const { error_description: description } = error as { error_description?: unknown };
    if (typeof description === "string" && description) return description;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The button that sends the browser to the control plane's sign-in, busy
 * once pressed; a sign-in that failed (before, or when starting it) is said
 * above it.
 */
export function SignInButton({
  label,
  onSignIn,
  failure,
}: {
  label: string;
  onSignIn: () => Promise<void>;
  failure?: string;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const shown = failed ?? failure;
  return (
    <>
      {shown ? (
        <p className="problem" role="alert">
          {t("app.signInFailed", { message: shown })}
        </p>
      ) : null}
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setFailed(null);
          onSignIn().catch((e: unknown) => {
            setBusy(false);
            setFailed(messageOf(e));
          });
        }}
      >
        {busy ? t("app.signingIn") : label}
      </button>
    </>
  );
}
