import { useState, type FormEvent } from "react";
import { ProblemMessage } from "../components/Problem";
import { Load, Notice } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { FlagValue, TenantFlag } from "../types";

const show = (v: FlagValue) => JSON.stringify(v);

/**
 * A tenant's feature flags (GET /v1/tenants/{id}/flags): every flag's value,
 * why, the plan's default and the override. Operators set an override of
 * the flag's type or clear it; auditors read.
 */
export function TenantFlags({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const flags = useLoad(() => api.flags(tenantId), `flags:${tenantId}`);
  const [notice, setNotice] = useState("");
  const clear = useAction(async (flag: TenantFlag) => {
    await api.clearFlag(tenantId, flag.key);
    return true;
  });
  return (
    <section aria-labelledby="tenant-flags">
      <h2 id="tenant-flags">{t("flags.title")}</h2>
      <Notice>{notice}</Notice>
      {clear.error ? <ProblemMessage error={clear.error} /> : null}
      <Load state={flags}>
        {(data) => (
          <>
            <p className="hint">
              {t("flags.catalog", { plan: data.plan, version: data.catalog_version })}
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("flags.key")}</th>
                  <th scope="col">{t("flags.type")}</th>
                  <th scope="col">{t("flags.value")}</th>
                  <th scope="col">{t("flags.reason")}</th>
                  <th scope="col">{t("flags.planDefault")}</th>
                  <th scope="col">{t("flags.override")}</th>
                  {can.tenantsWrite ? <th scope="col">{t("common.actions")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.flags.map((f) => (
                  <tr key={f.key} data-flag={f.key}>
                    <th scope="row">
                      <code>{f.key}</code>
                      <br />
                      <small className="hint">{f.description}</small>
                    </th>
                    <td>{f.type}</td>
                    <td>
                      <code>{show(f.value)}</code>
                    </td>
                    <td>{t(`flags.reason.${f.reason}`)}</td>
                    <td>
                      <code>{show(f.plan_default)}</code>
                    </td>
                    <td>{f.override === null ? t("common.none") : <code>{show(f.override)}</code>}</td>
                    {can.tenantsWrite ? (
                      <td>
                        {f.override !== null ? (
                          <button
                            type="button"
                            className="small"
                            disabled={clear.busy}
                            aria-label={t("flags.clearOne", { key: f.key })}
                            onClick={async () => {
                              setNotice("");
                              if (await clear.run(f)) {
                                setNotice(t("flags.cleared", { key: f.key }));
                                flags.reload();
                              }
                            }}
                          >
                            {t("flags.clear")}
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
            {can.tenantsWrite ? (
              <OverrideForm
                tenantId={tenantId}
                flags={data.flags}
                onSet={(flag) => {
                  setNotice(t("flags.set", { key: flag.key, value: show(flag.value) }));
                  flags.reload();
                }}
              />
            ) : null}
          </>
        )}
      </Load>
    </section>
  );
}

/** The typed value of a flag from what was entered, or a reason it is not one. */
export function parseValue(type: TenantFlag["type"], raw: string): { value: FlagValue } | { error: "number" | "json" } {
  switch (type) {
    case "boolean":
      return { value: raw === "true" };
    case "number": {
      const n = Number(raw);
      return raw.trim() === "" || !Number.isFinite(n) ? { error: "number" } : { value: n };
    }
    case "string":
      return { value: raw };
    case "object":
      try {
        const parsed: unknown = JSON.parse(raw);
        return parsed !== null && typeof parsed === "object" ? { value: parsed as FlagValue } : { error: "json" };
      } catch {
        return { error: "json" };
      }
  }
}

function initialRaw(flag: TenantFlag | undefined): string {
  if (!flag) return "";
  const v = flag.override ?? flag.value;
  if (flag.type === "string") return typeof v === "string" ? v : "";
  if (flag.type === "object") return JSON.stringify(v, null, 2);
  return String(v);
}

function OverrideForm({
  tenantId,
  flags,
  onSet,
}: {
  tenantId: string;
  flags: TenantFlag[];
  onSet: (flag: TenantFlag) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [key, setKey] = useState(flags[0]?.key ?? "");
  const flag = flags.find((f) => f.key === key);
  const [raw, setRaw] = useState(() => initialRaw(flag));
  const [invalid, setInvalid] = useState<"number" | "json" | null>(null);
  const set = useAction((value: FlagValue) => api.setFlag(tenantId, key, value));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!flag) return;
    const parsed = parseValue(flag.type, raw);
    if ("error" in parsed) {
      setInvalid(parsed.error);
      return;
    }
    setInvalid(null);
    const answered = await set.run(parsed.value);
    if (answered) onSet(answered);
  };
  const valueLabel = t("flags.newValue", { type: flag?.type ?? "" });
  return (
    <form className="stack panel" onSubmit={submit} aria-label={t("flags.setOverride")}>
      <h3>{t("flags.setOverride")}</h3>
      <label>
        {t("flags.flag")}
        <select
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setRaw(initialRaw(flags.find((f) => f.key === e.target.value)));
            setInvalid(null);
            set.clearError();
          }}
        >
          {flags.map((f) => (
            <option key={f.key} value={f.key}>
              {f.key}
            </option>
          ))}
        </select>
      </label>
      {flag?.type === "boolean" ? (
        <label>
          {valueLabel}
          <select value={raw} onChange={(e) => setRaw(e.target.value)}>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        </label>
      ) : flag?.type === "object" ? (
        <label>
          {valueLabel}
          <textarea
            rows={4}
            value={raw}
            onChange={(e) => setRaw(e.target.value)}
            spellCheck={false}
            aria-invalid={invalid !== null || undefined}
            aria-describedby={invalid ? "flag-value-error" : undefined}
          />
        </label>
      ) : (
        <label>
          {valueLabel}
          <input
            type={flag?.type === "number" ? "number" : "text"}
            step="any"
            value={raw}
            onChange={(e) => setRaw(e.target.value)}
            spellCheck={false}
            aria-invalid={invalid !== null || undefined}
            aria-describedby={invalid ? "flag-value-error" : undefined}
          />
        </label>
      )}
      {invalid ? (
        <p id="flag-value-error" className="field-error" role="alert">
          {invalid === "number" ? t("flags.notNumber") : t("flags.notJson")}
        </p>
      ) : null}
      {set.error ? <ProblemMessage error={set.error} /> : null}
      <div>
        <button type="submit" className="primary" disabled={set.busy || !flag}>
          {t("flags.setOverride")}
        </button>
      </div>
    </form>
  );
}
