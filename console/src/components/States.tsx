import type { ReactNode } from "react";
import type { Loaded } from "../hooks";
import { useI18n } from "../i18n";
import { ProblemMessage } from "./Problem";

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {t("common.loading")}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Loading, its error (with a retry), or the data. */
export function Load<T>({
  state,
  children,
}: {
  state: Loaded<T> & { reload: () => void };
  children: (data: T) => ReactNode;
}) {
  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ProblemMessage error={state.error} onRetry={state.reload} />;
  return <>{children(state.data)}</>;
}

/** A short-lived confirmation of what just happened, read out by screen readers. */
export function Notice({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="notice" role="status" aria-live="polite">
      {children}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as Parameters<typeof t>[0];
  return <span className={`badge badge-${status}`}>{t(key)}</span>;
}
