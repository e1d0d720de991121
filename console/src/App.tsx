import { useEffect, useMemo, useRef, useState } from "react";
import type { Api } from "./api";
import { ProblemMessage } from "./components/Problem";
import { Load } from "./components/States";
import { useLoad } from "./hooks";
import { LOCALES, useI18n, type Locale } from "./i18n";
import { capabilities, type Capabilities } from "./roles";
import { Link, match, useRouter } from "./router";
import { SessionContext, type Session } from "./session";
import type { Me } from "./types";
import { ApplicationView } from "./views/ApplicationView";
import { ApplicationsView } from "./views/ApplicationsView";
import { AuditView } from "./views/AuditView";
import { HealthView } from "./views/HealthView";
import { InvitationsView } from "./views/InvitationsView";
import { MembersView } from "./views/MembersView";
import { MemberView } from "./views/MemberView";
import { MySessionsView } from "./views/MySessionsView";
import { PlanView } from "./views/PlanView";
import { SettingsView } from "./views/SettingsView";
import { SsoView } from "./views/SsoView";
import { ProvisionView } from "./views/ProvisionView";
import { TenantView } from "./views/TenantView";
import { TenantsView } from "./views/TenantsView";

/** The navigation a role is offered: never a view its role is refused. */
export function navigation(can: Capabilities): { to: string; label: Parameters<ReturnType<typeof useI18n>["t"]>[0] }[] {
  return [
    ...(can.tenantsRead ? [{ to: "/tenants", label: "nav.tenants" as const }] : []),
    ...(can.ownTenant ? [{ to: `/tenants/${can.ownTenant}`, label: "nav.myTenant" as const }] : []),
    ...(can.appsRead ? [{ to: "/applications", label: "nav.applications" as const }] : []),
    ...(can.health ? [{ to: "/health", label: "nav.health" as const }] : []),
    ...(can.members ? [{ to: "/members", label: "nav.members" as const }] : []),
    ...(can.members ? [{ to: "/invitations", label: "nav.invitations" as const }] : []),
    ...(can.members ? [{ to: "/settings", label: "nav.settings" as const }] : []),
    ...(can.tenantConfigure ? [{ to: "/sso", label: "nav.sso" as const }] : []),
    ...(can.tenantConfigure ? [{ to: "/plan", label: "nav.plan" as const }] : []),
    ...(can.audit ? [{ to: "/audit", label: "nav.audit" as const }] : []),
    ...(can.ownSessions ? [{ to: "/sessions", label: "nav.sessions" as const }] : []),
  ];
}

function Page({ path }: { path: string }) {
  const { t } = useI18n();
  let params: Record<string, string> | null;
  if (match("/tenants", path)) return <TenantsView />;
  if (match("/tenants/new", path)) return <ProvisionView />;
  if ((params = match("/tenants/:id", path))) return <TenantView id={params.id ?? ""} />;
  if (match("/applications", path)) return <ApplicationsView />;
  if ((params = match("/applications/:id", path))) return <ApplicationView id={params.id ?? ""} />;
  if (match("/health", path)) return <HealthView />;
  if (match("/audit", path)) return <AuditView />;
  if (match("/members", path)) return <MembersView />;
  if ((params = match("/members/:id", path))) return <MemberView id={params.id ?? ""} />;
  if (match("/invitations", path)) return <InvitationsView />;
  if (match("/settings", path)) return <SettingsView />;
  if (match("/sso", path)) return <SsoView />;
  if (match("/plan", path)) return <PlanView />;
  if (match("/sessions", path)) return <MySessionsView />;
  return (
    <>
      <h1>{t("app.title")}</h1>
      <p>{t("common.notFound")}</p>
    </>
  );
}

function LanguagePicker() {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className="language">
      {t("app.language")}{" "}
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {Object.entries(LOCALES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Shell({ me, api, onSignOut }: { me: Me; api: Api; onSignOut: () => void }) {
  const { t } = useI18n();
  const { path, navigate } = useRouter();
  const can = useMemo(() => capabilities(me), [me]);
  const links = navigation(can);
  const [flash, setFlash] = useState<{ path: string; message: string } | null>(null);
  const session: Session = useMemo(
    () => ({ api, me, can, announce: (p, message) => setFlash({ path: p, message }) }),
    [api, me, can],
  );
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (path === "/" && links[0]) navigate(links[0].to, { replace: true });
  }, [path, links, navigate]);
  useEffect(() => {
    // After a page transition, focus goes to the new page (screen readers
    // announce it; keyboard users continue from its top).
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);
  const roles = me.kind === "platform" ? me.roles.join(", ") : me.role;
  // A tenant user's sign-out ends their session at the API first (UC-LOGOUT),
  // so its tokens stop working, then at the control plane (and its directory).
  const signOut = () => {
    if (me.kind !== "tenant_user") return onSignOut();
    void api
      .logout()
      .catch(() => undefined)
      .finally(onSignOut);
  };
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <span className="brand">{t("app.title")}</span>
        <span className="who" data-testid="who">
          {t("app.signedInAs", { roles })}
        </span>
        <LanguagePicker />
        <button type="button" onClick={signOut}>
          {t("app.signOut")}
        </button>
      </header>
      <div className="layout">
        <nav className="side" aria-label={t("nav.main")}>
          <ul>
            {links.map((l) => (
              <li key={l.to}>
                <Link to={l.to} current={path === l.to || path.startsWith(l.to + "/")}>
                  {t(l.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          {flash && flash.path === path ? (
            <p className="notice" role="status" aria-live="polite">
              {flash.message}
            </p>
          ) : null}
          <Page path={path} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

/** Signed in: who am I (GET /v1/me), then the console for that role. */
export function App({ api, onSignOut }: { api: Api; onSignOut: () => void }) {
  const { t } = useI18n();
  const me = useLoad(() => api.me(), "me");
  return (
    <div className="app">
      {me.status === "error" ? (
        // Signed in, but not known to the control plane (no role, no
        // tenant): say so, and let them sign out.
        <main className="sign-in" id="main">
          <h1>{t("app.title")}</h1>
          <ProblemMessage error={me.error} onRetry={me.reload} />
          <button type="button" onClick={onSignOut}>
            {t("app.signOut")}
          </button>
        </main>
      ) : (
        <Load state={me}>{(data) => <Shell me={data} api={api} onSignOut={onSignOut} />}</Load>
      )}
    </div>
  );
}
