import { useState, type FormEvent } from "react";
import { Confirm } from "../components/Confirm";
import { CopyButton } from "../components/CopyButton";
import { ProblemMessage } from "../components/Problem";
import { Empty, Load, Notice, StatusBadge } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { APP_SCOPES, type ApplicationDetail, type AppScope, type IssuedSecret, type Secret } from "../types";
import { ApplicationClientSection } from "./ApplicationClientSection";
import { ApplicationFields } from "./ApplicationsView";

/** One application: edit it, disable it, register it as an OpenID Connect client, issue and revoke its secrets. */
export function ApplicationView({ id }: { id: string }) {
  const { api } = useSession();
  const app = useLoad(() => api.application(id), `app:${id}`);
  return <Load state={app}>{(data) => <ApplicationDetailView app={data} reload={app.reload} />}</Load>;
}

function ApplicationDetailView({ app, reload }: { app: ApplicationDetail; reload: () => void }) {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const [form, setForm] = useState({ name: app.name, environment: app.environment, owner: app.owner });
  const [notice, setNotice] = useState("");
  const [confirmDisable, setConfirmDisable] = useState(false);
  const update = useAction(api.updateApplication);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const saved = await update.run(app.id, form);
    if (saved) {
      setNotice(t("apps.updated", { name: saved.name }));
      reload();
    }
  };
  const setStatus = async (status: "Active" | "Disabled") => {
    const saved = await update.run(app.id, { status });
    if (saved) {
      setConfirmDisable(false);
      setNotice(t("apps.updated", { name: saved.name }));
      reload();
    }
  };
  return (
    <>
      <h1>{app.name}</h1>
      <Notice>{notice}</Notice>
      <dl className="details">
        <dt>{t("apps.clientId")}</dt>
        <dd>
          <code>{app.id}</code> <CopyButton text={app.id} />
        </dd>
        <dt>{t("common.status")}</dt>
        <dd>
          <StatusBadge status={app.status} />
        </dd>
        <dt>{t("apps.billingReader")}</dt>
        <dd>{app.billing_reader ? t("apps.billingReaderYes") : t("apps.billingReaderNo")}</dd>
        <dt>{t("apps.environment")}</dt>
        <dd>{app.environment}</dd>
        <dt>{t("apps.owner")}</dt>
        <dd>{app.owner}</dd>
        <dt>{t("common.created")}</dt>
        <dd>{dateTime(app.created_at)}</dd>
        <dt>{t("common.updated")}</dt>
        <dd>{dateTime(app.updated_at)}</dd>
      </dl>
      {can.appsWrite ? (
        <>
          <form className="stack panel" onSubmit={save} aria-label={t("apps.edit")}>
            <h2>{t("apps.edit")}</h2>
            <ApplicationFields form={form} change={(patch) => setForm((f) => ({ ...f, ...patch }))} />
            {update.error && !confirmDisable ? <ProblemMessage error={update.error} /> : null}
            <div className="buttons">
              <button type="submit" className="primary" disabled={update.busy}>
                {update.busy ? t("common.saving") : t("common.save")}
              </button>
              {app.status === "Active" ? (
                <button type="button" className="danger" onClick={() => setConfirmDisable(true)}>
                  {t("apps.disable")}
                </button>
              ) : (
                <button type="button" onClick={() => setStatus("Active")}>
                  {t("apps.enable")}
                </button>
              )}
            </div>
          </form>
          {confirmDisable ? (
            <Confirm
              message={t("apps.disableConfirm", { name: app.name })}
              confirmLabel={t("apps.disable")}
              busy={update.busy}
              error={update.error}
              onConfirm={() => setStatus("Disabled")}
              onCancel={() => setConfirmDisable(false)}
            />
          ) : null}
        </>
      ) : null}
      {can.billingAdminister ? <BillingReader app={app} onChanged={reload} /> : null}
      <ApplicationClientSection app={app} onChanged={reload} />
      <Secrets app={app} secrets={app.secrets} onChanged={reload} />
    </>
  );
}

