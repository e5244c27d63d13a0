// An independent verifier of JWT access tokens, on panva's `jose`: the check a third-party
// resource server would make of tokens from our embedded issuer.
//
// Usage: node verify.mjs --issuer ISSUER --audience AUD < tokens
// Reads one token per line on stdin and writes one JSON line per token on stdout:
//   {"ok": true, "header": {...}, "payload": {...}}  or  {"ok": false, "code": "ERR_...", "message": "..."}
// Keys come the standard way: discovery (RFC 8414 §3, then OpenID Connect Discovery 1.0 §4), the
// metadata's `issuer` checked against ISSUER, then createRemoteJWKSet on its `jwks_uri`.
// jwtVerify checks the signature, `iss`, `aud`, `exp`/`nbf`, RS256 only, and `typ: at+jwt`
// (RFC 9068 §4: the resource server must reject other `typ` values).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import * as jose from 'jose';

const { values: args } = parseArgs({
  options: {
    issuer: { type: 'string' },
    audience: { type: 'string' },
  },
});
if (!args.issuer || !args.audience) {
  console.error('usage: node verify.mjs --issuer ISSUER --audience AUD < tokens');
  process.exit(2);
}

async function discover(issuer) {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
    new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`),
  ];
  for (const candidate of candidates) {
    const response = await fetch(candidate, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!response.ok) continue;
    const metadata = await response.json();
    if (metadata.issuer !== issuer) throw new Error(`${candidate} names issuer ${metadata.issuer}`);
    return metadata;
  }
  throw new Error(`no authorization server metadata for ${issuer}`);
}

const metadata = await discover(args.issuer);
const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: 5000 });

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const token = line.trim();
  if (!token) continue;
  let result;
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: args.issuer,
      audience: args.audience,
      algorithms: ['RS256'],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
    });
    result = { ok: true, header: protectedHeader, payload };
  } catch (err) {
    result = { ok: false, code: err.code || err.name, message: err.message };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
