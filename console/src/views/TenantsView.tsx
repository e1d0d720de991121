import { useState } from "react";
import { PagedTable } from "../components/PagedTable";
import { useCursor } from "../components/Pager";
import { StatusBadge } from "../components/States";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useSession } from "../session";
import { TENANT_STATUSES, type TenantStatus } from "../types";

/** Find tenants: domain prefix, status, cursor pages (GET /v1/tenants). */
export function TenantsView() {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");
  const [status, setStatus] = useState<TenantStatus | "">("");
  const pages = useCursor();
  const tenants = useLoad(
    () => api.tenants({ q, status, limit: 25, cursor: pages.cursor }),
    JSON.stringify([q, status, pages.cursor]),
  );
  return (
    <>
      <div className="title-row">
        <h1>{t("tenants.title")}</h1>
        {can.tenantsWrite ? (
          <Link to="/tenants/new" className="button primary">
            {t("tenants.new")}
          </Link>
        ) : null}
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          pages.reset();
          setQ(typed.trim().toLowerCase());
        }}
      >
        <label>
          {t("tenants.search")}
          <input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <label>
          {t("tenants.status")}
          <select
            value={status}
            onChange={(e) => {
              pages.reset();
              setStatus(e.target.value as TenantStatus | "");
            }}
          >
            <option value="">{t("common.all")}</option>
            {TENANT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t("common.search")}</button>
      </form>
      <PagedTable
        state={tenants}
        pages={pages}
        empty={t("tenants.empty")}
        columns={[t("tenants.domain"), t("common.name"), t("tenants.plan"), t("common.status"), t("common.created")]}
        row={(tenant) => (
          <tr key={tenant.id}>
            <td>
              <Link to={`/tenants/${tenant.id}`}>{tenant.domain}</Link>
            </td>
            <td>{tenant.name}</td>
            <td>{tenant.plan}</td>
            <td>
              <StatusBadge status={tenant.status} />
            </td>
            <td>{dateTime(tenant.created_at)}</td>
          </tr>
        )}
      />
    </>
  );
}
