import { useState } from "react";
import { Confirm } from "../components/Confirm";
import { ProblemMessage } from "../components/Problem";
import { Empty, Load, Notice, StatusBadge } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useSession } from "../session";
import type { Application, Tenant } from "../types";
import { TenantFlags } from "./TenantFlags";

type Pending =
  | { kind: "suspend" }
  | { kind: "delete" }
  | { kind: "disable"; app: Application };

/**
 * One tenant: its details, its lifecycle (suspend / resume, delete with the
 * domain typed to confirm, restore during the grace period) and the
 * applications enabled for it, and its feature flags. Only operators are
 * offered the actions.
 */
export function TenantView({ id }: { id: string }) {
  const { api } = useSession();
  const tenant = useLoad(() => api.tenant(id), `tenant:${id}`);
  return <Load state={tenant}>{(data) => <TenantDetail tenant={data} reload={tenant.reload} />}</Load>;
}

function TenantDetail({ tenant, reload }: { tenant: Tenant; reload: () => void }) {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState("");
  const domain = tenant.domain;
  const act = useAction(async (p: Pending | "resume" | "restore") => {
    if (p === "resume") {
      await api.resume(tenant.id);
      return t("tenant.resumed", { domain });
    }
    if (p === "restore") {
      await api.restore(tenant.id);
      return t("tenant.restored", { domain });
    }
    switch (p.kind) {
      case "suspend":
        await api.suspend(tenant.id, reason.trim());
        return t("tenant.suspended", { domain });
      case "delete": {
        const deleted = await api.deleteTenant(tenant.id, domain);
        return t("tenant.deleted", { domain, date: dateTime(deleted.purge_at) });
      }
      case "disable":
        await api.disableApplication(tenant.id, p.app.id);
        return t("tenant.disabled", { name: p.app.name, domain });
    }
  });
  const run = async (p: Pending | "resume" | "restore") => {
    const message = await act.run(p);
    if (message !== undefined) {
      setPending(null);
      setNotice(message);
      reload();
    }
  };
  const status = tenant.status;
  return (
    <>
      <h1>{t("tenant.title", { domain })}</h1>
      <Notice>{notice}</Notice>
      <dl className="details">
        <dt>{t("common.name")}</dt>
        <dd>{tenant.name}</dd>
        <dt>{t("tenant.id")}</dt>
        <dd>
          <code>{tenant.id}</code>
        </dd>
        <dt>{t("tenants.plan")}</dt>
        <dd>{tenant.plan}</dd>
        <dt>{t("common.status")}</dt>
        <dd>
          <StatusBadge status={status} />
        </dd>
        {tenant.suspension_reason ? (
          <>
            <dt>{t("tenant.reason")}</dt>
            <dd>{tenant.suspension_reason}</dd>
          </>
        ) : null}
        {tenant.purge_at ? (
          <>
            <dt>{t("tenant.purgeAt")}</dt>
            <dd>{dateTime(tenant.purge_at)}</dd>
          </>
        ) : null}
        <dt>{t("common.created")}</dt>
        <dd>{dateTime(tenant.created_at)}</dd>
        <dt>{t("common.updated")}</dt>
        <dd>{dateTime(tenant.updated_at)}</dd>
      </dl>
      {can.tenantsWrite && status !== "Purged" ? (
        <div className="buttons" role="group" aria-label={t("common.actions")}>
          {status === "Active" ? (
            <button type="button" onClick={() => setPending({ kind: "suspend" })}>
              {t("tenant.suspend")}
            </button>
          ) : null}
          {status === "Suspended" ? (
            <button type="button" onClick={() => run("resume")} disabled={act.busy}>
              {t("tenant.resume")}
            </button>
          ) : null}
          {status === "PendingDeletion" ? (
            <button type="button" className="primary" onClick={() => run("restore")} disabled={act.busy}>
              {t("tenant.restore")}
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => setPending({ kind: "delete" })}>
              {t("tenant.delete")}
            </button>
          )}
        </div>
      ) : null}
      {act.error && !pending ? <ProblemMessage error={act.error} /> : null}
      {pending?.kind === "suspend" ? (
        <Confirm
          message={t("tenant.suspendConfirm", { domain })}
          confirmLabel={t("tenant.suspend")}
          busy={act.busy}
          error={act.error}
          onConfirm={() => run(pending)}
          onCancel={() => setPending(null)}
        >
          <label>
            {t("tenant.suspendReason")}
            <textarea maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
        </Confirm>
      ) : null}
      {pending?.kind === "delete" ? (
        <Confirm
          message={t("tenant.deleteConfirm", { domain })}
          confirmLabel={t("tenant.delete")}
          typeToConfirm={domain}
          typeLabel={t("tenant.deleteType", { domain })}
          busy={act.busy}
          error={act.error}
          onConfirm={() => run(pending)}
          onCancel={() => setPending(null)}
        />
      ) : null}
      {pending?.kind === "disable" ? (
        <Confirm
          message={t("tenant.disableConfirm", { name: pending.app.name, domain })}
          confirmLabel={t("tenant.disable")}
          busy={act.busy}
          error={act.error}
          onConfirm={() => run(pending)}
          onCancel={() => setPending(null)}
        />
      ) : null}
      <TenantApplications
        tenant={tenant}
        onDisable={(app) => setPending({ kind: "disable", app })}
        onChanged={(message) => setNotice(message)}
      />
      {can.tenantsRead && status !== "Purged" ? <TenantFlags tenantId={tenant.id} /> : null}
    </>
  );
}

