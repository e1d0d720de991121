// The console in a real browser (Debian's Chromium) against the local
// stack, signed in through the control plane's OpenID Provider and the
// local directories behind it. One browser, journeys
// in order: what an operator does, then what an auditor and a developer
// see and may not do, then a tenant's own Owner and member.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  accessibilityViolations,
  callApi,
  cspViolations,
  eventually,
  invitationLink,
  launch,
  newPage,
  screenshot,
  signIn,
  signInWithEmail,
  stack,
  timed,
  token,
  unique,
  writeTimings,
} from "./harness.mjs";

let browser;
const state = {};

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(writeTimings());
});

/** No CSP violation, no serious or critical axe violation. */
async function assertCleanView(page, name) {
  assert.deepEqual(await cspViolations(page), [], `${name}: CSP violations`);
  assert.deepEqual(await accessibilityViolations(page), [], `${name}: accessibility violations`);
  await screenshot(page, name);
}

describe("operator", () => {
  let page;
  before(async () => {
    page = await newPage(browser);
    await timed("transition", "sign-in (console → control plane → directory → console)", () =>
      signIn(page, unique("operator-"), ["Operator"]),
    );
  });
  after(() => page.context().close());

  it("the console is served with the CloudFront security headers", async () => {
    const response = await page.goto(stack().console + "/tenants");
    const h = response.headers();
    assert.match(h["content-security-policy"], /script-src 'self'/);
    assert.match(h["content-security-policy"], /frame-ancestors 'none'/);
    assert.doesNotMatch(h["content-security-policy"], /unsafe-inline|unsafe-eval/);
    assert.match(h["strict-transport-security"], /max-age=\d+/);
    assert.equal(h["x-content-type-options"], "nosniff");
    assert.equal(h["x-frame-options"], "DENY");
    assert.equal(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert.ok(h["permissions-policy"]);
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
  });

  it("IF-OPS-CONSOLE: registers an application, edits it, issues a secret shown once, revokes it", async () => {
    await timed("transition", "tenants → applications", async () => {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Applications" }).click();
      await page.getByRole("heading", { name: "Applications" }).waitFor();
      await page.getByRole("status").filter({ hasText: "Loading" }).waitFor({ state: "detached" });
    });
    state.app = unique("Billing ");
    await page.getByRole("button", { name: "Register an application" }).click();
    const form = page.getByRole("form", { name: "Register an application" });
    await form.getByLabel("Name").fill(state.app);
    await form.getByLabel("Environment").selectOption("Staging");
    await form.getByLabel("Owner (team or person)").fill("billing-team");
    await timed("feedback", "register an application (submit → its page)", async () => {
      await form.getByRole("button", { name: "Register an application" }).click();
      await page.getByRole("heading", { name: state.app }).waitFor();
    });
    await page.getByRole("status").filter({ hasText: "is registered" }).waitFor();
    state.appUrl = page.url();

    const edit = page.getByRole("form", { name: "Edit application" });
    await edit.getByLabel("Owner (team or person)").fill("payments-team");
    await edit.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "is saved" }).waitFor();
    await page.locator("dd", { hasText: "payments-team" }).waitFor();

    // Its users sign in through the control plane: the OpenID Connect
    // client registration, checked by the API as the provider will use it.
    const client = page.getByRole("form", { name: "Change the sign-in registration" });
    await client.getByLabel(/^Redirect URIs/).fill("https://*.billing.example/callback");
    await client.getByLabel("Authorization code (people sign in)").check();
    await client.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").filter({ hasText: "ERR-VAL-400" }).waitFor();
    await client.getByLabel(/^Redirect URIs/).fill("https://billing.example/callback");
    await client.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "sign-in registration" }).waitFor();
    await page.locator("dd", { hasText: "https://billing.example/callback" }).waitFor();
    await assertCleanView(page, "application-client");

    const issue = page.getByRole("form", { name: "Issue a secret" });
    await issue.getByRole("button", { name: "Issue a secret" }).click();
    await issue.getByRole("alert").filter({ hasText: "Choose at least one scope." }).waitFor();
    await issue.getByLabel("billing:write").check();
    await issue.getByLabel("tenants:read").check();
    await timed("feedback", "issue a secret (submit → secret shown)", async () => {
      await issue.getByRole("button", { name: "Issue a secret" }).click();
      await page.getByTestId("client-secret").waitFor();
    });
    const secret = await page.getByTestId("client-secret").textContent();
    assert.match(secret, /^cpsk_v1\./);
    const shown = page.getByRole("region", { name: "The new client secret" });
    await shown.getByText("it is shown this once").waitFor();
    await shown.getByRole("button", { name: "Copy" }).click();
    await shown.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await assertCleanView(page, "application-secret-issued");

    await shown.getByRole("button", { name: "Close" }).click();
    assert.equal(await page.getByTestId("client-secret").count(), 0, "the secret is not shown again");
    await page.reload();
    await page.getByRole("heading", { name: state.app }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0, "the secret is never shown after");

    await page.getByRole("button", { name: `Revoke …${secret.slice(-4)}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("stop working at once").waitFor();
    await timed("feedback", "revoke a secret (confirm → done)", async () => {
      await dialog.getByRole("button", { name: "Revoke" }).click();
      await page.getByRole("status").filter({ hasText: "is revoked" }).waitFor();
    });
    await page.getByRole("cell", { name: /^Revoked/ }).waitFor();
  });

  it("IF-OPS-CONSOLE: provisions a tenant with the application, then finds it by domain and status", async () => {
    state.domain = unique("acme-");
    await timed("transition", "applications → provision form", async () => {
      await page.getByRole("link", { name: "Tenants" }).click();
      await page.getByRole("link", { name: "Provision a tenant" }).click();
      await page.getByRole("heading", { name: "Provision a tenant" }).waitFor();
    });
    await page.getByLabel("Tenant name").fill("Acme Corporation");
    await page.getByLabel("Domain").fill("-bad-");
    await page.getByLabel("Owner's email").fill("owner@acme.example");
    await page.getByLabel(state.app).check();
    // The browser's own check stops a malformed domain before the API.
    await page.getByRole("button", { name: "Provision" }).click();
    assert.equal(await page.getByLabel("Domain").evaluate((i) => i.validity.valid), false);
    await page.getByLabel("Domain").fill(state.domain);
    await page.getByLabel("Plan").selectOption("Enterprise");
    await timed("feedback", "provision a tenant (submit → its page)", async () => {
      await page.getByRole("button", { name: "Provision" }).click();
      await page.getByRole("heading", { name: `Tenant ${state.domain}` }).waitFor();
    });
    await page.getByRole("status").filter({ hasText: "an invitation was sent to owner@acme.example" }).waitFor();
    state.tenantUrl = page.url();
    state.tenantId = state.tenantUrl.split("/").pop();
    await page.getByRole("link", { name: state.app }).waitFor();
    await assertCleanView(page, "tenant");

    // The same domain again is a conflict, shown with its correlation id.
    await page.goto(stack().console + "/tenants/new");
    await page.getByLabel("Tenant name").fill("Acme again");
    await page.getByLabel("Domain").fill(state.domain);
    await page.getByLabel("Owner's email").fill("owner@acme.example");
    await page.getByRole("button", { name: "Provision" }).click();
    const problem = page.getByRole("alert");
    await problem.getByText("ERR-VAL-409").waitFor();
    assert.match(await page.getByTestId("correlation-id").textContent(), /\S+/);
    await assertCleanView(page, "provision-conflict");

    await page.getByRole("link", { name: "Tenants" }).click();
    await page.getByLabel("Domain starts with").fill(state.domain);
    await timed("feedback", "search tenants by domain", async () => {
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: state.domain, exact: true }).waitFor();
    });
    await page.getByLabel("Status").selectOption("Suspended");
    await page.getByText("No tenant matches.").waitFor();
    await page.getByLabel("Status").selectOption("Active");
    await page.getByRole("link", { name: state.domain, exact: true }).waitFor();
    await assertCleanView(page, "tenants");
  });

  it("IF-OPS-CONSOLE: sets a tenant's flag override of the flag's type, and clears it", async () => {
    await page.goto(state.tenantUrl);
    const flags = page.getByRole("region", { name: "Feature flags" });
    const row = flags.locator('tr[data-flag="max-projects"]');
    await row.getByRole("cell", { name: "Plan default" }).waitFor();
    await row.getByRole("cell", { name: "1000" }).first().waitFor();
    const form = flags.getByRole("form", { name: "Set an override" });
    await form.getByLabel("Flag").selectOption("max-projects");
    await form.getByLabel("Value (number)").fill("7");
    await timed("feedback", "set a flag override (submit → shown)", async () => {
      await form.getByRole("button", { name: "Set an override" }).click();
      await flags.getByRole("status").filter({ hasText: "max-projects is now 7" }).waitFor();
    });
    await row.getByRole("cell", { name: "Override", exact: true }).waitFor();
    assert.equal(await row.locator("td").nth(1).textContent(), "7", "the effective value");
    await form.getByLabel("Flag").selectOption("new-editor");
    await form.getByLabel("Value (boolean)").selectOption("false");
    await form.getByRole("button", { name: "Set an override" }).click();
    await flags.getByRole("status").filter({ hasText: "new-editor is now false" }).waitFor();
    await assertCleanView(page, "tenant-flags");

    await timed("feedback", "clear a flag override (click → plan default shown)", async () => {
      await row.getByRole("button", { name: "Clear the override of max-projects" }).click();
      await flags.getByRole("status").filter({ hasText: "The override of max-projects is cleared" }).waitFor();
    });
    await row.getByRole("cell", { name: "Plan default" }).waitFor();
    assert.equal(await row.locator("td").nth(1).textContent(), "1000");
    assert.equal(await row.getByRole("button", { name: /^Clear/ }).count(), 0);
  });

  it("IF-OPS-CONSOLE: suspends with a reason after confirming, and resumes", async () => {
    await page.goto(stack().console + "/tenants");
    await page.getByLabel("Domain starts with").fill(state.domain);
    await page.getByRole("button", { name: "Search" }).click();
    await timed("transition", "tenants → tenant", async () => {
      await page.getByRole("link", { name: state.domain, exact: true }).click();
      await page.getByRole("heading", { name: `Tenant ${state.domain}` }).waitFor();
    });
    await page.getByRole("button", { name: "Suspend" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("is refused at once").waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Suspend" }).click();
    await dialog.getByLabel("Reason (optional)").fill("Unpaid invoices");
    await assertCleanView(page, "tenant-suspend-confirm");
    await timed("feedback", "suspend (confirm → status shown)", async () => {
      await dialog.getByRole("button", { name: "Suspend" }).click();
      await page.getByRole("status").filter({ hasText: "is suspended" }).waitFor();
    });
    await page.locator("dd", { hasText: "Unpaid invoices" }).waitFor();
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("status").filter({ hasText: "is active again" }).waitFor();
    await page.getByRole("button", { name: "Suspend" }).waitFor();
  });

  it("IF-OPS-CONSOLE: deletes only once the domain is typed, and restores during the grace period", async () => {
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Delete" });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel(`Type the domain ${state.domain} to confirm`).fill(state.domain.slice(0, -1));
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel(`Type the domain ${state.domain} to confirm`).fill(state.domain);
    await screenshot(page, "tenant-delete-confirm");
    await timed("feedback", "delete (confirm → purge date shown)", async () => {
      await confirm.click();
      await page.getByRole("status").filter({ hasText: "will be purged on" }).waitFor();
    });
    await page.getByText("Pending deletion").first().waitFor();
    await page.getByText("Purged on", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Restore" }).click();
    await page.getByRole("status").filter({ hasText: "is restored" }).waitFor();
    await page.locator(".badge-Active").waitFor();
  });

  it("IF-OPS-CONSOLE: the health view charts error rate and P99 per function", async () => {
    await timed("transition", "tenant → health", async () => {
      await page.getByRole("link", { name: "Health" }).click();
      await page.getByText(/Platform status: /).waitFor();
    });
    await eventually(async () => {
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.getByRole("img", { name: "Error rate by function (limit 1 %)" }).waitFor({ timeout: 3000 });
    }, 60);
    await page.getByRole("img", { name: "P99 latency by function (ms)" }).waitFor();
    await page.getByRole("cell", { name: "tenant-provision" }).waitFor();
    await assertCleanView(page, "health");
  });

  it("IF-OPS-CONSOLE: speaks Japanese and shows dates in the viewer's time zone", async () => {
    await page.goto(state.tenantUrl);
    await page.getByLabel("Language").selectOption("ja");
    await page.getByRole("heading", { name: `テナント ${state.domain}` }).waitFor();
    await page.getByRole("link", { name: "監査レコード" }).waitFor();
    // The browser is in Tokyo: times carry its zone.
    await page.locator("dd", { hasText: "JST" }).first().waitFor();
    await assertCleanView(page, "tenant-ja");
    await page.getByLabel("言語").selectOption("en");
  });

  it("is usable with the keyboard alone", async () => {
    await page.goto(stack().console + "/tenants");
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    // Tab to the tenant link and open it with Enter.
    await page.getByLabel("Domain starts with").focus();
    await page.keyboard.type(state.domain);
    await page.keyboard.press("Enter");
    const link = page.getByRole("link", { name: state.domain, exact: true });
    await link.waitFor();
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Tenant ${state.domain}` }).waitFor();
    await page.getByRole("button", { name: "Suspend" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
  });
});

