import { useEffect, useState } from "react";
import { Confirm } from "../components/Confirm";
import { ProblemMessage } from "../components/Problem";
import { Load, Notice, StatusBadge } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { Link, useRouter } from "../router";
import { useSession } from "../session";
import { TENANT_ROLES, type Member, type TenantRole } from "../types";
import { SessionsTable } from "./SessionsTable";
import type { ApiError } from "../api";

/** What the API's refusals of a member change mean, said plainly. */
export function MemberProblem({ error }: { error: ApiError }) {
  const { t } = useI18n();
  return (
    <>
      {error.errId === "ERR-VAL-422" ? (
        <p className="field-error" data-testid="last-owner">
          {t("member.lastOwner")}
        </p>
      ) : null}
      <ProblemMessage error={error} />
    </>
  );
}

/**
 * One member (GET /v1/users/{id} with its ETag): change the role, disable or
 * enable (PATCH with If-Match), delete, and their sign-in sessions. An
 * Administrator is not offered what the API refuses them (Owners).
 */
export function MemberView({ id }: { id: string }) {
  const { api } = useSession();
  const member = useLoad(() => api.member(id), `member:${id}`);
  return (
    <Load state={member}>
      {(data) => <MemberDetail member={data.member} etag={data.etag} reload={member.reload} />}
    </Load>
  );
}

type Pending = "delete" | "disable" | "endAll" | { session: string };

function MemberDetail({ member, etag, reload }: { member: Member; etag: string; reload: () => void }) {
  const { t, dateTime } = useI18n();
  const { api, can, me, announce } = useSession();
  const { navigate } = useRouter();
  const [role, setRole] = useState<TenantRole>(member.role);
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState("");
  const [stale, setStale] = useState(false);
  const sessions = useLoad(() => api.memberSessions(member.id), `member-sessions:${member.id}:${member.version}`);
  const email = member.email;
  // Administrators may not touch Owners nor grant Owner (the API refuses).
  const mayAct = can.manageOwners || member.role !== "Owner";
  const roles = TENANT_ROLES.filter((r) => can.manageOwners || r !== "Owner");
  const self = me.user_id === member.id;
  const act = useAction(async (p: Pending | "role" | "enable") => {
    if (p === "role") {
      await api.updateMember(member.id, { role }, etag);
      return t("member.roleChanged", { email, role: t(`role.${role}`) });
    }
    if (p === "enable") {
      await api.updateMember(member.id, { status: "Active" }, etag);
      return t("member.enabled", { email });
    }
    if (p === "disable") {
      await api.updateMember(member.id, { status: "Disabled" }, etag);
      return t("member.disabled", { email });
    }
    if (p === "delete") {
      await api.deleteMember(member.id);
      return t("member.deleted", { email });
    }
    if (p === "endAll") {
      await api.endMemberSessions(member.id);
      return t("sessions.endedAll");
    }
    await api.endMemberSession(member.id, p.session);
    return t("sessions.ended");
  });
  const run = async (p: Pending | "role" | "enable") => {
    setStale(false);
    setNotice("");
    const message = await act.run(p).catch(() => undefined);
    if (message === undefined) return;
    setPending(null);
    if (p === "delete") {
      announce("/members", message);
      navigate("/members");
      return;
    }
    setNotice(message);
    if (typeof p === "object" || p === "endAll") sessions.reload();
    else reload();
  };
  // Changed by someone else since this page read it (If-Match): say so and
  // show the member as it is now.
  const conflict = act.error?.errId === "ERR-VAL-409";
  useEffect(() => {
    if (!conflict) return;
    setStale(true);
    setPending(null);
    act.clearError();
    reload();
  }, [conflict]);
  const status = member.status;
  return (
    <>
      <p>
        <Link to="/members">{t("members.back")}</Link>
      </p>
      <h1>{t("member.title", { email })}</h1>
      <Notice>{notice}</Notice>
      {stale ? (
        <p className="problem" role="alert">
          {t("member.stale")}
        </p>
      ) : null}
      <dl className="details">
        <dt>{t("members.email")}</dt>
        <dd>{email}</dd>
        <dt>{t("members.role")}</dt>
        <dd>{t(`role.${member.role}`)}</dd>
        <dt>{t("common.status")}</dt>
        <dd>
          <StatusBadge status={status} />
        </dd>
        <dt>{t("common.created")}</dt>
        <dd>{dateTime(member.created_at)}</dd>
        <dt>{t("common.updated")}</dt>
        <dd>{dateTime(member.updated_at)}</dd>
      </dl>
      {!mayAct ? <p className="hint">{t("member.ownerOnly")}</p> : null}
      {mayAct ? (
        <>
          {status !== "Invited" ? (
            <form
              className="inline"
              aria-label={t("member.changeRole")}
              onSubmit={(e) => {
                e.preventDefault();
                void run("role");
              }}
            >
              <label>
                {t("members.role")}
                <select value={role} onChange={(e) => setRole(e.target.value as TenantRole)}>
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={act.busy || role === member.role}>
                {t("member.changeRole")}
              </button>
            </form>
          ) : null}
          <div className="buttons" role="group" aria-label={t("common.actions")}>
            {status === "Active" && !self ? (
              <button type="button" onClick={() => setPending("disable")}>
                {t("member.disable")}
              </button>
            ) : null}
            {status === "Disabled" ? (
              <button type="button" onClick={() => void run("enable")} disabled={act.busy}>
                {t("member.enable")}
              </button>
            ) : null}
            {!self ? (
              <button type="button" className="danger" onClick={() => setPending("delete")}>
                {t("member.delete")}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
      {act.error && !pending ? <MemberProblem error={act.error} /> : null}
      {pending === "disable" ? (
        <Confirm
          message={t("member.disableConfirm", { email })}
          confirmLabel={t("member.disable")}
          busy={act.busy}
          error={act.error}
          onConfirm={() => void run("disable")}
          onCancel={() => setPending(null)}
        />
      ) : null}
      {pending === "delete" ? (
        <Confirm
          message={t("member.deleteConfirm", { email })}
          confirmLabel={t("member.delete")}
          typeToConfirm={email}
          typeLabel={t("member.deleteType", { email })}
          busy={act.busy}
          error={act.error}
          onConfirm={() => void run("delete")}
          onCancel={() => setPending(null)}
        />
      ) : null}
      {pending === "endAll" ? (
        <Confirm
          message={t("sessions.endAllConfirm", { email })}
          confirmLabel={t("sessions.endAll")}
          busy={act.busy}
          error={act.error}
          onConfirm={() => void run("endAll")}
          onCancel={() => setPending(null)}
        />
      ) : null}
      <section aria-labelledby="member-sessions">
        <h2 id="member-sessions">{t("sessions.title")}</h2>
        <Load state={sessions}>
          {(data) => (
            <>
              <SessionsTable
                sessions={data.items}
                busy={act.busy}
                onEnd={mayAct ? (s) => void run({ session: s.id }) : undefined}
              />
              {mayAct && data.items.some((s) => !s.ended_at) ? (
                <button type="button" className="danger" onClick={() => setPending("endAll")}>
                  {t("sessions.endAll")}
                </button>
              ) : null}
            </>
          )}
        </Load>
      </section>
    </>
  );
}
