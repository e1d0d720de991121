import { useState } from "react";
import { PagedTable } from "../components/PagedTable";
import { useCursor } from "../components/Pager";
import { StatusBadge } from "../components/States";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useSession } from "../session";
import { MEMBER_STATUSES, TENANT_ROLES, type MemberStatus, type TenantRole } from "../types";

/** The tenant's members (GET /v1/users): email prefix, role, status, cursor pages. */
export function MembersView() {
  const { t, dateTime } = useI18n();
  const { api } = useSession();
  const [typed, setTyped] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TenantRole | "">("");
  const [status, setStatus] = useState<MemberStatus | "">("");
  const pages = useCursor();
  const members = useLoad(
    () => api.members({ email, role, status, limit: 25, cursor: pages.cursor }),
    JSON.stringify([email, role, status, pages.cursor]),
  );
  return (
    <>
      <div className="title-row">
        <h1>{t("members.title")}</h1>
        <Link to="/invitations" className="button primary">
          {t("members.invite")}
        </Link>
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          pages.reset();
          setEmail(typed.trim().toLowerCase());
        }}
      >
        <label>
          {t("members.search")}
          <input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} />
        </label>
        <label>
          {t("members.role")}
          <select
            value={role}
            onChange={(e) => {
              pages.reset();
              setRole(e.target.value as TenantRole | "");
            }}
          >
            <option value="">{t("common.all")}</option>
            {TENANT_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("common.status")}
          <select
            value={status}
            onChange={(e) => {
              pages.reset();
              setStatus(e.target.value as MemberStatus | "");
            }}
          >
            <option value="">{t("common.all")}</option>
            {MEMBER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t("common.search")}</button>
      </form>
      <PagedTable
        state={members}
        pages={pages}
        empty={t("members.empty")}
        columns={[t("members.email"), t("members.role"), t("common.status"), t("common.created")]}
        row={(m) => (
          <tr key={m.id}>
            <td>
              <Link to={`/members/${m.id}`}>{m.email}</Link>
            </td>
            <td>{t(`role.${m.role}`)}</td>
            <td>
              <StatusBadge status={m.status} />
            </td>
            <td>{dateTime(m.created_at)}</td>
          </tr>
        )}
      />
    </>
  );
}
