// The browser tests' harness: the running local stack (its stack.json),
// Debian's Chromium driven by playwright-core, real sign-in through the
// local OIDC provider, CSP violation capture, axe-core, screenshots and
// timings. Never downloads a browser.
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
  return { console: info.console_url, issuer: info.oidc_issuer, aws: info.aws_endpoint_url };
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

/** Stores `subject`'s claims with the provider, as Entra ID holds them. */
async function storeClaims(subject, claims) {
  const stored = await fetch(`${stack().issuer}/users/${encodeURIComponent(subject)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: subject, ...claims }),
  });
  if (!stored.ok) throw new Error(`storing ${subject}'s claims: ${stored.status}`);
}

/**
 * Signs `subject` in through the provider's own authorization page, with
 * the platform roles given (stored as the subject's claims first, as Entra
 * ID's app roles would be).
 */
export async function signIn(page, subject, roles) {
  await storeClaims(subject, roles.length ? { roles } : {});
  await page.goto(stack().console + "/");
  await authorize(page, subject);
  await page.getByTestId("who").waitFor();
}

/**
 * Somebody with a verified email (a tenant's person) signs in from `url`
 * (e.g. an invitation link) and comes back there.
 */
export async function signInWithEmail(page, subject, email, url) {
  await storeClaims(subject, { email, email_verified: true });
  await page.goto(url);
  await authorize(page, subject);
}

async function authorize(page, subject) {
  const { issuer } = stack();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await page.locator('input[name="sub"]').fill(subject);
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL((u) => !u.href.startsWith(issuer) && !u.pathname.startsWith("/callback"));
}

/**
 * A bearer token for `subject` with `claims`, as `cp-local token` gets one:
 * the provider's authorization code flow with its registered token helper
 * redirect URI, then the ID token.
 */
export async function token(subject, claims) {
  const { console: url, issuer } = stack();
  await storeClaims(subject, claims);
  const config = await (await fetch(url + "/config.json")).json();
  const redirect = "http://127.0.0.1/callback";
  const authorizeUrl = new URL(issuer + "/oauth2/authorize");
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: redirect,
    scope: "openid profile email",
    state: "e2e",
  })) {
    authorizeUrl.searchParams.set(k, v);
  }
  const authorized = await fetch(authorizeUrl, {
    method: "POST",
    body: new URLSearchParams({ sub: subject }),
    redirect: "manual",
  });
  const code = new URL(authorized.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (!code) throw new Error(`authorize answered ${authorized.status}`);
  const answered = await fetch(issuer + "/oauth2/token", {
    method: "POST",
    headers: { Authorization: "Basic " + Buffer.from(`${config.client_id}:local-secret`).toString("base64") },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect }),
  });
  if (!answered.ok) throw new Error(`token endpoint answered ${answered.status}`);
  return (await answered.json()).id_token;
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