/** An operator designates the application that reads the billing feed, or withdraws it. */
function BillingReader({ app, onChanged }: { app: ApplicationDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [notice, setNotice] = useState("");
  const change = useAction((designate: boolean) =>
    designate ? api.designateBillingReader(app.id) : api.withdrawBillingReader(app.id),
  );
  const set = async (designate: boolean) => {
    const saved = await change.run(designate);
    if (saved) {
      setNotice(t(designate ? "apps.billingReaderDesignated" : "apps.billingReaderWithdrawn", { name: saved.name }));
      onChanged();
    }
  };
  return (
    <section className="panel stack" aria-label={t("apps.billingReader")}>
      <h2>{t("apps.billingReader")}</h2>
      <p>{t("apps.billingReaderHelp")}</p>
      <Notice>{notice}</Notice>
      {change.error ? <ProblemMessage error={change.error} /> : null}
      <div className="buttons">
        {app.billing_reader ? (
          <button type="button" className="danger" disabled={change.busy} onClick={() => set(false)}>
            {t("apps.billingReaderWithdraw")}
          </button>
        ) : (
          <button type="button" disabled={change.busy} onClick={() => set(true)}>
            {t("apps.billingReaderDesignate")}
          </button>
        )}
      </div>
    </section>
  );
}

function Secrets({ app, secrets, onChanged }: { app: ApplicationDetail; secrets: Secret[]; onChanged: () => void }) {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const [issued, setIssued] = useState<IssuedSecret | null>(null);
  const [revoking, setRevoking] = useState<Secret | null>(null);
  const [notice, setNotice] = useState("");
  const revoke = useAction(async (s: Secret) => {
    await api.revokeSecret(app.id, s.id);
    return true;
  });
  return (
    <section aria-labelledby="secrets">
      <h2 id="secrets">{t("secrets.title")}</h2>
      <Notice>{notice}</Notice>
      {issued ? (
        <div className="issued" role="region" aria-label={t("secrets.issued")}>
          <h3>{t("secrets.issued")}</h3>
          <p className="warning">
            <strong>{t("secrets.warning")}</strong>
          </p>
          <p>
            <code className="secret" data-testid="client-secret">
              {issued.client_secret}
            </code>{" "}
            <CopyButton text={issued.client_secret} />
          </p>
          <button type="button" onClick={() => setIssued(null)}>
            {t("common.close")}
          </button>
        </div>
      ) : null}
      {secrets.length === 0 ? (
        <Empty>{t("secrets.empty")}</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("secrets.hint")}</th>
              <th scope="col">{t("secrets.scopes")}</th>
              <th scope="col">{t("common.created")}</th>
              <th scope="col">{t("secrets.expires")}</th>
              <th scope="col">{t("common.status")}</th>
              {can.appsWrite ? <th scope="col">{t("common.actions")}</th> : null}
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>…{s.hint}</code>
                </td>
                <td>{s.scopes.join(", ")}</td>
                <td>{dateTime(s.created_at)}</td>
                <td>{s.expires_at ? dateTime(s.expires_at) : t("common.none")}</td>
                <td>
                  {s.revoked_at
                    ? `${t("secrets.revoked")} ${dateTime(s.revoked_at)}`
                    : s.active
                      ? t("secrets.active")
                      : t("secrets.inactive")}
                </td>
                {can.appsWrite ? (
                  <td>
                    {s.active ? (
                      <button type="button" className="small danger" onClick={() => setRevoking(s)}>
                        {t("secrets.revoke")}
                        <span className="visually-hidden"> …{s.hint}</span>
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoking ? (
        <Confirm
          message={t("secrets.revokeConfirm", { hint: revoking.hint })}
          confirmLabel={t("secrets.revoke")}
          busy={revoke.busy}
          error={revoke.error}
          onConfirm={async () => {
            if (await revoke.run(revoking)) {
              setNotice(t("secrets.revokedDone", { hint: revoking.hint }));
              setRevoking(null);
              onChanged();
            }
          }}
          onCancel={() => setRevoking(null)}
        />
      ) : null}
      {can.appsWrite && app.status === "Active" ? (
        <IssueForm
          appId={app.id}
          onIssued={(s) => {
            setIssued(s);
            setNotice("");
            onChanged();
          }}
        />
      ) : null}
    </section>
  );
}

function IssueForm({ appId, onIssued }: { appId: string; onIssued: (s: IssuedSecret) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [scopes, setScopes] = useState<AppScope[]>([]);
  const [expires, setExpires] = useState("");
  const [missing, setMissing] = useState(false);
  const issue = useAction(api.issueSecret);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (scopes.length === 0) {
      setMissing(true);
      return;
    }
    const body = expires ? { scopes, expires_at: new Date(expires).toISOString() } : { scopes };
    const s = await issue.run(appId, body);
    if (s) {
      setScopes([]);
      setExpires("");
      onIssued(s);
    }
  };
  return (
    <form className="stack panel" onSubmit={submit} aria-label={t("secrets.issue")}>
      <h3>{t("secrets.issue")}</h3>
      <fieldset aria-describedby={missing ? "scope-missing" : undefined}>
        <legend>{t("secrets.scopes")}</legend>
        {APP_SCOPES.map((scope) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => {
                setMissing(false);
                setScopes((list) => (e.target.checked ? [...list, scope] : list.filter((s) => s !== scope)));
              }}
            />
            <code>{scope}</code>
          </label>
        ))}
        {missing ? (
          <p id="scope-missing" className="field-error" role="alert">
            {t("secrets.pickScope")}
          </p>
        ) : null}
      </fieldset>
      <label>
        {t("secrets.expires")}
        <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </label>
      {issue.error ? <ProblemMessage error={issue.error} /> : null}
      <div className="buttons">
        <button type="submit" className="primary" disabled={issue.busy}>
          {issue.busy ? t("common.saving") : t("secrets.issue")}
        </button>
      </div>
    </form>
  );
}
