// A managed application reading its tenant's flags with the OpenFeature
// JavaScript SDK and @openfeature/ofrep-provider, unchanged. Driven by the
// flag tests (tests/tests/e2e/flag/openfeature.rs): prints one JSON line
// per step.
const { OpenFeature } = require('@openfeature/server-sdk');
const { OFREPProvider } = require('@openfeature/ofrep-provider');

const env = process.env;
const say = (line) => console.log(JSON.stringify(line));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  await OpenFeature.setProviderAndWait(
    new OFREPProvider({
      baseUrl: env.OFREP_URL,
      headers: [['Authorization', `Bearer ${env.OFREP_TOKEN}`]],
    }),
  );
  const client = OpenFeature.getClient();
  const context = { targetingKey: 'user-42', tenantId: env.TENANT_ID };

  const first = await client.getBooleanDetails('new-editor', false, context);
  say({
    step: 'initial',
    value: first.value,
    reason: first.reason,
    variant: first.variant,
    projects: await client.getNumberValue('max-projects', 0, context),
    support: await client.getStringValue('support-tier', '', context),
    limits: await client.getObjectValue('rate-limits', {}, context),
  });

  // The operator changes the flag now; poll until the change shows.
  let now = first;
  const deadline = Date.now() + 30000;
  while (now.value === first.value && Date.now() < deadline) {
    await sleep(Number(env.POLL_MS || 500));
    now = await client.getBooleanDetails('new-editor', false, context);
  }
  say({ step: 'changed', value: now.value, reason: now.reason, variant: now.variant });

  const other = await client.getBooleanDetails('new-editor', false, {
    targetingKey: 'user-42',
    tenantId: env.OTHER_TENANT_ID,
  });
  say({ step: 'cross-tenant', value: other.value, reason: other.reason, errorCode: other.errorCode });

  const missing = await client.getBooleanDetails('no-such-flag', true, context);
  say({ step: 'missing', value: missing.value, errorCode: missing.errorCode });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
