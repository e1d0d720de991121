import type { ApiError } from "../api";
import { useI18n } from "../i18n";

/**
 * A refused or failed call, said plainly: what happened, each invalid field,
 * and the correlation id support needs to find it in the logs.
 */
export function ProblemMessage({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  const { problem } = error;
  const summary =
    error.status === 0
      ? t("problem.network")
      : error.status === 403
        ? t("problem.forbidden")
        : error.status === 401
          ? t("problem.unauthorized")
          : undefined;
  return (
    <div className="problem" role="alert">
      <p className="problem-title">
        <strong>{summary ?? problem.title}</strong>
        {error.errId ? <span className="problem-id"> ({error.errId})</span> : null}
      </p>
      {problem.detail && problem.detail !== summary ? <p>{problem.detail}</p> : null}
      {problem.invalid_params?.length ? (
        <ul>
          {problem.invalid_params.map((p) => (
            <li key={p.name}>{t("problem.invalid", { name: p.name, reason: p.reason })}</li>
          ))}
        </ul>
      ) : null}
      {problem.correlation_id ? (
        <p className="correlation">
          {t("problem.correlation")}: <code data-testid="correlation-id">{problem.correlation_id}</code>
        </p>
      ) : null}
      {error.status === 401 ? (
        <button type="button" onClick={() => window.location.reload()}>
          {t("app.signIn")}
        </button>
      ) : onRetry ? (
        <button type="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      ) : null}
    </div>
  );
}
