import { useState, type FormEvent } from "react";
import { FieldError, fieldErrors, withoutFields } from "../components/FieldError";
import { PagedTable } from "../components/PagedTable";
import { useCursor } from "../components/Pager";
import { ProblemMessage } from "../components/Problem";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { AUDIT_OUTCOMES, type AuditFilter, type AuditOutcome } from "../types";
import { AuditExportPanel } from "./AuditExportPanel";

/** The last export's id, so that a reload of the page shows it again. */
export const EXPORT_KEY = "audit-export";
/** An export without a start covers this many days before its end (or now). */
export const DEFAULT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = ["tenant_id", "from", "to", "actor_id", "action", "outcome"] as const;

interface Search {
  tenant_id: string;
  from: string;
  to: string;
  actor_id: string;
  action: string;
  outcome: AuditOutcome | "";
}

/** `datetime-local` is the viewer's wall clock; the API wants RFC 3339 UTC. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The filters that are set (the API is given only those). */
function filterOf(s: Search): AuditFilter {
  return { actor_id: s.actor_id.trim() || undefined, action: s.action.trim() || undefined, outcome: s.outcome || undefined };
}

/**
 * The audit trail (GET /v1/audit-records): by tenant, time range, actor,
 * action and outcome, newest first; and the same search exported as CSV
 * (UC-AUDIT-EXPORT), the last export's job shown below it.
 */
export function AuditView() {
  const { t, dateTime } = useI18n();
  const { api, me, can } = useSession();
  const [draft, setDraft] = useState<Search>({ tenant_id: "", from: "", to: "", actor_id: "", action: "", outcome: "" });
  const [filters, setFilters] = useState(draft);
  const [exportId, setExportId] = useState(() => window.sessionStorage.getItem(EXPORT_KEY) ?? undefined);
  const pages = useCursor();
  const records = useLoad(
    () =>
      api.auditRecords({
        tenant_id: filters.tenant_id.trim() || undefined,
        from: toIso(filters.from),
        to: toIso(filters.to),
        ...filterOf(filters),
        limit: 50,
        cursor: pages.cursor,
      }),
    JSON.stringify([filters, pages.cursor]),
  );
  const exporting = useAction((s: Search) => {
    // The export API needs a range: the last 30 days unless one is given.
    const to = toIso(s.to) ?? new Date().toISOString();
    const from = toIso(s.from) ?? new Date(Date.parse(to) - DEFAULT_DAYS * DAY_MS).toISOString();
    return api.requestAuditExport({
      ...(me.kind === "platform" ? { tenant_id: s.tenant_id.trim() || undefined } : {}),
      from,
      to,
      ...filterOf(s),
    });
  });
  const search = () => {
    pages.reset();
    setFilters(draft);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    search();
  };
  const startExport = async () => {
    search();
    const job = await exporting.run(draft);
    if (job) {
      window.sessionStorage.setItem(EXPORT_KEY, job.id);
      setExportId(job.id);
    }
  };
  const closeExport = () => {
    window.sessionStorage.removeItem(EXPORT_KEY);
    setExportId(undefined);
  };
  const set = (name: keyof Search) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });
  /** An export's refusal of a field, beside it. */
  const invalid = (name: (typeof FIELDS)[number]) => {
    const reasons = fieldErrors(exporting.error, name);
    return {
      props: reasons.length ? { "aria-invalid": true, "aria-describedby": `audit-${name}-error` } : {},
      error: <FieldError id={`audit-${name}-error`} reasons={reasons} />,
    };
  };
  const tenant = invalid("tenant_id");
  const from = invalid("from");
  const to = invalid("to");
  const actor = invalid("actor_id");
  const action = invalid("action");
  const outcome = invalid("outcome");
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        {me.kind === "platform" ? (
          <label>
            {t("audit.tenant")}
            <input value={draft.tenant_id} onChange={set("tenant_id")} spellCheck={false} {...tenant.props} />
            {tenant.error}
          </label>
        ) : null}
        <label>
          {t("audit.from")}
          <input type="datetime-local" value={draft.from} onChange={set("from")} {...from.props} />
          {from.error}
        </label>
        <label>
          {t("audit.to")}
          <input type="datetime-local" value={draft.to} onChange={set("to")} {...to.props} />
          {to.error}
        </label>
        <label>
          {t("audit.actorId")}
          <input value={draft.actor_id} onChange={set("actor_id")} spellCheck={false} {...actor.props} />
          {actor.error}
        </label>
        <label>
          {t("audit.action")}
          <input value={draft.action} onChange={set("action")} spellCheck={false} {...action.props} />
          {action.error}
        </label>
        <label>
          {t("audit.outcome")}
          <select value={draft.outcome} onChange={set("outcome")} {...outcome.props}>
            <option value="">{t("audit.anyOutcome")}</option>
            {AUDIT_OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`audit.outcome.${o}`)}
              </option>
            ))}
          </select>
          {outcome.error}
        </label>
        <button type="submit">{t("common.search")}</button>
      </form>
      {can.exportAudit ? (
        <div className="inline export-request">
          <button
            type="button"
            className="primary"
            onClick={startExport}
            disabled={exporting.busy}
            aria-describedby="audit-export-hint"
          >
            {exporting.busy ? t("audit.exporting") : t("audit.export")}
          </button>
          <span id="audit-export-hint" className="hint">
            {t("audit.exportHint")}
          </span>
        </div>
      ) : null}
      {exporting.error ? <ProblemMessage error={withoutFields(exporting.error, [...FIELDS])} /> : null}
      {exportId ? <AuditExportPanel key={exportId} id={exportId} onClose={closeExport} /> : null}
      <PagedTable
        state={records}
        pages={pages}
        className="audit"
        empty={t("audit.empty")}
        columns={[
          t("audit.time"),
          t("audit.actor"),
          t("audit.action"),
          t("audit.resource"),
          t("audit.outcome"),
          t("audit.correlation"),
        ]}
        row={(r) => (
          <tr key={r.id}>
            <td>{dateTime(r.timestamp)}</td>
            <td>
              {r.actor_type} <code>{r.actor_id}</code>
            </td>
            <td>
              <code>{r.action}</code>
            </td>
            <td>
              <details>
                <summary>
                  <code>{r.resource}</code>
                </summary>
                <pre>{JSON.stringify(r.metadata, null, 2)}</pre>
              </details>
            </td>
            <td>{r.outcome}</td>
            <td>
              <code>{r.correlation_id}</code>
            </td>
          </tr>
        )}
      />
    </>
  );
}
