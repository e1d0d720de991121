import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { ApiError, type Api } from "./api";
import { I18nProvider } from "./i18n";
import { capabilities } from "./roles";
import { Router } from "./router";
import { SessionContext } from "./session";
import type { Me, Problem, TenantRole } from "./types";

export const tenantUser = (role: TenantRole, extra: Partial<Extract<Me, { kind: "tenant_user" }>> = {}): Me => ({
  kind: "tenant_user",
  user_id: "me-1",
  tenant_id: "t-1",
  role,
  ...extra,
});

/** A problem as the API answers it. */
export const problem = (status: number, id: string, extra: Partial<Problem> = {}) =>
  new ApiError(status, {
    type: `urn:saas-control-plane:problem:${id}`,
    title: id,
    status,
    correlation_id: "c-1",
    ...extra,
  });

/** Renders `node` signed in as `me` with a fake API (only what the view calls). */
export function renderWithSession(node: ReactNode, me: Me, api: Partial<Record<keyof Api, unknown>>) {
  return render(
    <I18nProvider locale="en">
      <Router>
        <SessionContext.Provider value={{ api: api as unknown as Api, me, can: capabilities(me), announce: () => {} }}>
          {node}
        </SessionContext.Provider>
      </Router>
    </I18nProvider>,
  );
}
