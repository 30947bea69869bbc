// A real OpenID Connect provider (the OpenID-certified `oidc-provider` package) for the tests.
//
// Started by tests/support/oidcprovider.py with a JSON configuration in OIDC_TEST_CONFIG:
//   { "port": 0, "client_id": "...", "client_secret": "...", "redirect_uris": [...],
//     "accounts": { "<subject>": { "email": "...", "email_verified": true, "tamper": null } } }
// It prints one line, `READY <issuer>`, once it listens.
//
// Sign-in page: GET /interaction/:uid shows a form with one field, "Account"; POST signs in
// as that account (subject) and grants the requested scopes, so no consent page follows.
//
// Bad cases the tests need, produced here and nowhere else: an account whose "tamper" is
// "nonce" gets, from the token endpoint, an ID token whose `nonce` is replaced by another
// value; "expired" gets one whose `iat`/`exp` lie two hours in the past. Both are re-signed
// with the provider's own signing key (the one it publishes at jwks_uri), so only the claim
// is wrong, not the signature.
import http from 'node:http';
import crypto from 'node:crypto';

import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const accounts = config.accounts;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(signingJwk, 'RS256');

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: account.email_verified, name: sub };
      },
    };
  },
});

// Tamper with the ID token of the accounts set up for it (see the header comment).
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body || !ctx.body.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const tamper = accounts[claims.sub] && accounts[claims.sub].tamper;
  if (!tamper) return;
  const changed = { ...claims };
  if (tamper === 'nonce') changed.nonce = 'not-the-nonce-the-client-sent';
  if (tamper === 'expired') {
    changed.iat = claims.iat - 2 * 3600 - 3600;
    changed.exp = claims.iat - 2 * 3600;
    if (changed.auth_time) changed.auth_time = changed.iat;
  }
  const header = decodeProtectedHeader(ctx.body.id_token);
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT(changed).setProtectedHeader(header).sign(signingKey),
  };
});

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Test provider sign-in</title></head>
<body><h1>Test provider</h1><form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="account">Account</label> <input id="account" name="account" autofocus>
<button type="submit">Continue to the app</button></form></body></html>`);
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const accountId = new URLSearchParams(Buffer.concat(chunks).toString()).get('account') || '';
  if (!accounts[accountId]) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`unknown test account ${accountId}`);
    return;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([^/?]+)$/.exec(req.url.split('?')[0]);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(req, res, match[1]).catch((error) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error && error.message));
  });
});

process.stdout.write(`READY ${issuer}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
