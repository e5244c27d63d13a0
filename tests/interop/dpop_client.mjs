// A DPoP client made of code nobody here wrote: panva's `dpop` package signs every proof.
//
// Usage: node dpop_client.mjs --token-endpoint URL --client-id ID --api URL [--scope S] [--alg ES256]
// The client secret comes on stdin (never argv, which every local user can read). It makes a key pair, asks the
// token endpoint for a DPoP-bound token (answering `use_dpop_nonce` once, RFC 9449 §8), then signs
// proofs for calls to --api that the Python test sends itself, and prints one JSON line:
//   {"status", "token_type", "access_token", "jkt", "proofs": {"get", "get_again", "wrong_htu", "post"}}
// It only prints: it never calls the API, so the test decides what is sent and when.
import { parseArgs } from 'node:util';

import * as DPoP from 'dpop';

const { values: args } = parseArgs({
  options: {
    'token-endpoint': { type: 'string' },
    'client-id': { type: 'string' },
    api: { type: 'string' },
    scope: { type: 'string', default: 'hello:read' },
    alg: { type: 'string', default: 'ES256' },
  },
});
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const secret = Buffer.concat(chunks).toString('utf8').trim();
if (!args['token-endpoint'] || !args['client-id'] || !args.api || !secret) {
  console.error('--token-endpoint, --client-id, --api and the secret on stdin are required');
  process.exit(2);
}
// A test helper must never hang its test: give up after 20 s whatever happens.
setTimeout(() => { console.error('dpop_client.mjs: timed out'); process.exit(3); }, 20_000).unref();

const keypair = await DPoP.generateKeyPair(args.alg);
const basic = Buffer.from(`${encodeURIComponent(args['client-id'])}:${encodeURIComponent(secret)}`).toString('base64');

async function tokenRequest(nonce) {
  const proof = await DPoP.generateProof(keypair, args['token-endpoint'], 'POST', nonce);
  return fetch(args['token-endpoint'], {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: args.scope }),
  });
}

let response = await tokenRequest();
if (response.status === 400 && response.headers.get('dpop-nonce')) {
  response = await tokenRequest(response.headers.get('dpop-nonce'));
}
const body = await response.json();
const token = body.access_token;
const result = { status: response.status, token_type: body.token_type, error: body.error, access_token: token };
if (token) {
  result.jkt = await DPoP.calculateThumbprint(keypair.publicKey);
  const other = new URL('other/', args.api).href;
  result.proofs = {
    get: await DPoP.generateProof(keypair, args.api, 'GET', undefined, token),
    get_again: await DPoP.generateProof(keypair, args.api, 'GET', undefined, token),
    wrong_htu: await DPoP.generateProof(keypair, other, 'GET', undefined, token),
    post: await DPoP.generateProof(keypair, args.api, 'POST', undefined, token),
  };
}
console.log(JSON.stringify(result));
