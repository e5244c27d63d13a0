// panva's oidc-provider, configured as a client-credentials authorization server for the interop tests.
//
// Usage: node oidc_server.mjs [--port 0] [--audience api://default] [--resource api://default]
//                             [--client-id ID] [--scope "hello:read"] [--lifetime 3600]
// Secrets come from the environment, never argv (argv is visible to every local user):
//   INTEROP_CLIENT_SECRET  the pre-registered client's secret (required)
//   INTEROP_ADMIN_TOKEN    bearer token of the admin routes below (required)
//
// It binds 127.0.0.1 only. Port 0 lets the kernel choose, so there is no race for a "free" port;
// once listening it prints one JSON line {"ready": true, "issuer": ..., "port": ...} on stdout.
//
// What it serves (oidc-provider's own routes and layout, not Okta's):
//   /.well-known/openid-configuration   discovery (OpenID Connect Discovery 1.0)
//   /jwks                               the JWKS (RS256 keys; the first one signs)
//   /token                              client credentials (RFC 6749 §4.4; DPoP-bound with a
//                                       DPoP proof, RFC 9449) with resource
//                                       indicators (RFC 8707); JWT access tokens (RFC 9068,
//                                       `typ: at+jwt`, `client_id` and `scope` claims)
//   /reg, /reg/:id                      dynamic registration and its management (RFC 7591, 7592)
// Three resource servers: --resource (audience --audience, the one ccproject trusts),
// `urn:interop:other` (a JWT for another API's audience) and `urn:interop:opaque` (opaque tokens,
// as a server not configured for JWT access tokens would issue).
//
// Key rotation, done the way an oidc-provider deployment does it (a new `jwks` configuration,
// new key first): POST /__admin/rotate builds a new Provider over the same in-memory storage with
// a fresh key in front of the current ones, and swaps it in atomically. New tokens are signed by
// the new key; tokens signed by the old keys stay verifiable while the old keys are published.
// POST /__admin/retire drops every key but the signing one. Both answer the public JWKS.
import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    audience: { type: 'string', default: 'api://default' },
    resource: { type: 'string', default: 'api://default' },
    'client-id': { type: 'string', default: 'interop-client' },
    scope: { type: 'string', default: 'hello:read' },
    // Exit after this many seconds whatever happens: a test server must never outlive its run.
    lifetime: { type: 'string', default: '3600' },
  },
});

const clientSecret = process.env.INTEROP_CLIENT_SECRET;
const adminToken = process.env.INTEROP_ADMIN_TOKEN;
if (!clientSecret || !adminToken) {
  console.error('INTEROP_CLIENT_SECRET and INTEROP_ADMIN_TOKEN must be set');
  process.exit(2);
}

const OTHER_RESOURCE = 'urn:interop:other';
const OPAQUE_RESOURCE = 'urn:interop:opaque';
const scopes = args.scope.split(' ').filter(Boolean);

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  // RFC 7638 thumbprint as kid, as the embedded issuer does.
  return { ...jwk, kid: await jose.calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

function resourceServer(audience, format = 'jwt') {
  return {
    audience,
    scope: scopes.join(' '),
    accessTokenTTL: 300,
    accessTokenFormat: format,
    ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
  };
}

function configuration(keys) {
  return {
    jwks: { keys },
    clients: [
      {
        client_id: args['client-id'],
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: scopes.join(' '),
      },
    ],
    scopes,
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      // RFC 9449: a token request with a DPoP proof gets a token bound to its key (cnf.jkt).
      dPoP: { enabled: true },
      // RFC 7591 open registration (loopback only) and RFC 7592 management with a stable
      // registration access token, so a client can read and then delete itself.
      registration: { enabled: true, initialAccessToken: false },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
      resourceIndicators: {
        enabled: true,
        // A token request without `resource` gets ccproject's audience.
        defaultResource: () => args.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator === args.resource) return resourceServer(args.audience);
          if (indicator === OTHER_RESOURCE) return resourceServer(OTHER_RESOURCE);
          if (indicator === OPAQUE_RESOURCE) return resourceServer(OPAQUE_RESOURCE, 'opaque');
          throw new errors.InvalidTarget();
        },
      },
    },
    // Client credentials tokens only: no end-user accounts exist here.
    findAccount: () => undefined,
  };
}

const { errors } = Provider;
let keys = [await newSigningKey()];
let provider;
let handler;

function buildProvider(issuer) {
  const next = new Provider(issuer, configuration(keys));
  next.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err.message));
  provider = next;
  handler = next.callback();
}

function publicJwks() {
  return { keys: keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })) };
}

function isAdmin(req) {
  const given = Buffer.from(req.headers.authorization || '');
  const expected = Buffer.from(`Bearer ${adminToken}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function admin(req, res) {
  if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request', error_description: 'POST only' });
  if (!isAdmin(req)) return json(res, 401, { error: 'invalid_token', error_description: 'admin token required' });
  if (req.url === '/__admin/rotate') {
    keys = [await newSigningKey(), ...keys];
  } else if (req.url === '/__admin/retire') {
    keys = keys.slice(0, 1);
  } else {
    return json(res, 404, { error: 'not_found', error_description: 'unknown admin route' });
  }
  buildProvider(provider.issuer);
  return json(res, 200, publicJwks());
}

const server = createServer((req, res) => {
  if (req.url.startsWith('/__admin/')) {
    admin(req, res).catch((err) => json(res, 500, { error: 'server_error', error_description: err.message }));
    return;
  }
  handler(req, res);
});

server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  buildProvider(`http://127.0.0.1:${port}`);
  process.stdout.write(`${JSON.stringify({ ready: true, issuer: provider.issuer, port })}\n`);
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

// The test fixture stops us with SIGTERM. Should it die without doing so (SIGKILL, a crash),
// our stdin, a pipe from it, reaches its end and we stop as well; and the lifetime bounds the rest.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
setTimeout(shutdown, Number(args.lifetime) * 1000).unref();
