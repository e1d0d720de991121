import { useState, type FormEvent } from "react";
import { ProblemMessage } from "../components/Problem";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useRouter } from "../router";
import { useSession } from "../session";
import { PLANS, type Plan } from "../types";

/**
 * Provision a tenant (UC-PROV-001). The Idempotency-Key stays the same
 * while the form does, so a retry after a lost answer provisions once; any
 * change makes a new one (the same key for another request is refused).
 */
export function ProvisionView() {
  const { t } = useI18n();
  const { api, announce } = useSession();
  const { navigate } = useRouter();
  const [form, setForm] = useState({ name: "", domain: "", plan: "Pro" as Plan, owner_email: "" });
  const [applications, setApplications] = useState<string[]>([]);
  const [key, setKey] = useState(() => crypto.randomUUID());
  const registered = useLoad(() => api.applications({ limit: 100 }), "apps");
  const provision = useAction(api.provision);
  const change = (patch: Partial<typeof form>) => {
    setForm((f) => ({ ...f, ...patch }));
    setKey(crypto.randomUUID());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await provision.run({ ...form, applications }, key);
    if (created) {
      const path = `/tenants/${created.id}`;
      announce(path, t("provision.done", { domain: created.domain, email: created.owner.email }));
      navigate(path);
    }
  };
  return (
    <>
      <h1>{t("provision.title")}</h1>
      <form className="stack" onSubmit={submit}>
        <label>
          {t("provision.name")}
          <input required maxLength={100} value={form.name} onChange={(e) => change({ name: e.target.value })} />
        </label>
        <label>
          {t("provision.domain")}
          <input
            required
            minLength={3}
            maxLength={63}
            pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?"
            aria-describedby="domain-hint"
            value={form.domain}
            onChange={(e) => change({ domain: e.target.value.toLowerCase() })}
          />
          <small id="domain-hint">{t("provision.domainHint")}</small>
        </label>
        <label>
          {t("provision.plan")}
          <select value={form.plan} onChange={(e) => change({ plan: e.target.value as Plan })}>
            {PLANS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          {t("provision.ownerEmail")}
          <input
            required
            type="email"
            value={form.owner_email}
            onChange={(e) => change({ owner_email: e.target.value })}
          />
        </label>
        <fieldset>
          <legend>{t("provision.applications")}</legend>
          {registered.status === "ok" && registered.data.items.length === 0 ? (
            <p className="empty">{t("provision.noApplications")}</p>
          ) : null}
          {registered.status === "ok"
            ? registered.data.items
                .filter((a) => a.status === "Active")
                .map((a) => (
                  <label key={a.id} className="check">
                    <input
                      type="checkbox"
                      checked={applications.includes(a.id)}
                      onChange={(e) => {
                        setApplications((list) =>
                          e.target.checked ? [...list, a.id] : list.filter((id) => id !== a.id),
                        );
                        setKey(crypto.randomUUID());
                      }}
                    />
                    {a.name} <small>({a.environment})</small>
                  </label>
                ))
            : null}
          {registered.status === "error" ? <ProblemMessage error={registered.error} /> : null}
        </fieldset>
        {provision.error ? <ProblemMessage error={provision.error} /> : null}
        <div className="buttons">
          <button type="submit" className="primary" disabled={provision.busy}>
            {provision.busy ? t("provision.submitting") : t("provision.submit")}
          </button>
        </div>
      </form>
    </>
  );
}
