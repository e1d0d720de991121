import { BarChart } from "../components/BarChart";
import { Empty, Load } from "../components/States";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { Health } from "../types";

/** The error rate over which a function makes the platform degraded. */
const ERROR_RATE_LIMIT = 0.01;

/** The platform's health (GET /v1/health, FR-SYS-005). */
export function HealthView() {
  const { t } = useI18n();
  const { api } = useSession();
  const health = useLoad(() => api.health(), "health");
  return (
    <>
      <div className="title-row">
        <h1>{t("health.title")}</h1>
        <button type="button" onClick={health.reload} disabled={health.refreshing} aria-busy={health.refreshing}>
          {health.refreshing ? t("common.loading") : t("health.refresh")}
        </button>
      </div>
      <Load state={health}>{(h) => <HealthReport health={h} />}</Load>
    </>
  );
}

function HealthReport({ health }: { health: Health }) {
  const { t, dateTime, number } = useI18n();
  const percent = (v: number) => number(v, { style: "percent", maximumFractionDigits: 2 });
  const ms = (v: number) => `${number(v, { maximumFractionDigits: 0 })} ms`;
  const called = health.functions.filter((f) => f.requests > 0);
  return (
    <>
      <p className={`health-status health-${health.status}`} role="status">
        {t("health.status", { status: t(`health.${health.status}`) })}
      </p>
      <p>{t("health.checked", { date: dateTime(health.checked_at), minutes: health.window_minutes })}</p>
      <h2>{t("health.dependencies")}</h2>
      <ul className="checks">
        {health.dependencies.map((d) => (
          <li key={d.name} className={d.ok ? "ok" : "failed"}>
            <span aria-hidden="true">{d.ok ? "✓" : "✗"}</span> {d.name}
            {d.depth !== undefined ? (
              <small> — {t("health.depth", { depth: d.depth, dead: d.dead_letter_depth ?? 0 })}</small>
            ) : null}
            {d.detail ? <small> — {d.detail}</small> : null}
          </li>
        ))}
      </ul>
      <h2>{t("health.functions")}</h2>
      {called.length === 0 ? (
        <Empty>{t("health.noTraffic")}</Empty>
      ) : (
        <div className="charts">
          <BarChart
            title={t("health.errorRateChart")}
            bars={called.map((f) => ({ label: f.function, value: f.error_rate }))}
            format={percent}
            limit={ERROR_RATE_LIMIT}
          />
          <BarChart
            title={t("health.p99Chart")}
            bars={called.map((f) => ({ label: f.function, value: f.p99_latency_ms ?? 0 }))}
            format={ms}
          />
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t("health.function")}</th>
            <th scope="col" className="num">
              {t("health.requests")}
            </th>
            <th scope="col" className="num">
              {t("health.errors")}
            </th>
            <th scope="col" className="num">
              {t("health.errorRate")}
            </th>
            <th scope="col" className="num">
              {t("health.p99")}
            </th>
          </tr>
        </thead>
        <tbody>
          {health.functions.map((f) => (
            <tr key={f.function}>
              <td>{f.function}</td>
              <td className="num">{number(f.requests)}</td>
              <td className="num">{number(f.errors)}</td>
              <td className="num">{percent(f.error_rate)}</td>
              <td className="num">{f.p99_latency_ms === null ? t("common.none") : ms(f.p99_latency_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
