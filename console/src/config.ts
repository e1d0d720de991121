/**
 * The environment the console runs in, read at start from `config.json`
 * next to it, so that one build serves every environment (locally the
 * stack writes it; in AWS terraform uploads it beside the build).
 */
export interface RuntimeConfig {
  /** Where the API is; empty for the console's own origin (CloudFront). */
  api_base_url: string;
  /** The OIDC issuer: the control plane's own OpenID Provider (the API's public origin; locally the gateway). */
  authority: string;
  client_id: string;
  /** Scopes to ask for (`openid profile email`): the control plane's access token is the API's. */
  scope: string;
  /** The token sent to the API as bearer: the control plane's access token unless told otherwise. */
  api_token: "access_token" | "id_token";
}

export function parseConfig(raw: unknown): RuntimeConfig {
  const c = raw as Partial<RuntimeConfig> | null;
  const text = (v: unknown, name: string): string => {
    if (typeof v !== "string") throw new Error(`config.json: ${name} is missing`);
    return v;
  };
  const apiToken = c?.api_token ?? "access_token";
  if (apiToken !== "access_token" && apiToken !== "id_token") {
    throw new Error("config.json: api_token must be access_token or id_token");
  }
  return {
    api_base_url: text(c?.api_base_url ?? "", "api_base_url").replace(/\/$/, ""),
    authority: text(c?.authority, "authority"),
    client_id: text(c?.client_id, "client_id"),
    scope: text(c?.scope ?? "openid profile email", "scope"),
    api_token: apiToken,
  };
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return parseConfig(await response.json());
}
