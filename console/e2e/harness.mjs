// The browser tests' harness: the running local stack (its stack.json),
// Debian's Chromium driven by playwright-core, real sign-in through the
// control plane's OpenID Provider and the local directories behind it
// (oidc-provider-mock: the workforce one and the customers' one), CSP
// violation capture, axe-core, screenshots and timings. Never downloads a
// browser.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const results = join(here, "..", "test-results");
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Where the stack is: `CP_STACK_JSON` names its stack.json. */
export function stack() {
  const path = process.env.CP_STACK_JSON;
  if (!path) throw new Error("CP_STACK_JSON is not set: run scripts/check-console.sh");
  const info = JSON.parse(readFileSync(path, "utf8"));
  return {
    console: info.console_url,
    /** The control plane (its OpenID Provider's issuer). */
    gateway: info.gateway_url,
    /** The workforce directory (company staff). */
    issuer: info.oidc_issuer,
    /** The customers' directory (a tenant's people). */
    customer: info.customer_issuer,
    aws: info.aws_endpoint_url,
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/**
 * A fresh browser context (no session), in the given language and time
 * zone, that records every CSP violation the page reports.
 */
export async function newPage(browser, { locale = "en-US", timezoneId = "Asia/Tokyo" } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.cspViolations = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) page.cspViolations.push(m.text());
  });
  return page;
}

/** Every CSP violation the page saw, from both the event and the console. */
export async function cspViolations(page) {
  const reported = await page.evaluate(() => window.__cspViolations ?? []);
  return [...reported, ...page.cspViolations];
}

/** Stores `subject`'s claims with the local directory at `directory`, as Entra ID holds them. */
async function storeClaims(directory, subject, claims) {
  const stored = await fetch(`${directory}/users/${encodeURIComponent(subject)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: subject, ...claims }),
  });
  if (!stored.ok) throw new Error(`storing ${subject}'s claims at ${directory}: ${stored.status}`);
}

/** The chooser's links: which directory a person signs in at. */
const STAFF = "company staff (operators, auditors, developers)";
const CUSTOMER = "a member of a customer's organisation";

/**
 * Signs `subject` in as company staff, with the platform roles given
 * (stored as the subject's claims at the workforce directory first, as
 * Entra ID's app roles would be): the console's "Sign in", the control
 * plane's chooser, the workforce directory's authorization page.
 */
export async function signIn(page, subject, roles) {
  const { console: url, issuer } = stack();
  await storeClaims(issuer, subject, roles.length ? { roles } : {});
  await page.goto(url + "/");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await choose(page, STAFF);
  await authorize(page, issuer, subject);
  await page.getByTestId("who").waitFor();
}

/**
 * Somebody with a verified email (a tenant's person) signs in at the
 * customers' directory from `url` and comes back to the console: from an
 * invitation link's page with its own sign-in button (the control plane
 * sends invitees to the customers' directory), from any other page with
 * "Sign in" and the chooser.
 */
export async function signInWithEmail(page, subject, email, url) {
  const { customer } = stack();
  await storeClaims(customer, subject, { email, email_verified: true });
  await page.goto(url);
  if (new URL(url).pathname === "/invitations/accept") {
    await page.getByRole("button", { name: "Sign in to accept" }).click();
  } else {
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await choose(page, CUSTOMER);
  }
  await authorize(page, customer, subject);
}

/** On the control plane's chooser page ("Sign in"): the directory to sign in at. */
async function choose(page, link) {
  const { gateway } = stack();
  await page.waitForURL((u) => u.origin === new URL(gateway).origin && u.pathname === "/oauth2/authorize");
  assert.equal(await page.title(), "Sign in", "the control plane's chooser");
  await page.getByRole("link", { name: link }).click();
}

/** At the local directory's authorization page: `subject` signs in, and is back in the console. */
async function authorize(page, directory, subject) {
  const { console: url } = stack();
  const at = new URL(directory).origin;
  await page.waitForURL((u) => u.origin === at);
  await page.locator('input[name="sub"]').fill(subject);
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL(
    (u) =>
      u.origin === new URL(url).origin &&
      u.origin !== at &&
      !u.pathname.startsWith("/callback") &&
      !u.pathname.startsWith("/oauth2/"),
  );
}

/** Where a redirect answered by `what` goes (absolute). */
function locationOf(response, what) {
  const location = response.headers.get("location");
  if ((response.status !== 302 && response.status !== 303) || !location) {
    throw new Error(`${what} answered ${response.status}, not a redirect`);
  }
  return new URL(location, response.url).href;
}

/**
 * A bearer token for `subject` with `claims`, as the CLI (`cpctl`, a public
 * client on the loopback) gets one: the control plane's authorization code
 * flow with PKCE, the person signing in at the directory it sends them to
 * (the workforce one for platform roles, else the customers'), then the
 * control plane's access token. Redirects are followed by hand, keeping the
 * control plane's cookies for its callback.
 */
export async function token(subject, claims) {
  const { gateway } = stack();
  const redirectUri = "http://127.0.0.1/callback";
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const authorizeUrl = new URL(gateway + "/oauth2/authorize");
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: "cpctl",
    redirect_uri: redirectUri,
    scope: "openid profile email",
    state,
    nonce: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    idp: claims.roles ? "workforce" : "customer",
  })) {
    authorizeUrl.searchParams.set(k, v);
  }
  const cookies = new Map();
  const keepCookies = (response) => {
    for (const set of response.headers.getSetCookie()) {
      const [pair, ...attributes] = set.split(";");
      const at = pair.indexOf("=");
      if (at < 1) continue;
      const name = pair.slice(0, at).trim();
      if (attributes.some((a) => a.trim().toLowerCase() === "max-age=0")) cookies.delete(name);
      else cookies.set(name, pair.slice(at + 1).trim());
    }
  };
  const html = "text/html,application/xhtml+xml,*/*;q=0.8";

  const authorized = await fetch(authorizeUrl, { headers: { Accept: html }, redirect: "manual" });
  keepCookies(authorized);
  const directoryPage = locationOf(authorized, "the control plane's authorization endpoint");
  await storeClaims(new URL(directoryPage).origin, subject, claims);
  const signedIn = await fetch(directoryPage, {
    method: "POST",
    body: new URLSearchParams({ sub: subject }),
    redirect: "manual",
  });
  const callback = locationOf(signedIn, "the directory");
  if (!callback.startsWith(gateway + "/oauth2/callback")) throw new Error(`the directory sent us to ${callback}`);
  const back = await fetch(callback, {
    headers: { Accept: html, Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    redirect: "manual",
  });
  const answered = new URL(locationOf(back, "the control plane's callback"));
  if (answered.origin + answered.pathname !== redirectUri) throw new Error(`the control plane sent us to ${answered}`);
  if (answered.searchParams.get("state") !== state) throw new Error("the state came back changed");
  const code = answered.searchParams.get("code");
  if (!code) {
    const { error, error_description: description } = Object.fromEntries(answered.searchParams);
    throw new Error(`sign-in refused: ${error}: ${description}`);
  }
  const tokens = await fetch(gateway + "/oauth2/token", {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: "cpctl",
    }),
  });
  if (!tokens.ok) throw new Error(`the token endpoint answered ${tokens.status}: ${await tokens.text()}`);
  const { access_token: accessToken } = await tokens.json();
  if (!accessToken) throw new Error("the token endpoint answered no access token");
  return accessToken;
}

