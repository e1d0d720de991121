import { useState, type FormEvent } from "react";
import type { ApiError } from "../api";
import { FieldError, withoutFields } from "../components/FieldError";
import { ProblemMessage } from "../components/Problem";
import { Notice } from "../components/States";
import { useAction } from "../hooks";
import { useI18n, type Translate } from "../i18n";
import type { MessageKey } from "../messages";
import { useSession } from "../session";
import {
  CLIENT_TYPES,
  GRANTS,
  type ApplicationDetail,
  type ClientRegistration,
  type ClientType,
  type Grant,
} from "../types";

const FIELDS = [
  "client_type",
  "redirect_uris",
  "post_logout_redirect_uris",
  "backchannel_logout_uri",
  "grants",
] as const;
type Field = (typeof FIELDS)[number];

const GRANT_LABELS: Record<Grant, MessageKey> = {
  authorization_code: "client.grant.authorizationCode",
  refresh_token: "client.grant.refreshToken",
  client_credentials: "client.grant.clientCredentials",
  "urn:ietf:params:oauth:grant-type:token-exchange": "client.grant.tokenExchange",
};

const TYPE_LABELS: Record<ClientType, MessageKey> = {
  confidential: "client.type.confidential",
  public: "client.type.public",
};

/** A grant said readably; one this console does not know, as the API names it. */
const grantLabel = (t: Translate, grant: string) =>
  grant in GRANT_LABELS ? t(GRANT_LABELS[grant as Grant]) : grant;

/** A textarea's URIs: one a line, blank lines ignored. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");

/** Whether the problem's `name` is `field` or one of its entries (`redirect_uris[0]`). */
const names = (name: string, field: Field) =>
  name === field || name.startsWith(`${field}[`) || name.startsWith(`${field}.`);

/**
 * The application's registration as an OpenID Connect client (the `client`
 * of GET /v1/applications/{id}), and, for whoever may write applications,
 * replacing it (PUT /v1/applications/{id}/client).
 */
