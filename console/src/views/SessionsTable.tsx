import { Empty } from "../components/States";
import { useI18n } from "../i18n";
import type { SignInSession } from "../types";

/** Sign-in sessions, newest first, each with "End" while it runs. */
export function SessionsTable({
  sessions,
  busy,
  onEnd,
  keepCurrent,
}: {
  sessions: SignInSession[];
  busy?: boolean;
  onEnd?: (session: SignInSession) => void;
  /** One's own current session ends by signing out, not here. */
  keepCurrent?: boolean;
}) {
  const { t, dateTime } = useI18n();
  if (sessions.length === 0) return <Empty>{t("sessions.empty")}</Empty>;
  const sorted = [...sessions].sort((a, b) => b.started_at.localeCompare(a.started_at));
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("sessions.started")}</th>
          <th scope="col">{t("sessions.ip")}</th>
          <th scope="col">{t("sessions.userAgent")}</th>
          <th scope="col">{t("common.status")}</th>
          {onEnd ? <th scope="col">{t("common.actions")}</th> : null}
        </tr>
      </thead>
      <tbody>
        {sorted.map((s) => (
          <tr key={s.id}>
            <td>{dateTime(s.started_at)}</td>
            <td>{s.ip_address ?? t("common.none")}</td>
            <td>{s.user_agent ?? t("common.none")}</td>
            <td>
              {s.ended_at
                ? t("sessions.endedAt", { date: dateTime(s.ended_at) })
                : s.current
                  ? t("sessions.current")
                  : t("sessions.active")}
            </td>
            {onEnd ? (
              <td>
                {s.ended_at || (keepCurrent && s.current) ? null : (
                  <button
                    type="button"
                    className="small"
                    disabled={busy}
                    onClick={() => onEnd(s)}
                    aria-label={t("sessions.endOne", { date: dateTime(s.started_at) })}
                  >
                    {t("sessions.end")}
                  </button>
                )}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
