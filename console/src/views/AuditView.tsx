import { useState, type FormEvent } from "react";
import { PagedTable } from "../components/PagedTable";
import { useCursor } from "../components/Pager";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";

/** `datetime-local` is the viewer's wall clock; the API wants RFC 3339 UTC. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The audit trail (GET /v1/audit-records): by tenant and time range, newest first. */
export function AuditView() {
  const { t, dateTime } = useI18n();
  const { api, me } = useSession();
  const [draft, setDraft] = useState({ tenant_id: "", from: "", to: "" });
  const [filters, setFilters] = useState(draft);
  const pages = useCursor();
  const records = useLoad(
    () =>
      api.auditRecords({
        tenant_id: filters.tenant_id.trim() || undefined,
        from: toIso(filters.from),
        to: toIso(filters.to),
        limit: 50,
        cursor: pages.cursor,
      }),
    JSON.stringify([filters, pages.cursor]),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pages.reset();
    setFilters(draft);
  };
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        {me.kind === "platform" ? (
          <label>
            {t("audit.tenant")}
            <input
              value={draft.tenant_id}
              onChange={(e) => setDraft({ ...draft, tenant_id: e.target.value })}
              spellCheck={false}
            />
          </label>
        ) : null}
        <label>
          {t("audit.from")}
          <input type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t("audit.to")}
          <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <button type="submit">{t("common.search")}</button>
      </form>
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
