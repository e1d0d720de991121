import { useState, type FormEvent } from "react";
import { PagedTable } from "../components/PagedTable";
import { useCursor } from "../components/Pager";
import { ProblemMessage } from "../components/Problem";
import { StatusBadge } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { Link, useRouter } from "../router";
import { useSession } from "../session";
import { ENVIRONMENTS, type AppEnvironment } from "../types";

/** The managed applications (GET /v1/applications) and registering one. */
export function ApplicationsView() {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const pages = useCursor();
  const apps = useLoad(() => api.applications({ limit: 25, cursor: pages.cursor }), `apps:${pages.cursor ?? ""}`);
  const [registering, setRegistering] = useState(false);
  return (
    <>
      <div className="title-row">
        <h1>{t("apps.title")}</h1>
        {can.appsWrite && !registering ? (
          <button type="button" className="primary" onClick={() => setRegistering(true)}>
            {t("apps.register")}
          </button>
        ) : null}
      </div>
      {registering ? <RegisterForm onCancel={() => setRegistering(false)} /> : null}
      <PagedTable
        state={apps}
        pages={pages}
        empty={t("apps.empty")}
        columns={[t("apps.name"), t("apps.environment"), t("apps.owner"), t("common.status"), t("common.created")]}
        row={(a) => (
          <tr key={a.id}>
            <td>
              <Link to={`/applications/${a.id}`}>{a.name}</Link>
            </td>
            <td>{a.environment}</td>
            <td>{a.owner}</td>
            <td>
              <StatusBadge status={a.status} />
            </td>
            <td>{dateTime(a.created_at)}</td>
          </tr>
        )}
      />
    </>
  );
}

function RegisterForm({ onCancel }: { onCancel: () => void }) {
  const { t } = useI18n();
  const { api, announce } = useSession();
  const { navigate } = useRouter();
  const [form, setForm] = useState({ name: "", environment: "Production" as AppEnvironment, owner: "" });
  const [key, setKey] = useState(() => crypto.randomUUID());
  const register = useAction(api.registerApplication);
  const change = (patch: Partial<typeof form>) => {
    setForm((f) => ({ ...f, ...patch }));
    setKey(crypto.randomUUID());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const app = await register.run(form, key);
    if (app) {
      const path = `/applications/${app.id}`;
      announce(path, t("apps.registered", { name: app.name, id: app.id }));
      navigate(path);
    }
  };
  return (
    <form className="stack panel" onSubmit={submit} aria-label={t("apps.register")}>
      <h2>{t("apps.register")}</h2>
      <ApplicationFields form={form} change={change} />
      {register.error ? <ProblemMessage error={register.error} /> : null}
      <div className="buttons">
        <button type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="primary" disabled={register.busy}>
          {register.busy ? t("common.saving") : t("apps.register")}
        </button>
      </div>
    </form>
  );
}

/** Name, environment and owner: the fields registering and editing share. */
export function ApplicationFields({
  form,
  change,
}: {
  form: { name: string; environment: AppEnvironment; owner: string };
  change: (patch: Partial<{ name: string; environment: AppEnvironment; owner: string }>) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <label>
        {t("apps.name")}
        <input required maxLength={100} value={form.name} onChange={(e) => change({ name: e.target.value })} />
      </label>
      <label>
        {t("apps.environment")}
        <select value={form.environment} onChange={(e) => change({ environment: e.target.value as AppEnvironment })}>
          {ENVIRONMENTS.map((env) => (
            <option key={env}>{env}</option>
          ))}
        </select>
      </label>
      <label>
        {t("apps.owner")}
        <input required maxLength={100} value={form.owner} onChange={(e) => change({ owner: e.target.value })} />
      </label>
    </>
  );
}
