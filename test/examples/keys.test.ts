/**
 * Key handling of the example backends (docs/verify-anywhere.md "Keys"), each against a JWKS
 * server this test controls and counts: a flood of made-up `kid`s costs at most one refetch per
 * interval; a key published later is picked up on its first token; a JWKS outage keeps the cached
 * keys working; with no keys at all the backend fails closed with 503, never a success.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { sessionClaim } from '../../src/server/session.js';
import { signStepUpToken } from '../../src/server/tokens/step-up-token.js';
import type { SigningKeys } from '../../src/server/tokens/signing-keys.js';
import { build, LANGUAGES, startBackend, VECTORS, type Language, type RunningBackend } from './backends.js';
import { SESSION_SECRET, sessionCookie } from './live-service.js';

const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
  issuer: string;
  audience: string;
  jwks: { keys: (JWK & { kid: string })[] };
  testPrivateJwks: { keys: (JWK & { kid: string })[] };
};
const publicOf = (kid: string) => file.jwks.keys.find((k) => k.kid === kid)!;

async function signingKeys(kid: string, as = kid): Promise<SigningKeys> {
  const priv = file.testPrivateJwks.keys.find((k) => k.kid === kid)!;
  const published = { kid: as, publicKey: (await importJWK(publicOf(kid), 'EdDSA')) as CryptoKey, publicJwk: publicOf(kid) };
  return { ...published, privateKey: (await importJWK(priv, 'EdDSA')) as CryptoKey, ring: [published] };
}

/** A token for alice's payments/transfer step-up, issued now (the backends use the wall clock). */
async function token(keys: SigningKeys): Promise<string> {
  const now = Date.now();
  const { token: t } = await signStepUpToken(keys, { issuer: file.issuer, audience: file.audience, lifetime: 300 }, {
    sub: 'alice', sid: `jti-${now}-${Math.random()}`, ssn: sessionClaim({ sub: 'alice', sessionId: 'keys-session' }),
    resource: 'payments', action: 'transfer', acr: 'mfa', amr: ['otp'], authTime: Math.floor(now / 1000), now,
  });
  return t;
}

/** A JWKS endpoint whose keys and health the test sets, counting every fetch. */
async function jwksServer() {
  const state = { keys: [publicOf('test-key-1')] as JWK[], down: false, fetches: 0 };
  const server: Server = createServer((req, res) => {
    state.fetches++;
    if (state.down) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return { state, url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('example backends: keys', () => {
  const started: { backend: RunningBackend; jwks: Awaited<ReturnType<typeof jwksServer>> }[] = [];
  const instances = new Map<string, (typeof started)[number]>();
  let cookie: string;

  before(async () => {
    cookie = await sessionCookie('alice', 'keys-session');
    const built = new Map(await Promise.all(LANGUAGES.map(async (lang) => [lang, await build(lang)] as const)));
    await Promise.all(
      LANGUAGES.flatMap((lang) =>
        (['30', '0'] as const).map(async (interval) => {
          const b = built.get(lang)!;
          const jwks = await jwksServer();
          // The "0" instance starts with the JWKS down: its first request must fail closed.
          if (interval === '0') jwks.state.down = true;
          const backend = await startBackend(lang, b, {
            APP_SESSION_SECRET: SESSION_SECRET,
            MFA_ISSUER: file.issuer,
            MFA_AUDIENCE: file.audience,
            MFA_JWKS_URL: jwks.url,
            MFA_JWKS_REFETCH_INTERVAL: interval,
          });
          const entry = { backend, jwks };
          started.push(entry);
          instances.set(`${lang}:${interval}`, entry);
        }),
      ),
    );
  });

  after(async () => {
    await Promise.all(started.flatMap(({ backend, jwks }) => [backend.stop(), jwks.close()]));
  });

  const transfer = (b: RunningBackend, t: string) => fetch(`${b.url}/transfer`, { method: 'POST', headers: { cookie, 'step-up-token': t } });

  for (const lang of LANGUAGES as Language[]) {
    test(`${lang}: 40 tokens with made-up kids cost at most one JWKS refetch per interval`, async () => {
      const { backend, jwks } = instances.get(`${lang}:30`)!;
      assert.equal((await transfer(backend, await token(await signingKeys('test-key-1')))).status, 200, backend.output());
      assert.equal(jwks.state.fetches, 1);
      // Not opted in to `Authorization: Bearer`: a good token there is no token at all.
      const bearer = await fetch(`${backend.url}/transfer`, { method: 'POST', headers: { cookie, authorization: `Bearer ${await token(await signingKeys('test-key-1'))}` } });
      assert.equal(bearer.status, 401);
      const forged = await Promise.all(Array.from({ length: 40 }, async (_, i) => token(await signingKeys('test-key-2', `made-up-${i}`))));
      for (const t of forged) assert.equal((await transfer(backend, t)).status, 401);
      // One refetch for the first unknown kid would already be allowed after 30 s; never 40.
      assert.ok(jwks.state.fetches <= 2, `${jwks.state.fetches} JWKS fetches`);
    });

    test(`${lang}: fails closed without keys, picks up a new key on its first token, survives a JWKS outage`, async () => {
      const { backend, jwks } = instances.get(`${lang}:0`)!;
      const k1 = await token(await signingKeys('test-key-1'));
      const down = await transfer(backend, k1);
      assert.equal(down.status, 503);
      assert.deepEqual(await down.json(), { error: { code: 'unavailable', message: 'The service is unavailable right now. Try again.' } });

      jwks.state.down = false;
      assert.equal((await transfer(backend, k1)).status, 200);
      // Rotation: the service publishes its next key; the first token signed with it triggers a refetch.
      const k2 = await token(await signingKeys('test-key-2'));
      jwks.state.keys = [publicOf('test-key-1'), publicOf('test-key-2')];
      assert.equal((await transfer(backend, k2)).status, 200);

      // The JWKS goes down: known keys keep working, an unknown kid is refused (not a 503, not a 200).
      jwks.state.down = true;
      const before = jwks.state.fetches;
      assert.equal((await transfer(backend, await token(await signingKeys('test-key-1')))).status, 200);
      assert.equal((await transfer(backend, await token(await signingKeys('test-key-1', 'unknown-kid')))).status, 401);
      assert.ok(jwks.state.fetches > before, 'the unknown kid was looked up');
    });
  }
});
