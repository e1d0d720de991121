import { useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { Confirm } from "../components/Confirm";
import { FieldError, fieldErrors, withoutFields } from "../components/FieldError";
import { ProblemMessage } from "../components/Problem";
import { Load, Notice } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { SsoConfig } from "../types";

const FIELDS = ["issuer", "client_id", "client_secret"] as const;

/**
 * The tenant's own identity provider (GET/POST/PUT/DELETE /v1/tenant/sso,
 * Owner only). The client secret is write-only: typed into a password
 * field, sent, never shown; the API answers only whether one is set.
 */
export function SsoView() {
  const { t } = useI18n();
  const { api } = useSession();
  const sso = useLoad(
    () =>
      api.sso().catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    "sso",
  );
  return (
    <>
      <h1>{t("sso.title")}</h1>
      <p className="hint">{t("sso.intro")}</p>
      <Load state={sso}>{(data) => <SsoForm current={data} reload={sso.reload} />}</Load>
    </>
  );
}

function SsoForm({ current, reload }: { current: SsoConfig | null; reload: () => void }) {
  const { t, dateTime } = useI18n();
  const { api } = useSession();
  const [issuer, setIssuer] = useState(current?.issuer ?? "");
  const [clientId, setClientId] = useState(current?.client_id ?? "");
  const [secret, setSecret] = useState("");
  const [notice, setNotice] = useState("");
  const [removing, setRemoving] = useState(false);
  const save = useAction(async () => {
    const body = { issuer: issuer.trim(), client_id: clientId.trim() };
    if (current) return api.updateSso(secret ? { ...body, client_secret: secret } : body);
    return api.createSso({ ...body, client_secret: secret });
  });
  const remove = useAction(async () => {
    await api.deleteSso();
    return true;
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice("");
    const saved = await save.run();
    if (saved) {
      setSecret("");
      setNotice(t("sso.saved", { issuer: saved.issuer }));
      reload();
    }
  };
  const errors = Object.fromEntries(FIELDS.map((f) => [f, fieldErrors(save.error, f)])) as Record<
    (typeof FIELDS)[number],
    string[]
  >;
  const described = (f: (typeof FIELDS)[number]) => ({
    "aria-invalid": errors[f].length > 0 || undefined,
    "aria-describedby": errors[f].length ? `${f}-error` : undefined,
  });
  return (
    <>
      <Notice>{notice}</Notice>
      {current ? (
        <dl className="details">
          <dt>{t("sso.issuer")}</dt>
          <dd>{current.issuer}</dd>
          <dt>{t("sso.clientId")}</dt>
          <dd>
            <code>{current.client_id}</code>
          </dd>
          <dt>{t("sso.clientSecret")}</dt>
          <dd>{current.client_secret_set ? t("sso.secretSet") : t("common.none")}</dd>
          <dt>{t("common.updated")}</dt>
          <dd>{dateTime(current.updated_at)}</dd>
        </dl>
      ) : (
        <p className="empty">{t("sso.none")}</p>
      )}
      <form className="stack panel" onSubmit={submit} aria-label={current ? t("sso.change") : t("sso.configure")}>
        <h2>{current ? t("sso.change") : t("sso.configure")}</h2>
        <label>
          {t("sso.issuer")}
          <small>{t("sso.issuerHint")}</small>
          <input
            type="url"
            required
            value={issuer}
            onChange={(e) => setIssuer(e.target.value)}
            spellCheck={false}
            {...described("issuer")}
          />
          <FieldError id="issuer-error" reasons={errors.issuer} />
        </label>
        <label>
          {t("sso.clientId")}
          <input
            required
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            {...described("client_id")}
          />
          <FieldError id="client_id-error" reasons={errors.client_id} />
        </label>
        <label>
          {t("sso.clientSecret")}
          <small>{current ? t("sso.secretKeep") : t("sso.secretHint")}</small>
          <input
            type="password"
            required={!current}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="new-password"
            {...described("client_secret")}
          />
          <FieldError id="client_secret-error" reasons={errors.client_secret} />
        </label>
        {save.error ? <ProblemMessage error={withoutFields(save.error, [...FIELDS])} /> : null}
        <div>
          <button type="submit" className="primary" disabled={save.busy}>
            {save.busy ? t("sso.checking") : t("common.save")}
          </button>
        </div>
      </form>
      {current ? (
        <button type="button" className="danger" onClick={() => setRemoving(true)}>
          {t("sso.remove")}
        </button>
      ) : null}
      {removing ? (
        <Confirm
          message={t("sso.removeConfirm")}
          confirmLabel={t("sso.remove")}
          busy={remove.busy}
          error={remove.error}
          onConfirm={async () => {
            if (await remove.run()) {
              setRemoving(false);
              setIssuer("");
              setClientId("");
              setNotice(t("sso.removed"));
              reload();
            }
          }}
          onCancel={() => setRemoving(false)}
        />
      ) : null}
    </>
  );
}
