// A real OpenID Connect provider (the npm package oidc-provider) for koers' sign-in tests.
//
//   node oidc-server.mjs PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI
//
// Issuer http://127.0.0.1:PORT, one confidential client `koers` (secret `koers-secret`), and
// accounts with the claims koers maps (koers_org, groups, email, email_verified). Signing in
// is a tiny page with a button per account (POST /interaction/{uid}/login, field `user`), so
// a test can drive it with plain HTTP as well as in a browser; consent is implied.
//
// Test controls (plain HTTP, loopback only):
//   POST /test/accounts/{id}   JSON claims merged into the account (e.g. new groups)
//   POST /test/forge           body `aud`, `exp` or `key`: the next ID token gets another
//                              audience, is expired, or is signed with a key the provider
//                              does not publish (same key id).
// It prints `ready` on stdout once it listens.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: node oidc-server.mjs PORT REDIRECT_URI [POST_LOGOUT_REDIRECT_URI]');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

function rsaKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const signing = rsaKey('koers-test-key');
// Never published: tokens signed with it must be refused.
const rogue = rsaKey('koers-test-key');

const accounts = {
  alice: { email: 'alice@pv26.example', email_verified: true, name: 'Alice Analist', koers_org: 'PV26', groups: ['koers-analyst'] },
  bob: { email: 'bob@pv26.example', email_verified: true, name: 'Bob Buiten', koers_org: 'PV26', groups: ['marketing'] },
  // The address of an existing local account of koers.
  admin: { email: 'admin@pv26.example', email_verified: true, name: 'Admin', koers_org: 'PV26', groups: ['koers-admin'] },
};

let forge = '';

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'koers',
    client_secret: 'koers-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: postLogoutUri ? [postLogoutUri] : [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signing.jwk] },
  cookies: { keys: ['koers-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'koers_org', 'groups'],
  },
  // Claims of the scopes in the ID token itself (koers reads no userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  // Consent is implied: the grant covers what the client asks.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

// Rewrites the ID token of a token response when a forgery is asked for.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || !forge || !ctx.body?.id_token) return;
  const payload = jose.decodeJwt(ctx.body.id_token);
  let key = signing.privateKey;
  if (forge === 'aud') payload.aud = 'another-client';
  if (forge === 'exp') { payload.iat -= 7200; payload.exp = Math.floor(Date.now() / 1000) - 3600; }
  if (forge === 'key') key = rogue.privateKey;
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'koers-test-key' })
      .sign(key),
  };
  forge = '';
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

const handler = provider.callback();

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function route(req, res) {
  const url = new URL(req.url, issuer);
  const interaction = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (interaction && req.method === 'GET' && !interaction[2]) {
    const details = await provider.interactionDetails(req, res);
    const buttons = Object.entries(accounts)
      .map(([id, a]) => `<button type="submit" name="user" value="${escape(id)}">${escape(a.name)}</button>`)
      .join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="nl"><head><title>Test-inlogdienst</title></head><body><main>
<h1>Test-inlogdienst</h1>
<form method="post" action="/interaction/${escape(details.uid)}/login">
<p>Kies een account:</p>
${buttons}
</form></main></body></html>`);
    return;
  }
  if (interaction && req.method === 'POST' && interaction[2]) {
    const user = new URLSearchParams(await readBody(req)).get('user');
    if (!accounts[user]) {
      res.writeHead(400).end('unknown user');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
    return;
  }
  const account = url.pathname.match(/^\/test\/accounts\/(\w+)$/);
  if (account && req.method === 'POST') {
    accounts[account[1]] = { ...(accounts[account[1]] || {}), ...JSON.parse(await readBody(req)) };
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/test/forge' && req.method === 'POST') {
    forge = (await readBody(req)).trim();
    res.writeHead(204).end();
    return;
  }
  handler(req, res);
}

http.createServer((req, res) => {
  route(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) res.writeHead(500);
    res.end(String(e));
  });
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
