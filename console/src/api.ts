import type {
  AppEnvironment,
  Application,
  ApplicationDetail,
  ApplicationWithClient,
  AppScope,
  AppStatus,
  AuditExport,
  AuditExportRequest,
  AuditFilter,
  AuditRecord,
  ClientRegistration,
  FlagValue,
  Health,
  Invitation,
  IssuedSecret,
  Me,
  Member,
  MemberStatus,
  MyTenant,
  Page,
  PasswordPolicy,
  Plan,
  Problem,
  Provisioned,
  Secret,
  SignInSession,
  SsoConfig,
  Tenant,
  TenantFlag,
  TenantFlags,
  TenantRole,
  TenantSettings,
  TenantStatus,
} from "./types";

/** A refused or failed call: the problem document, or what stood in for it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }

  /** The ERR-* id from the problem's type, e.g. `ERR-AUTH-403`. */
  get errId(): string | undefined {
    return this.problem.type.split(":").pop()?.startsWith("ERR-")
      ? this.problem.type.split(":").pop()
      : undefined;
  }
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  idempotencyKey?: string;
  ifMatch?: string;
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Reads a failed response as a problem, whatever the edge answered. */
export async function problemOf(response: Response): Promise<ApiError> {
  const correlation = response.headers.get("x-correlation-id") ?? undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const b = body as Partial<Problem> & { message?: string };
  if (b && typeof b.type === "string" && typeof b.title === "string") {
    return new ApiError(response.status, {
      ...(b as Problem),
      correlation_id: b.correlation_id ?? correlation,
    });
  }
  // The edge's own answers ({"message": "Unauthorized"}) and anything else.
  return new ApiError(response.status, {
    type: response.status === 401 ? "urn:saas-control-plane:problem:ERR-AUTH-401" : "about:blank",
    title: b?.message ?? response.statusText ?? "Error",
    status: response.status,
    correlation_id: correlation,
  });
}

/**
 * The control plane's API with the signed-in person's token. Every error is
 * an {@link ApiError} carrying the problem and its correlation id.
 */
