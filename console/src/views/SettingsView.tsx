import { useState, type FormEvent } from "react";
import { FieldError, fieldErrors, withoutFields } from "../components/FieldError";
import { ProblemMessage } from "../components/Problem";
import { Load, Notice } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { PasswordPolicy, TenantSettings } from "../types";

const TTL = "invitation_ttl_days";
const MIN_LENGTH = "password_policy.min_length";
const CHECKS = ["require_uppercase", "require_lowercase", "require_digit", "require_symbol"] as const;

/** The tenant's settings (GET/PATCH /v1/tenant/settings): invitation lifetime, password policy. */
export function SettingsView() {
  const { t } = useI18n();
  const { api } = useSession();
  const settings = useLoad(() => api.settings(), "settings");
  return (
    <>
      <h1>{t("settings.title")}</h1>
      <Load state={settings}>{(data) => <SettingsForm current={data} />}</Load>
    </>
  );
}

function SettingsForm({ current }: { current: TenantSettings }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [ttl, setTtl] = useState(String(current.invitation_ttl_days));
  const [policy, setPolicy] = useState<PasswordPolicy>(current.password_policy);
  const [minLength, setMinLength] = useState(String(current.password_policy.min_length));
  const [notice, setNotice] = useState("");
  const save = useAction(() =>
    api.updateSettings({
      invitation_ttl_days: Number(ttl),
      password_policy: { ...policy, min_length: Number(minLength) },
    }),
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice("");
    const saved = await save.run();
    if (saved) {
      setTtl(String(saved.invitation_ttl_days));
      setMinLength(String(saved.password_policy.min_length));
      setPolicy(saved.password_policy);
      setNotice(t("settings.saved"));
    }
  };
  const ttlErrors = fieldErrors(save.error, TTL);
  const minErrors = fieldErrors(save.error, MIN_LENGTH);
  return (
    <form className="stack" onSubmit={submit} aria-label={t("settings.title")}>
      <Notice>{notice}</Notice>
      <label>
        {t("settings.ttl")}
        <small>{t("settings.ttlHint")}</small>
        <input
          type="number"
          min={1}
          max={30}
          required
          value={ttl}
          onChange={(e) => setTtl(e.target.value)}
          aria-invalid={ttlErrors.length > 0 || undefined}
          aria-describedby={ttlErrors.length ? "ttl-error" : undefined}
        />
        <FieldError id="ttl-error" reasons={ttlErrors} />
      </label>
      <fieldset>
        <legend>{t("settings.passwordPolicy")}</legend>
        <label>
          {t("settings.minLength")}
          <small>{t("settings.minLengthHint")}</small>
          <input
            type="number"
            min={8}
            max={128}
            required
            value={minLength}
            onChange={(e) => setMinLength(e.target.value)}
            aria-invalid={minErrors.length > 0 || undefined}
            aria-describedby={minErrors.length ? "min-length-error" : undefined}
          />
          <FieldError id="min-length-error" reasons={minErrors} />
        </label>
        {CHECKS.map((c) => (
          <label className="check" key={c}>
            <input
              type="checkbox"
              checked={policy[c]}
              onChange={(e) => setPolicy({ ...policy, [c]: e.target.checked })}
            />
            {t(`settings.${c}`)}
          </label>
        ))}
      </fieldset>
      {save.error ? <ProblemMessage error={withoutFields(save.error, [TTL, MIN_LENGTH])} /> : null}
      <div>
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
    </form>
  );
}