describe("auditor", () => {
  let page;
  before(async () => {
    page = await newPage(browser, { locale: "en-GB", timezoneId: "Europe/Paris" });
    await signIn(page, unique("auditor-"), ["Auditor"]);
  });
  after(() => page.context().close());

  it("IF-AUDIT-CONSOLE: finds the tenant's audit records by tenant", async () => {
    await timed("transition", "sign-in → audit records", async () => {
      await page.getByRole("link", { name: "Audit records" }).click();
      await page.getByRole("heading", { name: "Audit records" }).waitFor();
    });
    await page.getByLabel("Tenant id (or platform)").fill(state.tenantId);
    await eventually(async () => {
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("cell", { name: "tenant.restore" }).waitFor({ timeout: 2000 });
    }, 30);
    await page.getByRole("cell", { name: "tenant.create" }).first().waitFor();
    await page.getByRole("cell", { name: "tenant.suspend" }).first().waitFor();
    await assertCleanView(page, "audit");
  });

  it("IF-AUDIT-CONSOLE: narrows the tenant's records to one action", async () => {
    await page.goto(stack().console + "/audit");
    await page.getByLabel("Tenant id (or platform)").fill(state.tenantId);
    await page.getByLabel("Action").fill("tenant.create");
    const asked = page.waitForRequest(
      (r) => r.url().includes("/v1/audit-records") && new URL(r.url()).searchParams.get("action") === "tenant.create",
    );
    await page.getByRole("button", { name: "Search" }).click();
    await asked;
    await page.getByRole("cell", { name: "tenant.create" }).first().waitFor();
    const actions = await page.locator("table.audit tbody tr td:nth-child(3)").allTextContents();
    assert.deepEqual([...new Set(actions)], ["tenant.create"], "only records of the action searched for");
  });

  it("IF-AUDIT-CONSOLE / UC-AUDIT-EXPORT: exports a tenant's records as CSV and sees the file's integrity", async () => {
    await page.goto(stack().console + "/audit");
    await page.getByLabel("Tenant id (or platform)").fill(state.tenantId);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("cell", { name: "tenant.create" }).first().waitFor();
    // No range given: the last 30 days, which hold the whole trail of the tenant.
    await page.getByText("Without From and To: the last 30 days.").waitFor();
    const panel = page.getByRole("region", { name: "CSV export" });
    const status = panel.getByRole("status").filter({ hasText: /Succeeded|Failed/ });
    await timed("feedback", "export CSV (request → file ready)", async () => {
      await page.getByRole("button", { name: "Export CSV" }).click();
      await panel.waitFor();
      // The job runs when the queue's poller hands it its event.
      await status.waitFor({ timeout: 60_000 });
    });
    assert.match(await status.textContent(), /Succeeded/);
    const link = panel.getByRole("link", { name: "Download CSV" });
    assert.match(await link.getAttribute("href"), /^https?:\/\/\S+/);
    assert.notEqual(await link.getAttribute("download"), null);
    const records = Number((await panel.getByTestId("export-records").textContent()).replace(/\D/g, ""));
    assert.ok(records >= 1, `records exported: ${records}`);
    assert.match(await panel.locator("code.digest").textContent(), /^[0-9a-f]{64}$/);
    // The job checked the file's records against the signed digests.
    const integrity = await panel.getByRole("region", { name: "Integrity" }).textContent();
    assert.match(integrity, /Verified/);
    assert.doesNotMatch(integrity, /does not match/);
    assert.equal(await panel.getByRole("alert").count(), 0, "an integrity failure");
    await panel.getByRole("button", { name: "Get a fresh link" }).click();
    await panel.getByRole("button", { name: "Get a fresh link" }).and(page.locator(":enabled")).waitFor();
    await link.waitFor();
    await assertCleanView(page, "audit-export");

    // A reload of the page shows the same export.
    await page.reload();
    await status.filter({ hasText: "Succeeded" }).waitFor();
    assert.equal(Number((await panel.getByTestId("export-records").textContent()).replace(/\D/g, "")), records);
  });

  it("sees tenants and applications but is offered no operator action", async () => {
    await page.goto(state.tenantUrl);
    await page.getByRole("heading", { name: `Tenant ${state.domain}` }).waitFor();
    await page.getByRole("heading", { name: "Enabled applications" }).waitFor();
    for (const action of ["Suspend", "Delete", "Resume", "Restore", "Disable", "Enable", "Clear", "Set an override"]) {
      assert.equal(await page.getByRole("button", { name: action }).count(), 0, action);
    }
    // The flags, read-only: the override the operator set is there.
    const flags = page.getByRole("region", { name: "Feature flags" });
    await flags.locator('tr[data-flag="new-editor"]').getByRole("cell", { name: "Override", exact: true }).waitFor();
    assert.equal(await flags.getByRole("form").count(), 0);
    assert.equal(await page.getByRole("link", { name: "Health" }).count(), 0);
    await page.getByRole("link", { name: "Tenants" }).click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Provision a tenant" }).count(), 0);
    await page.goto(state.appUrl);
    await page.getByRole("heading", { name: state.app }).waitFor();
    assert.equal(await page.getByRole("form", { name: "Issue a secret" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: /^Revoke/ }).count(), 0);
    assert.equal(await page.getByRole("form", { name: "Edit application" }).count(), 0);
    await assertCleanView(page, "application-auditor");
  });

  it("a view the role is refused shows the API's refusal with its correlation id", async () => {
    await page.goto(stack().console + "/health");
    const alert = page.getByRole("alert");
    await alert.getByText("Your role does not allow this.").waitFor();
    await alert.getByText("ERR-AUTH-403").waitFor();
    assert.match(await page.getByTestId("correlation-id").textContent(), /\S+/);
    await assertCleanView(page, "refused");
  });
});