export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => string | undefined,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).data;
  }

  /** The answer with its `ETag` (a member's version, sent back as `If-Match`). */
  private async exchange<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ data: T; etag?: string }> {
    const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(0, { type: "about:blank", title: "Network error", status: 0 });
    }
    if (!response.ok) {
      const error = await problemOf(response);
      if (response.status === 401) this.onUnauthorized();
      throw error;
    }
    const etag = response.headers.get("etag") ?? undefined;
    if (response.status === 204) return { data: undefined as T, etag };
    const text = await response.text();
    return { data: (text ? JSON.parse(text) : undefined) as T, etag };
  }

  me = () => this.request<Me>("GET", "/v1/me");

  tenants = (q: { status?: TenantStatus | ""; q?: string; limit?: number; cursor?: string }) =>
    this.request<Page<Tenant>>("GET", "/v1/tenants", { query: q });
  tenant = (id: string) => this.request<Tenant>("GET", `/v1/tenants/${encodeURIComponent(id)}`);
  provision = (
    body: { name: string; domain: string; plan: Plan; owner_email: string; applications: string[] },
    idempotencyKey: string,
  ) => this.request<Provisioned>("POST", "/v1/tenants", { body, idempotencyKey });
  suspend = (id: string, reason: string) =>
    this.request<Tenant>("POST", `/v1/tenants/${encodeURIComponent(id)}/suspend`, {
      body: reason ? { reason } : {},
    });
  resume = (id: string) => this.request<Tenant>("POST", `/v1/tenants/${encodeURIComponent(id)}/resume`);
  deleteTenant = (id: string, confirmDomain: string) =>
    this.request<Tenant>("POST", `/v1/tenants/${encodeURIComponent(id)}/delete`, {
      body: { confirm_domain: confirmDomain },
    });
  restore = (id: string) => this.request<Tenant>("POST", `/v1/tenants/${encodeURIComponent(id)}/restore`);
  tenantApplications = (id: string) =>
    this.request<{ items: Application[] }>("GET", `/v1/tenants/${encodeURIComponent(id)}/applications`);
  enableApplication = (id: string, appId: string) =>
    this.request<unknown>("PUT", `/v1/tenants/${encodeURIComponent(id)}/applications/${encodeURIComponent(appId)}`);
  disableApplication = (id: string, appId: string) =>
    this.request<unknown>("DELETE", `/v1/tenants/${encodeURIComponent(id)}/applications/${encodeURIComponent(appId)}`);

  applications = (q: { limit?: number; cursor?: string }) =>
    this.request<Page<Application>>("GET", "/v1/applications", { query: q });
  application = (id: string) => this.request<ApplicationDetail>("GET", `/v1/applications/${encodeURIComponent(id)}`);
  registerApplication = (
    body: { name: string; environment: AppEnvironment; owner: string },
    idempotencyKey: string,
  ) => this.request<Application>("POST", "/v1/applications", { body, idempotencyKey });
  updateApplication = (
    id: string,
    body: Partial<{ name: string; environment: AppEnvironment; owner: string; status: AppStatus }>,
  ) => this.request<Application>("PATCH", `/v1/applications/${encodeURIComponent(id)}`, { body });
  /** Registers the application as an OpenID Connect client, replacing the whole registration. */
  registerClient = (id: string, body: ClientRegistration) =>
    this.request<ApplicationWithClient>("PUT", `/v1/applications/${encodeURIComponent(id)}/client`, { body });
  designateBillingReader = (id: string) =>
    this.request<Application>("PUT", `/v1/applications/${encodeURIComponent(id)}/billing-reader`);
  withdrawBillingReader = (id: string) =>
    this.request<Application>("DELETE", `/v1/applications/${encodeURIComponent(id)}/billing-reader`);
  secrets = (id: string) => this.request<{ items: Secret[] }>("GET", `/v1/applications/${encodeURIComponent(id)}/secrets`);
  issueSecret = (id: string, body: { scopes: AppScope[]; expires_at?: string }) =>
    this.request<IssuedSecret>("POST", `/v1/applications/${encodeURIComponent(id)}/secrets`, { body });
  revokeSecret = (id: string, secretId: string) =>
    this.request<unknown>(
      "DELETE",
      `/v1/applications/${encodeURIComponent(id)}/secrets/${encodeURIComponent(secretId)}`,
    );

  health = () => this.request<Health>("GET", "/v1/health");
  auditRecords = (q: AuditFilter & { tenant_id?: string; from?: string; to?: string; limit?: number; cursor?: string }) =>
    this.request<Page<AuditRecord>>("GET", "/v1/audit-records", { query: q });
  /** UC-AUDIT-EXPORT: starts the CSV export job (`202 Accepted` with the job). */
  requestAuditExport = (body: AuditExportRequest) =>
    this.request<AuditExport>("POST", "/v1/audit-exports", { body });
  auditExport = (id: string) => this.request<AuditExport>("GET", `/v1/audit-exports/${encodeURIComponent(id)}`);

  /** UC-LOGOUT: ends the current session (a tenant user's). */
  logout = () => this.request<unknown>("POST", "/v1/logout");

  members = (q: { email?: string; role?: TenantRole | ""; status?: MemberStatus | ""; limit?: number; cursor?: string }) =>
    this.request<Page<Member>>("GET", "/v1/users", { query: q });
  /** One member and its `ETag`. */
  member = async (id: string) => {
    const { data, etag } = await this.exchange<Member>("GET", `/v1/users/${encodeURIComponent(id)}`);
    return { member: data, etag: etag ?? `"${data.version}"` };
  };
  updateMember = (id: string, body: { role?: TenantRole; status?: "Active" | "Disabled" }, etag: string) =>
    this.request<Member>("PATCH", `/v1/users/${encodeURIComponent(id)}`, { body, ifMatch: etag });
  deleteMember = (id: string) => this.request<unknown>("DELETE", `/v1/users/${encodeURIComponent(id)}`);
  memberSessions = (id: string) =>
    this.request<{ items: SignInSession[] }>("GET", `/v1/users/${encodeURIComponent(id)}/sessions`);
  endMemberSession = (id: string, sessionId: string) =>
    this.request<unknown>(
      "DELETE",
      `/v1/users/${encodeURIComponent(id)}/sessions/${encodeURIComponent(sessionId)}`,
    );
  endMemberSessions = (id: string) =>
    this.request<unknown>("DELETE", `/v1/users/${encodeURIComponent(id)}/sessions`);

  invitations = (q: { limit?: number; cursor?: string } = {}) =>
    this.request<Page<Invitation>>("GET", "/v1/invitations", { query: q });
  invite = (body: { email: string; role: TenantRole }, idempotencyKey: string) =>
    this.request<Invitation>("POST", "/v1/invitations", { body, idempotencyKey });
  resendInvitation = (id: string) =>
    this.request<Invitation>("POST", `/v1/invitations/${encodeURIComponent(id)}/resend`);
  revokeInvitation = (id: string) => this.request<unknown>("DELETE", `/v1/invitations/${encodeURIComponent(id)}`);

  mySessions = () => this.request<{ items: SignInSession[] }>("GET", "/v1/me/sessions");
  endMySession = (id: string) => this.request<unknown>("DELETE", `/v1/me/sessions/${encodeURIComponent(id)}`);

  settings = () => this.request<TenantSettings>("GET", "/v1/tenant/settings");
  updateSettings = (body: { invitation_ttl_days?: number; password_policy?: PasswordPolicy }) =>
    this.request<TenantSettings>("PATCH", "/v1/tenant/settings", { body });

  sso = () => this.request<SsoConfig>("GET", "/v1/tenant/sso");
  createSso = (body: { issuer: string; client_id: string; client_secret: string }) =>
    this.request<SsoConfig>("POST", "/v1/tenant/sso", { body });
  updateSso = (body: { issuer: string; client_id: string; client_secret?: string }) =>
    this.request<SsoConfig>("PUT", "/v1/tenant/sso", { body });
  deleteSso = () => this.request<unknown>("DELETE", "/v1/tenant/sso");

  changePlan = (plan: Plan) => this.request<MyTenant>("PUT", "/v1/tenant/plan", { body: { plan } });

  flags = (tenantId: string) => this.request<TenantFlags>("GET", `/v1/tenants/${encodeURIComponent(tenantId)}/flags`);
  setFlag = (tenantId: string, key: string, value: FlagValue) =>
    this.request<TenantFlag>(
      "PUT",
      `/v1/tenants/${encodeURIComponent(tenantId)}/flags/${encodeURIComponent(key)}`,
      { body: { value } },
    );
  clearFlag = (tenantId: string, key: string) =>
    this.request<TenantFlag>("DELETE", `/v1/tenants/${encodeURIComponent(tenantId)}/flags/${encodeURIComponent(key)}`);
}