function TenantApplications({
  tenant,
  onDisable,
  onChanged,
}: {
  tenant: Tenant;
  onDisable: (app: Application) => void;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const enabled = useLoad(() => api.tenantApplications(tenant.id), `tenant-apps:${tenant.id}:${tenant.updated_at}`);
  const editable = can.tenantsWrite && tenant.status === "Active";
  const registered = useLoad(
    () => (editable && can.appsRead ? api.applications({ limit: 100 }) : Promise.resolve({ items: [] })),
    `apps:${editable}`,
  );
  const [choice, setChoice] = useState("");
  const enable = useAction(async (appId: string) => {
    await api.enableApplication(tenant.id, appId);
    return true;
  });
  const enabledIds = enabled.status === "ok" ? enabled.data.items.map((a) => a.id) : [];
  const candidates =
    registered.status === "ok"
      ? registered.data.items.filter((a) => a.status === "Active" && !enabledIds.includes(a.id))
      : [];
  return (
    <section aria-labelledby="tenant-apps">
      <h2 id="tenant-apps">{t("tenant.applications")}</h2>
      <Load state={enabled}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>{t("tenant.noApplications")}</Empty>
          ) : (
            <ul className="plain">
              {data.items.map((a) => (
                <li key={a.id}>
                  {can.appsRead ? <Link to={`/applications/${a.id}`}>{a.name}</Link> : a.name}{" "}
                  <small>({a.environment})</small>{" "}
                  {editable ? (
                    <button type="button" className="small" onClick={() => onDisable(a)}>
                      {t("tenant.disable")}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </Load>
      {editable && candidates.length > 0 ? (
        <form
          className="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!choice) return;
            const app = candidates.find((a) => a.id === choice);
            if ((await enable.run(choice)) && app) {
              setChoice("");
              onChanged(t("tenant.enabled", { name: app.name, domain: tenant.domain }));
              enabled.reload();
            }
          }}
        >
          <label>
            {t("tenant.enableApp")}
            <select value={choice} onChange={(e) => setChoice(e.target.value)} required>
              <option value="" />
              {candidates.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.environment})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={enable.busy || !choice}>
            {t("tenant.enable")}
          </button>
        </form>
      ) : null}
      {enable.error ? <ProblemMessage error={enable.error} /> : null}
    </section>
  );
}
