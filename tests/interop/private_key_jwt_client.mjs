// panva's openid-client as a private_key_jwt client of ccproject's embedded issuer.
//
// Usage: node private_key_jwt_client.mjs --issuer URL --client-id ID --api-url URL [--scope S]
// The client's private key (a JWK with kid and alg) comes on stdin, never in argv (argv is
// visible to every local user). openid-client discovers the issuer, signs its own client
// assertion (RFC 7523: its claims, its jti, its audience choice), asks for a token with the client
// credentials grant, then calls the API with it. It prints one JSON line:
// {"token_type", "scope", "status", "body"} (never the token), or {"refused", "status", "error"}.
import { parseArgs } from 'node:util';
import { text } from 'node:stream/consumers';

import * as client from 'openid-client';
import * as jose from 'jose';

const { values: args } = parseArgs({
  options: {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'api-url': { type: 'string' },
    scope: { type: 'string', default: 'hello:read' },
  },
});

const jwk = JSON.parse(await text(process.stdin));
const key = await jose.importJWK(jwk, jwk.alg);
const config = await client.discovery(
  new URL(args.issuer),
  args['client-id'],
  {},
  client.PrivateKeyJwt({ key, kid: jwk.kid }),
  // Loopback http in the test; a real deployment is https and needs no such option.
  { execute: [client.allowInsecureRequests] },
);
let tokens;
try {
  tokens = await client.clientCredentialsGrant(config, { scope: args.scope });
} catch (err) {
  // A refusal: what the token endpoint answered (status and RFC 6749 §5.2 error), as one JSON line.
  const body = err.response ? await err.response.json().catch(() => null) : null;
  process.stdout.write(`${JSON.stringify({ refused: true, status: err.status, error: body?.error ?? err.error })}\n`);
  process.exit(0);
}
const response = await fetch(args['api-url'], {
  headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
});
process.stdout.write(
  `${JSON.stringify({
    token_type: tokens.token_type,
    scope: tokens.scope,
    status: response.status,
    body: await response.json(),
  })}\n`,
);