export function ApplicationClientSection({ app, onChanged }: { app: ApplicationDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [notice, setNotice] = useState("");
  return (
    <section aria-labelledby="oidc-client">
      <h2 id="oidc-client">{t("client.title")}</h2>
      <p className="hint">{t("client.intro")}</p>
      <Notice>{notice}</Notice>
      <ClientDetails client={app.client} />
      {can.appsWrite ? (
        <ClientForm
          app={app}
          onSaving={() => setNotice("")}
          onSaved={(name) => {
            setNotice(t("client.saved", { name }));
            onChanged();
          }}
        />
      ) : null}
    </section>
  );
}

function UriList({ uris }: { uris: string[] }) {
  const { t } = useI18n();
  if (uris.length === 0) return <>{t("common.none")}</>;
  return (
    <ul className="plain">
      {uris.map((uri) => (
        <li key={uri}>
          <code>{uri}</code>
        </li>
      ))}
    </ul>
  );
}

function ClientDetails({ client }: { client: ClientRegistration }) {
  const { t } = useI18n();
  return (
    <dl className="details" data-testid="client-registration">
      <dt>{t("client.type")}</dt>
      <dd>{client.client_type in TYPE_LABELS ? t(TYPE_LABELS[client.client_type]) : client.client_type}</dd>
      <dt>{t("client.redirectUris")}</dt>
      <dd>
        <UriList uris={client.redirect_uris} />
      </dd>
      <dt>{t("client.postLogoutRedirectUris")}</dt>
      <dd>
        <UriList uris={client.post_logout_redirect_uris} />
      </dd>
      <dt>{t("client.backchannelLogoutUri")}</dt>
      <dd>{client.backchannel_logout_uri ? <code>{client.backchannel_logout_uri}</code> : t("common.none")}</dd>
      <dt>{t("client.grants")}</dt>
      <dd>
        {client.grants.length === 0 ? (
          t("client.noGrants")
        ) : (
          <ul className="plain">
            {client.grants.map((grant) => (
              <li key={grant}>{grantLabel(t, grant)}</li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

interface Form {
  clientType: ClientType;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  grants: Grant[];
}

const formOf = (client: ClientRegistration): Form => ({
  clientType: client.client_type,
  redirectUris: client.redirect_uris.join("\n"),
  postLogoutRedirectUris: client.post_logout_redirect_uris.join("\n"),
  backchannelLogoutUri: client.backchannel_logout_uri ?? "",
  grants: client.grants,
});

/** The whole registration the form stands for: the PUT replaces it. */
const registrationOf = (form: Form): ClientRegistration => ({
  client_type: form.clientType,
  redirect_uris: lines(form.redirectUris),
  post_logout_redirect_uris: lines(form.postLogoutRedirectUris),
  backchannel_logout_uri: form.backchannelLogoutUri.trim() || null,
  grants: GRANTS.filter((g) => form.grants.includes(g)),
});

/** Each field's reasons; a reason for one entry (`redirect_uris[1]`) says which. */
function reasonsByField(t: Translate, error: ApiError | null): Record<Field, string[]> {
  const params = error?.problem.invalid_params ?? [];
  return Object.fromEntries(
    FIELDS.map((f) => [
      f,
      params
        .filter((p) => names(p.name, f))
        .map((p) => (p.name === f ? p.reason : t("problem.invalid", { name: p.name, reason: p.reason }))),
    ]),
  ) as Record<Field, string[]>;
}

/**
 * A URI field with its hint and the API's reasons: a list, one URI per line
 * (`rows`), or a single URI.
 */
function UriField({
  label,
  hint,
  rows,
  value,
  onChange,
  errorId,
  reasons,
}: {
  label: string;
  hint: string;
  rows?: number;
  value: string;
  onChange: (value: string) => void;
  errorId: string;
  reasons: string[];
}) {
  const control = {
    value,
    spellCheck: false,
    autoComplete: "off",
    "aria-invalid": reasons.length > 0 || undefined,
    "aria-describedby": reasons.length ? errorId : undefined,
  };
  return (
    <label>
      {label}
      <small>{hint}</small>
      {rows ? (
        <textarea rows={rows} onChange={(e) => onChange(e.target.value)} {...control} />
      ) : (
        <input type="url" onChange={(e) => onChange(e.target.value)} {...control} />
      )}
      <FieldError id={errorId} reasons={reasons} />
    </label>
  );
}

function ClientForm({
  app,
  onSaving,
  onSaved,
}: {
  app: ApplicationDetail;
  onSaving: () => void;
  onSaved: (name: string) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [form, setForm] = useState<Form>(() => formOf(app.client));
  const save = useAction(api.registerClient);
  const change = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    onSaving();
    const saved = await save.run(app.id, registrationOf(form));
    if (saved) {
      // As the API keeps it (normalised, in its order).
      setForm(formOf(saved.client));
      onSaved(saved.name);
    }
  };
  const errors = reasonsByField(t, save.error);
  const errorId = (f: Field) => `client-${f}-error`;
  const described = (f: Field) => ({
    "aria-invalid": errors[f].length > 0 || undefined,
    "aria-describedby": errors[f].length ? errorId(f) : undefined,
  });
  const shown = (save.error?.problem.invalid_params ?? [])
    .filter((p) => FIELDS.some((f) => names(p.name, f)))
    .map((p) => p.name);
  return (
    <form className="stack panel" onSubmit={submit} aria-label={t("client.edit")}>
      <h3>{t("client.edit")}</h3>
      <label>
        {t("client.type")}
        <select
          value={form.clientType}
          onChange={(e) => change({ clientType: e.target.value as ClientType })}
          {...described("client_type")}
        >
          {CLIENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(TYPE_LABELS[type])}
            </option>
          ))}
        </select>
        <FieldError id={errorId("client_type")} reasons={errors.client_type} />
      </label>
      <UriField
        label={t("client.redirectUris")}
        hint={t("client.urisHint")}
        rows={3}
        value={form.redirectUris}
        onChange={(redirectUris) => change({ redirectUris })}
        errorId={errorId("redirect_uris")}
        reasons={errors.redirect_uris}
      />
      <UriField
        label={t("client.postLogoutRedirectUris")}
        hint={t("client.urisHint")}
        rows={2}
        value={form.postLogoutRedirectUris}
        onChange={(postLogoutRedirectUris) => change({ postLogoutRedirectUris })}
        errorId={errorId("post_logout_redirect_uris")}
        reasons={errors.post_logout_redirect_uris}
      />
      <UriField
        label={t("client.backchannelLogoutUri")}
        hint={t("client.backchannelHint")}
        value={form.backchannelLogoutUri}
        onChange={(backchannelLogoutUri) => change({ backchannelLogoutUri })}
        errorId={errorId("backchannel_logout_uri")}
        reasons={errors.backchannel_logout_uri}
      />
      <fieldset aria-describedby={["client-grants-hint", errors.grants.length ? errorId("grants") : ""].join(" ").trim()}>
        <legend>{t("client.grants")}</legend>
        <p id="client-grants-hint" className="hint">
          {t("client.grantsHint")}
        </p>
        {GRANTS.map((grant) => (
          <label key={grant} className="check">
            <input
              type="checkbox"
              checked={form.grants.includes(grant)}
              onChange={(e) =>
                change({
                  grants: e.target.checked ? [...form.grants, grant] : form.grants.filter((g) => g !== grant),
                })
              }
            />
            {t(GRANT_LABELS[grant])}
          </label>
        ))}
        <FieldError id={errorId("grants")} reasons={errors.grants} />
      </fieldset>
      {save.error ? <ProblemMessage error={withoutFields(save.error, shown)} /> : null}
      <div className="buttons">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
    </form>
  );
}
