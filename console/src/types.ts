// The API's representations (doc/spec/api.md; Rust: shared/api). Fields are
// only ever added, so these types name what the console reads.

export type PlatformRole = "Operator" | "Auditor" | "Developer";
export type TenantRole = "Owner" | "Administrator" | "User";

export const TENANT_ROLES = ["Owner", "Administrator", "User"] as const;

export type Me =
  | { kind: "platform"; user_id: string; roles: PlatformRole[] }
  | {
      kind: "tenant_user";
      user_id: string;
      tenant_id: string;
      role: TenantRole;
      email?: string;
      tenant?: MyTenant;
    };

/** A tenant user's own tenant, as `GET /v1/me` and `PUT /v1/tenant/plan` answer it. */
export interface MyTenant {
  id: string;
  name: string;
  domain: string;
  plan: Plan;
  status: TenantStatus;
}

export const PLANS = ["Free", "Pro", "Enterprise"] as const;
export type Plan = (typeof PLANS)[number];
export const TENANT_STATUSES = ["Active", "Suspended", "PendingDeletion", "Purged"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export interface Tenant {
  id: string;
  name: string;
  domain: string;
  plan: Plan;
  status: TenantStatus;
  created_at: string;
  updated_at: string;
  purge_at?: string;
  suspension_reason?: string;
  applications: string[];
}

export interface Provisioned extends Tenant {
  owner: { user_id: string; email: string; status: string; invitation: { id: string; expires_at: string } };
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export const ENVIRONMENTS = ["Production", "Staging", "Development"] as const;
export type AppEnvironment = (typeof ENVIRONMENTS)[number];
export type AppStatus = "Active" | "Disabled";
export const APP_SCOPES = ["flags:read", "billing:write", "billing:read", "audit:write", "tenants:read"] as const;
export type AppScope = (typeof APP_SCOPES)[number];

export interface Application {
  id: string;
  name: string;
  environment: AppEnvironment;
  owner: string;
  status: AppStatus;
  /** Designated by an operator to read the billing feed (its `billing:read` takes effect). */
  billing_reader: boolean;
  created_at: string;
  updated_at: string;
}

export interface Secret {
  id: string;
  scopes: AppScope[];
  hint: string;
  created_at: string;
  expires_at?: string;
  revoked_at?: string;
  active: boolean;
}

export const CLIENT_TYPES = ["confidential", "public"] as const;
/** Whether an OpenID Connect client can keep a secret (RFC 6749 §2.1). */
export type ClientType = (typeof CLIENT_TYPES)[number];
export const GRANTS = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:token-exchange",
] as const;
/** A grant a client may use at the token endpoint. */
export type Grant = (typeof GRANTS)[number];

/**
 * An application's registration as an OpenID Connect client, as
 * `GET /v1/applications/{appId}` answers it and
 * `PUT /v1/applications/{appId}/client` replaces it (whole). One that
 * registered nothing: confidential, no URIs, client credentials only.
 */
export interface ClientRegistration {
  client_type: ClientType;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  grants: Grant[];
}

/** An application with its client registration (what `PUT …/client` answers). */
export interface ApplicationWithClient extends Application {
  client: ClientRegistration;
}

export interface ApplicationDetail extends ApplicationWithClient {
  secrets: Secret[];
}

export interface IssuedSecret extends Secret {
  client_id: string;
  client_secret: string;
  token_endpoint: string;
}

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail?: string;
  depth?: number;
  dead_letter_depth?: number;
}

export interface FunctionFigures {
  function: string;
  requests: number;
  errors: number;
  error_rate: number;
  p99_latency_ms: number | null;
}

export interface Health {
  status: "ok" | "degraded" | "down";
  checked_at: string;
  dependencies: HealthCheck[];
  window_minutes: number;
  functions: FunctionFigures[];
}

export interface AuditRecord {
  id: string;
  timestamp: string;
  tenant_id: string | null;
  actor_id: string;
  actor_type: string;
  action: string;
  resource: string;
  outcome: string;
  metadata: unknown;
  correlation_id: string;
  source: string;
}

export const AUDIT_OUTCOMES = ["Success", "Failure"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Which records an export holds (and the list shows): each only when set. */
export type AuditFilter = {
  actor_id?: string;
  action?: string;
  outcome?: AuditOutcome;
};

/** `POST /v1/audit-exports`: a tenant's (or `platform`) records of a range. */
export interface AuditExportRequest extends AuditFilter {
  tenant_id?: string;
  from: string;
  to: string;
}

/**
 * The exported file checked against the trail's signed digests: records
 * through `digested_through` are covered by a digest, newer ones by their
 * hash chain only.
 */
export type ExportIntegrity =
  | { result: "verified"; records: number; digests: number; digested_through: number; not_yet_digested: number }
  | { result: "failed"; problem: string; message: string }
  | { result: "not_checked"; reason: string };

/** An audit export job (`GET /v1/audit-exports/{id}`). */
export interface AuditExport extends AuditFilter {
  id: string;
  tenant_id?: string;
  from: string;
  to: string;
  requested_by: string;
  requested_at: string;
  status: "Running" | "Succeeded" | "Failed";
  finished_at?: string;
  /** While running: records written so far. */
  progress_records?: number;
  records?: number;
  bytes?: number;
  sha256?: string;
  /** A presigned link, valid until `download_expires_at`; a fresh GET makes a fresh one. */
  download_url?: string;
  download_expires_at?: string;
  failure?: string;
  integrity?: ExportIntegrity;
}

export const MEMBER_STATUSES = ["Invited", "Active", "Disabled"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A member of a tenant; `version` is also its `ETag`. */
export interface Member {
  id: string;
  email: string;
  role: TenantRole;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
  version: number;
}

/** An open invitation (never its token). */
export interface Invitation {
  id: string;
  user_id: string;
  email: string;
  role: TenantRole;
  status: "Pending" | "Expired";
  created_at: string;
  expires_at: string;
}

/** A sign-in session. */
export interface SignInSession {
  id: string;
  started_at: string;
  ip_address?: string;
  user_agent?: string;
  ended_at?: string;
  current: boolean;
}

export interface PasswordPolicy {
  min_length: number;
  require_uppercase: boolean;
  require_lowercase: boolean;
  require_digit: boolean;
  require_symbol: boolean;
}

export interface TenantSettings {
  invitation_ttl_days: number;
  password_policy: PasswordPolicy;
}

/** The tenant's SSO configuration; the client secret is never returned. */
export interface SsoConfig {
  issuer: string;
  client_id: string;
  client_secret_set: boolean;
  created_at: string;
  updated_at: string;
}

export type FlagType = "boolean" | "string" | "number" | "object";
export type FlagValue = boolean | string | number | Record<string, unknown> | unknown[] | null;

/** A flag as operators see it for one tenant. */
export interface TenantFlag {
  key: string;
  type: FlagType;
  description: string;
  value: FlagValue;
  reason: "override" | "plan_default" | "static";
  plan_default: FlagValue;
  override: FlagValue;
}

export interface TenantFlags {
  tenant_id: string;
  plan: Plan;
  catalog_version: string;
  flags: TenantFlag[];
}

/** An RFC 7807 problem as the API sends it (doc/spec/errors.md). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  correlation_id?: string;
  invalid_params?: { name: string; reason: string }[];
}