/** `method path` on the API with a bearer token and a JSON body; the response. */
export async function callApi(bearer, method, path, body) {
  return fetch(stack().console + path, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/**
 * The newest invitation link emailed to `to`, as moto's SES recorded it
 * (its `/moto-api/data.json`, as the Rust tests read sent emails).
 */
export async function invitationLink(to) {
  const data = await (await fetch(stack().aws + "/moto-api/data.json")).json();
  const sent = (data.ses?.Message ?? []).map((m) => JSON.stringify(m)).filter((m) => m.includes(to));
  const last = sent.at(-1);
  const links = last?.match(/https?:\/\/[^\s"\\<>]+\/invitations\/accept#token=[A-Za-z0-9_-]+/g);
  if (!links) throw new Error(`no invitation link emailed to ${to}`);
  return links.at(-1);
}

export async function screenshot(page, name) {
  const dir = join(results, "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations on the page as it is. */
export async function accessibilityViolations(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Timings of page transitions and feedback, written at the end of the run. */
const timings = [];

/** Runs `act` and records how long until it is done (milliseconds). */
export async function timed(kind, what, act) {
  const started = performance.now();
  const value = await act();
  timings.push({ kind, what, ms: Math.round(performance.now() - started) });
  return value;
}

export function writeTimings() {
  mkdirSync(results, { recursive: true });
  const rows = timings.map((t) => `| ${t.kind} | ${t.what} | ${t.ms} |`).join("\n");
  const table = `| kind | what | ms |\n| --- | --- | ---: |\n${rows}\n`;
  writeFileSync(join(results, "timings.md"), table);
  writeFileSync(join(results, "timings.json"), JSON.stringify(timings, null, 2));
  return table;
}

/** Retries `check` until it passes or `seconds` run out. */
export async function eventually(check, seconds = 20) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
