// CloudWatch Synthetics canary (runtime syn-nodejs-puppeteer-*): the control
// plane's critical journeys, every five minutes (NFR-MON-003). Each step is
// an HTTP request through the public URL, so it crosses CloudFront, WAF, API
// Gateway and its authorizer exactly as a person or an application would.
//
//   console   GET /                           200, HTML: the console loads
//   sign-in   GET <issuer>/.well-known/openid-configuration
//                                              200, the issuer the API trusts:
//                                              people can sign in
//   edge-auth GET /v1/me with no token          401 from the JWT authorizer:
//                                              the API is up and refuses
//                                              anonymous callers
//   health    GET <HEALTH_PATH> (if set)       200: the functions answer and
//                                              reach the table
//
// Signing a synthetic person in and provisioning a tenant end to end needs
// a dedicated test identity and a purge of its tenants; see
// doc/deployment.md.
const synthetics = require('Synthetics');
const log = require('SyntheticsLogger');

const base = new URL(process.env.BASE_URL);
const issuer = new URL(process.env.ENTRA_ISSUER.replace(/\/?$/, '/'));

function request(url, headers) {
  return {
    hostname: url.hostname,
    method: 'GET',
    path: url.pathname + url.search,
    port: 443,
    protocol: 'https:',
    headers: Object.assign({ 'User-Agent': synthetics.getCanaryUserAgentString() }, headers || {}),
  };
}

function expect(status, check) {
  return async function (res) {
    if (res.statusCode !== status) {
      throw new Error('expected ' + status + ', got ' + res.statusCode);
    }
    const body = await new Promise((resolve, reject) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => resolve(data));
      res.on('error', reject);
    });
    if (check) {
      check(res, body);
    }
  };
}

exports.handler = async function () {
  const config = synthetics.getConfiguration();
  // Nothing about the request or response bodies goes into the artifacts.
  config.setConfig({
    includeRequestHeaders: false,
    includeResponseHeaders: false,
    includeRequestBody: false,
    includeResponseBody: false,
    restrictedHeaders: ['authorization'],
  });

  await synthetics.executeHttpStep('console', request(new URL('/', base)), expect(200, (res) => {
    if (!String(res.headers['content-type'] || '').startsWith('text/html')) {
      throw new Error('the console is not HTML');
    }
  }));

  await synthetics.executeHttpStep('sign-in', request(new URL('.well-known/openid-configuration', issuer)), expect(200, (res, body) => {
    const discovery = JSON.parse(body);
    if (discovery.issuer !== process.env.ENTRA_ISSUER) {
      throw new Error('the identity provider names another issuer');
    }
  }));

  await synthetics.executeHttpStep('edge-auth', request(new URL('/v1/me', base)), expect(401));

  if (process.env.HEALTH_PATH) {
    await synthetics.executeHttpStep('health', request(new URL(process.env.HEALTH_PATH, base)), expect(200));
  }
  log.info('every journey passed');
};
