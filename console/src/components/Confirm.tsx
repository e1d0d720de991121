import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { ApiError } from "../api";
import { useI18n } from "../i18n";
import { ProblemMessage } from "./Problem";

/**
 * Asks before a destructive action, in a modal dialog (focus kept inside,
 * Escape cancels). With `typeToConfirm` the action stays disabled until
 * that exact text is typed (deleting a tenant asks for its domain).
 */
export function Confirm({
  message,
  confirmLabel,
  busy,
  error,
  typeToConfirm,
  typeLabel,
  children,
  onConfirm,
  onCancel,
}: {
  message: string;
  confirmLabel: string;
  busy?: boolean;
  error?: ApiError | null;
  typeToConfirm?: string;
  typeLabel?: string;
  children?: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const titleId = useId();
  const messageId = useId();
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const ready = !busy && (typeToConfirm === undefined || typed === typeToConfirm);
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onConfirm();
        }}
      >
        <h2 id={titleId}>{t("confirm.title")}</h2>
        <p id={messageId}>{message}</p>
        {children}
        {typeToConfirm !== undefined ? (
          <label>
            {typeLabel}
            <input
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              autoFocus
            />
          </label>
        ) : null}
        {error ? <ProblemMessage error={error} /> : null}
        <div className="buttons">
          <button type="button" onClick={onCancel} disabled={busy} autoFocus={typeToConfirm === undefined}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="danger" disabled={!ready}>
            {busy ? t("common.saving") : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
