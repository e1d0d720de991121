import { useState, type FormEvent } from "react";
import { Confirm } from "../components/Confirm";
import { Pager, useCursor } from "../components/Pager";
import { ProblemMessage } from "../components/Problem";
import { Empty, Load, Notice, StatusBadge } from "../components/States";
import { useAction, useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { TENANT_ROLES, type Invitation, type TenantRole } from "../types";

/**
 * Invitations (UC-TENANT-INVITE): send one (email and role), the open ones
 * (Pending, Expired) with resend and revoke.
 */
export function InvitationsView() {
  const { t, dateTime } = useI18n();
  const { api, can } = useSession();
  const pages = useCursor();
  const invitations = useLoad(
    () => api.invitations({ limit: 25, cursor: pages.cursor }),
    JSON.stringify(["invitations", pages.cursor]),
  );
  const [notice, setNotice] = useState("");
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const act = useAction(async (p: { resend: Invitation } | { revoke: Invitation }) => {
    if ("resend" in p) {
      const sent = await api.resendInvitation(p.resend.id);
      return t("invitations.resent", { email: sent.email, date: dateTime(sent.expires_at) });
    }
    await api.revokeInvitation(p.revoke.id);
    return t("invitations.revoked", { email: p.revoke.email });
  });
  const run = async (p: { resend: Invitation } | { revoke: Invitation }) => {
    setNotice("");
    const message = await act.run(p);
    if (message !== undefined) {
      setRevoking(null);
      setNotice(message);
      invitations.reload();
    }
  };
  // Administrators cannot touch Owners' invitations either.
  const mayAct = (i: Invitation) => can.manageOwners || i.role !== "Owner";
  return (
    <>
      <h1>{t("invitations.title")}</h1>
      <Notice>{notice}</Notice>
      <InviteForm
        onSent={(sent) => {
          setNotice(t("invitations.sent", { email: sent.email, date: dateTime(sent.expires_at) }));
          invitations.reload();
        }}
      />
      {act.error && !revoking ? <ProblemMessage error={act.error} /> : null}
      <h2>{t("invitations.open")}</h2>
      <Load state={invitations}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>{t("invitations.empty")}</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("members.email")}</th>
                  <th scope="col">{t("members.role")}</th>
                  <th scope="col">{t("common.status")}</th>
                  <th scope="col">{t("invitations.expires")}</th>
                  <th scope="col">{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>{t(`role.${i.role}`)}</td>
                    <td>
                      <StatusBadge status={i.status} />
                    </td>
                    <td>{dateTime(i.expires_at)}</td>
                    <td>
                      {mayAct(i) ? (
                        <span className="row-actions">
                          <button
                            type="button"
                            className="small"
                            disabled={act.busy}
                            onClick={() => void run({ resend: i })}
                            aria-label={t("invitations.resendTo", { email: i.email })}
                          >
                            {t("invitations.resend")}
                          </button>
                          <button
                            type="button"
                            className="small danger"
                            onClick={() => setRevoking(i)}
                            aria-label={t("invitations.revokeTo", { email: i.email })}
                          >
                            {t("invitations.revoke")}
                          </button>
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
      {invitations.status === "ok" ? (
        <Pager
          page={pages.page}
          nextCursor={invitations.data.next_cursor}
          onNext={pages.next}
          onPrevious={pages.previous}
        />
      ) : null}
      {revoking ? (
        <Confirm
          message={t("invitations.revokeConfirm", { email: revoking.email })}
          confirmLabel={t("invitations.revoke")}
          busy={act.busy}
          error={act.error}
          onConfirm={() => void run({ revoke: revoking })}
          onCancel={() => setRevoking(null)}
        />
      ) : null}
    </>
  );
}

function InviteForm({ onSent }: { onSent: (sent: Invitation) => void }) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TenantRole>("User");
  // The same form sent again (a retry) reuses its key; any change makes a new one.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const send = useAction(async () => api.invite({ email: email.trim(), role }, key));
  const roles = TENANT_ROLES.filter((r) => can.manageOwners || r !== "Owner");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const sent = await send.run();
    if (sent) {
      setEmail("");
      setRole("User");
      setKey(crypto.randomUUID());
      onSent(sent);
    }
  };
  return (
    <form className="stack panel" onSubmit={submit} aria-label={t("invitations.send")}>
      <h2>{t("invitations.send")}</h2>
      <label>
        {t("members.email")}
        <input
          type="email"
          required
          value={email}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setEmail(e.target.value);
            setKey(crypto.randomUUID());
          }}
        />
      </label>
      <label>
        {t("members.role")}
        <select
          value={role}
          onChange={(e) => {
            setRole(e.target.value as TenantRole);
            setKey(crypto.randomUUID());
          }}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </label>
      {send.error ? <ProblemMessage error={send.error} /> : null}
      <div>
        <button type="submit" className="primary" disabled={send.busy}>
          {send.busy ? t("common.saving") : t("invitations.send")}
        </button>
      </div>
    </form>
  );
}