describe("developer", () => {
  let page;
  before(async () => {
    page = await newPage(browser);
    await signIn(page, unique("developer-"), ["Developer"]);
  });
  after(() => page.context().close());

  it("is offered applications only, and the API refuses the tenants list", async () => {
    await page.getByRole("heading", { name: "Applications" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.deepEqual(await nav.getByRole("link").allTextContents(), ["Applications"]);
    await page.getByRole("button", { name: "Register an application" }).waitFor();
    await page.goto(stack().console + "/tenants");
    await page.getByRole("alert").getByText("Your role does not allow this.").waitFor();
    assert.equal(await page.getByRole("link", { name: "Provision a tenant" }).count(), 0);
    assert.deepEqual(await cspViolations(page), []);
  });
});

describe("tenant Owner and member", () => {
  const domain = unique("org-");
  const owner = { subject: unique("owner-"), email: `owner@${domain}.example` };
  const member = { subject: unique("member-"), email: `${unique("m")}@members.example` };
  let page;
  let memberPage;
  before(async () => {
    // An operator provisions the tenant through the API; its Owner is emailed.
    const operator = await token(unique("operator-"), { roles: ["Operator"] });
    const created = await callApi(operator, "POST", "/v1/tenants", {
      name: "Org Ltd",
      domain,
      plan: "Pro",
      owner_email: owner.email,
    });
    assert.equal(created.status, 201);
    page = await newPage(browser);
    memberPage = await newPage(browser, { locale: "en-GB", timezoneId: "Europe/Paris" });
  });
  after(async () => {
    await page.context().close();
    await memberPage.context().close();
  });

  it("IF-TENANT-CONSOLE: the Owner opens the emailed link, signs in with it and is a member; the token leaves the address bar", async () => {
    const link = await eventually(() => invitationLink(owner.email));
    const tokenValue = new URL(link).hash.slice("#token=".length);
    await page.goto(link);
    await page.getByText("Sign in to accept your invitation.").waitFor();
    assert.equal(new URL(page.url()).hash, "", "the token is out of the address bar before sign-in");
    // The sign-in carries the token to the control plane, which sends an
    // invitee straight to the customers' directory (no chooser).
    const carried = page.waitForRequest((r) => {
      const u = new URL(r.url());
      return u.pathname === "/oauth2/authorize" && u.searchParams.get("invitation") === tokenValue;
    });
    await timed("transition", "invitation link → sign-in → accepted", async () => {
      await signInWithEmail(page, owner.subject, owner.email, page.url());
      await page.getByRole("status").filter({ hasText: "you are now a member of the tenant, as Owner" }).waitFor();
    });
    await carried;
    assert.equal(new URL(page.url()).pathname, "/invitations/accept");
    assert.doesNotMatch(page.url(), /token/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("console.invitation")), null);
    await assertCleanView(page, "invitation-accepted");

    // The same link again: used. The control plane refuses it at its
    // callback, and the console's page says so.
    const again = await newPage(browser);
    await again.goto(link);
    await signInWithEmail(again, owner.subject, owner.email, again.url());
    const gone = again.getByTestId("accept-gone");
    await gone.getByText("Ask for a new invitation.").waitFor();
    assert.equal(await gone.getAttribute("role"), "alert");
    assert.equal(new URL(again.url()).pathname, "/invitations/accept");
    assert.equal(await again.evaluate(() => sessionStorage.getItem("console.invitation")), null, "a dead link is forgotten");
    assert.equal(await again.getByRole("button", { name: "Sign in to accept" }).count(), 0, "no sign-in with a dead link");
    await assertCleanView(again, "invitation-gone");
    await again.context().close();
    assert.ok(tokenValue.length > 20);

    await page.getByRole("button", { name: "Continue to the console" }).click();
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Members" }).waitFor();
    assert.deepEqual(await nav.getByRole("link").allTextContents(), [
      "My tenant",
      "Members",
      "Invitations",
      "Settings",
      "Single sign-on",
      "Plan",
      "Audit records",
      "My sessions",
    ]);
  });

  it("IF-TENANT-CONSOLE: the Owner invites a member, who accepts from another browser", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
    const form = page.getByRole("form", { name: "Send an invitation" });
    await form.getByLabel("Email").fill(member.email);
    await form.getByLabel("Role").selectOption("User");
    await timed("feedback", "send an invitation (submit → listed)", async () => {
      await form.getByRole("button", { name: "Send an invitation" }).click();
      await page.getByRole("status").filter({ hasText: `An invitation was sent to ${member.email}` }).waitFor();
      await page.getByRole("cell", { name: member.email, exact: true }).waitFor();
    });
    await page.getByRole("row", { name: new RegExp(member.email) }).getByText("Pending").waitFor();
    // The same email again is refused: a member or an open invitation has it.
    await form.getByLabel("Email").fill(member.email);
    await form.getByRole("button", { name: "Send an invitation" }).click();
    await form.getByRole("alert").getByText("ERR-VAL-409").waitFor();
    await assertCleanView(page, "invitations");

    const link = await eventually(() => invitationLink(member.email));
    await memberPage.goto(link);
    // Someone whose directory verified another address is refused; the
    // link stays usable, and the invited address signs in with it next.
    await signInWithEmail(memberPage, unique("other-"), `${unique("o")}@elsewhere.example`, memberPage.url());
    await memberPage.getByTestId("accept-other-email").getByText("a different email address").waitFor();
    assert.equal(new URL(memberPage.url()).pathname, "/invitations/accept");
    assert.notEqual(await memberPage.evaluate(() => sessionStorage.getItem("console.invitation")), null);
    await assertCleanView(memberPage, "invitation-other-email");
    await signInWithEmail(memberPage, member.subject, member.email, memberPage.url());
    await memberPage.getByRole("status").filter({ hasText: "as User" }).waitFor();
    assert.equal(await memberPage.evaluate(() => sessionStorage.getItem("console.invitation")), null);
    await memberPage.getByRole("button", { name: "Continue to the console" }).click();
    const nav = memberPage.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "My sessions" }).waitFor();
    // An ordinary User sees their tenant and their own sessions only.
    assert.deepEqual(await nav.getByRole("link").allTextContents(), ["My tenant", "My sessions"]);
    await nav.getByRole("link", { name: "My sessions" }).click();
    await memberPage.getByRole("cell", { name: "This session" }).waitFor();
    await memberPage.locator("dd", { hasText: member.email }).waitFor();
    await assertCleanView(memberPage, "my-sessions");
  });

  it("IF-TENANT-CONSOLE: the Owner finds the member, ends their session, and changes their role", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
    await page.getByLabel("Email starts with").fill(member.email.slice(0, 6));
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: member.email }).waitFor();
    assert.equal(await page.getByRole("link", { name: owner.email }).count(), 0, "the prefix filters");
    await page.getByLabel("Role").selectOption("Administrator");
    await page.getByText("No member matches.").waitFor();
    await page.getByLabel("Role").selectOption("User");
    await assertCleanView(page, "members");
    await timed("transition", "members → member", async () => {
      await page.getByRole("link", { name: member.email }).click();
      await page.getByRole("heading", { name: `Member ${member.email}` }).waitFor();
    });

    const sessions = page.getByRole("region", { name: "Sign-in sessions" });
    await sessions.getByRole("cell", { name: "Active", exact: true }).waitFor();
    await timed("feedback", "end a member's session (click → ended)", async () => {
      await sessions.getByRole("button", { name: /^End the session started/ }).click();
      await page.getByRole("status").filter({ hasText: "The session has ended." }).waitFor();
      await sessions.getByRole("cell", { name: /^Ended / }).waitFor();
    });
    // The member's browser is refused from its next request on.
    await memberPage.reload();
    await memberPage.getByRole("alert").getByText("ERR-AUTH-440").waitFor();

    const change = page.getByRole("form", { name: "Change role" });
    await change.getByLabel("Role").selectOption("Administrator");
    await timed("feedback", "change a member's role (submit → shown)", async () => {
      await change.getByRole("button", { name: "Change role" }).click();
      await page.getByRole("status").filter({ hasText: `${member.email} is now Administrator` }).waitFor();
    });
    await page.locator("dd").getByText("Administrator", { exact: true }).waitFor();
    await assertCleanView(page, "member");
  });

  it("IF-TENANT-CONSOLE: the last Owner cannot demote themselves, and the console says why", async () => {
    await page.getByRole("link", { name: "All members" }).click();
    await page.getByRole("link", { name: owner.email }).click();
    await page.getByRole("heading", { name: `Member ${owner.email}` }).waitFor();
    const change = page.getByRole("form", { name: "Change role" });
    await change.getByLabel("Role").selectOption("User");
    await change.getByRole("button", { name: "Change role" }).click();
    await page.getByTestId("last-owner").waitFor();
    await page.getByRole("alert").getByText("ERR-VAL-422").waitFor();
    await page.locator("dd").getByText("Owner", { exact: true }).waitFor();
    await assertCleanView(page, "member-last-owner");
  });

  it("IF-TENANT-CONSOLE: settings save the invitation lifetime and the password policy", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    const ttl = page.getByLabel("Invitation lifetime (days)");
    await ttl.waitFor();
    assert.equal(await ttl.inputValue(), "7");
    await ttl.fill("14");
    await page.getByLabel("Require a symbol").check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "The settings are saved." }).waitFor();
    await page.reload();
    await page.getByLabel("Invitation lifetime (days)").waitFor();
    assert.equal(await page.getByLabel("Invitation lifetime (days)").inputValue(), "14");
    assert.equal(await page.getByLabel("Require a symbol").isChecked(), true);
    await assertCleanView(page, "settings");
  });

  it("IF-TENANT-CONSOLE: the Owner changes the plan after confirming", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Plan" }).click();
    await page.getByTestId("current-plan").getByText("Pro").waitFor();
    await page.getByLabel("New plan").selectOption("Enterprise");
    await page.getByRole("button", { name: "Change plan" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("from Pro to Enterprise").waitFor();
    await screenshot(page, "plan-confirm");
    await dialog.getByRole("button", { name: "Change plan" }).click();
    await page.getByRole("status").filter({ hasText: "The plan is now Enterprise." }).waitFor();
    await page.getByTestId("current-plan").getByText("Enterprise").waitFor();
    await assertCleanView(page, "plan");
  });

  it("IF-TENANT-CONSOLE: SSO keeps the client secret write-only and shows a discovery failure's reason", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Single sign-on" }).click();
    await page.getByText("Single sign-on is not configured.").waitFor();
    const form = page.getByRole("form", { name: "Configure single sign-on" });
    assert.equal(await form.getByLabel("Client secret").getAttribute("type"), "password");
    await form.getByLabel("Issuer URL").fill("https://127.0.0.1/tenant");
    await form.getByLabel("Client id").fill("console-e2e");
    await form.getByLabel("Client secret").fill("s3cret-value-for-e2e");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").getByText("ERR-VAL-400").waitFor();
    assert.equal(await page.getByText("s3cret-value-for-e2e").count(), 0);
    await assertCleanView(page, "sso-refused");

    // The local provider (trusted by the local stack's SSRF guard) passes discovery.
    await form.getByLabel("Issuer URL").fill(stack().issuer);
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Single sign-on with" }).waitFor();
    await page.locator("dd", { hasText: "Set (never shown)" }).waitFor();
    assert.equal(await page.getByLabel("Client secret").inputValue(), "", "the secret is not kept in the form");
    assert.equal(await page.getByText("s3cret-value-for-e2e").count(), 0);
    await assertCleanView(page, "sso");
  });

  it("IF-TENANT-CONSOLE: signing out ends the session at the API first, then at the control plane and the directory", async () => {
    const logout = page.waitForResponse((r) => r.url().endsWith("/v1/logout"));
    const endSession = page.waitForRequest((r) => {
      const u = new URL(r.url());
      return u.origin === new URL(stack().gateway).origin && u.pathname === "/oauth2/logout";
    });
    await page.getByRole("button", { name: "Sign out" }).click();
    assert.ok((await logout).ok(), "POST /v1/logout succeeded");
    // RP-initiated logout: the ID token as hint, back to the console's start page.
    const ended = new URL((await endSession).url());
    assert.ok(ended.searchParams.get("id_token_hint"), "id_token_hint");
    assert.equal(ended.searchParams.get("post_logout_redirect_uri"), stack().console + "/");
    // The control plane sends the browser on to end the customers' directory's session.
    await page.waitForURL((u) => u.origin === new URL(stack().customer).origin);
    await page.getByRole("button", { name: "End session" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    const back = new URL(page.url());
    assert.equal(back.origin + back.pathname, stack().console + "/");
    assert.deepEqual(
      await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("oidc.user:"))),
      [],
      "no signed-in user is kept",
    );
    // The control plane's session is over too: signing in again asks where.
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("link", { name: "a member of a customer's organisation" }).waitFor();
  });
});
