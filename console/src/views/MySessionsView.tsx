import { useState } from "react";
import { ProblemMessage } from "../components/Problem";
import { Load, Notice } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { Me } from "../types";
import { SessionsTable } from "./SessionsTable";

/** One's own sign-in sessions (GET /v1/me/sessions), each can be ended; and who one is. */
export function MySessionsView() {
  const { t } = useI18n();
  const { api, me } = useSession();
  const sessions = useLoad(() => api.mySessions(), "my-sessions");
  const [notice, setNotice] = useState("");
  const end = useAction(async (id: string) => {
    await api.endMySession(id);
    return true;
  });
  return (
    <>
      <h1>{t("mySessions.title")}</h1>
      <Profile me={me} />
      <Notice>{notice}</Notice>
      {end.error ? <ProblemMessage error={end.error} /> : null}
      <h2>{t("sessions.title")}</h2>
      <Load state={sessions}>
        {(data) => (
          <SessionsTable
            sessions={data.items}
            busy={end.busy}
            keepCurrent
            onEnd={async (s) => {
              setNotice("");
              if (await end.run(s.id)) {
                setNotice(t("sessions.ended"));
                sessions.reload();
              }
            }}
          />
        )}
      </Load>
    </>
  );
}

function Profile({ me }: { me: Me }) {
  const { t } = useI18n();
  if (me.kind !== "tenant_user") return null;
  return (
    <dl className="details">
      {me.email ? (
        <>
          <dt>{t("members.email")}</dt>
          <dd>{me.email}</dd>
        </>
      ) : null}
      <dt>{t("members.role")}</dt>
      <dd>{t(`role.${me.role}`)}</dd>
      {me.tenant ? (
        <>
          <dt>{t("tenants.domain")}</dt>
          <dd>{me.tenant.domain}</dd>
          <dt>{t("tenants.plan")}</dt>
          <dd>{me.tenant.plan}</dd>
        </>
      ) : null}
    </dl>
  );
}
