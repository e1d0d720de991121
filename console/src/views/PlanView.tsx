import { useState } from "react";
import { Confirm } from "../components/Confirm";
import { ProblemMessage } from "../components/Problem";
import { Notice } from "../components/States";
import { useAction } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { PLANS, type Plan } from "../types";

/** The tenant's plan (from GET /v1/me), changed by its Owner with PUT /v1/tenant/plan after confirming. */
export function PlanView() {
  const { t } = useI18n();
  const { api, me } = useSession();
  const initial = me.kind === "tenant_user" ? me.tenant?.plan : undefined;
  const [plan, setPlan] = useState<Plan | undefined>(initial);
  const [choice, setChoice] = useState<Plan>(initial ?? "Free");
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState("");
  const change = useAction(() => api.changePlan(choice));
  return (
    <>
      <h1>{t("plan.title")}</h1>
      <Notice>{notice}</Notice>
      <dl className="details">
        <dt>{t("plan.current")}</dt>
        <dd data-testid="current-plan">{plan ?? t("common.none")}</dd>
      </dl>
      <form
        className="inline"
        aria-label={t("plan.change")}
        onSubmit={(e) => {
          e.preventDefault();
          setNotice("");
          setConfirming(true);
        }}
      >
        <label>
          {t("plan.new")}
          <select value={choice} onChange={(e) => setChoice(e.target.value as Plan)}>
            {PLANS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={choice === plan}>
          {t("plan.change")}
        </button>
      </form>
      {change.error && !confirming ? <ProblemMessage error={change.error} /> : null}
      {confirming ? (
        <Confirm
          message={t("plan.confirm", { from: plan ?? "", to: choice })}
          confirmLabel={t("plan.change")}
          busy={change.busy}
          error={change.error}
          onConfirm={async () => {
            const tenant = await change.run();
            if (tenant) {
              setConfirming(false);
              setPlan(tenant.plan);
              setNotice(t("plan.changed", { plan: tenant.plan }));
            }
          }}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </>
  );
}
