/**
 * The token vectors (test/vectors/step-up-tokens.json) against the real Node guard: every vector
 * gets exactly its verdict from `requireStepUp`, so the file other languages test against can
 * never drift from what the reference server does. Also checks the file is what the generator
 * writes today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { decodeProtectedHeader, type JWK } from 'jose';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { SecretBox } from '../../src/server/crypto/secret-box.js';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { buildVectors, serialize, VECTORS_FILE, type Vector } from './generate.js';

const file = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as Awaited<ReturnType<typeof buildVectors>>;
const ENCRYPTION_KEY = Buffer.alloc(32, 9);

/** The kid a JWKS-based verifier would look up; unreadable headers get the first key's server. */
function kidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

/**
 * The reference server signing with the test key of `kid` (JWKS semantics: the key is chosen by
 * kid; a kid the JWKS lacks meets the first key, whose kid differs). A fresh server per vector,
 * so a one-time route's memory of one vector never decides another.
 */
async function guardFor(vector: Vector) {
  const kid = kidOf(vector.token);
  const priv = (file.testPrivateJwks.keys.find((k) => k.kid === kid) ?? file.testPrivateJwks.keys[0]!) as JWK & { kid: string };
  const pub = file.jwks.keys.find((k) => k.kid === priv.kid)!;
  const store = new MemoryStore();
  await store.getOrInsertSigningKey({
    kid: priv.kid,
    alg: 'EdDSA',
    publicJwk: JSON.stringify(pub),
    privateJwkEnc: new SecretBox(ENCRYPTION_KEY).seal(Buffer.from(JSON.stringify(priv)), `signing-key:${priv.kid}`),
    createdAt: (file.now - 3600) * 1000,
  });
  const mfa = createMfaServer({
    store,
    encryptionKey: ENCRYPTION_KEY,
    issuer: file.issuer,
    audience: file.audience,
    tokenLifetime: file.maxLifetime,
    now: () => file.now * 1000,
    authenticate: (req) => {
      const sub = req.headers.get('x-test-user');
      return sub ? { sub, sessionId: req.headers.get('x-test-session')! } : null;
    },
  });
  const app = new Hono();
  app.post('/guarded', mfa.requireStepUp(vector.route), (c) => c.json({ ok: true, sub: c.get('stepUp').sub }));
  return { app, close: () => mfa.close() };
}

describe('step-up token vectors', () => {
  test('the committed file is what the generator writes (regenerate with node --import tsx test/vectors/generate.ts)', async () => {
    assert.equal(readFileSync(VECTORS_FILE, 'utf8'), serialize(await buildVectors()));
  });

  test('the file covers both verdicts and every refusal reason of the checklist', () => {
    const reasons = new Set(file.vectors.map((v) => v.reason));
    for (const r of ['ok', 'malformed', 'alg', 'crit', 'typ', 'kid', 'signature', 'iss', 'aud', 'sub', 'expired', 'not_yet_valid', 'lifetime', 'auth_time', 'missing_claim', 'claim_type', 'resource', 'action', 'session', 'acr', 'max_age']) {
      assert.ok(reasons.has(r), `no vector for ${r}`);
    }
  });

  for (const vector of file.vectors as Vector[]) {
    test(`${vector.name}: ${vector.verdict} (${vector.reason}) by the Node guard`, async () => {
      const { app, close } = await guardFor(vector);
      try {
        const res = await app.request('/guarded', {
          method: 'POST',
          headers: { 'x-test-user': vector.session.sub, 'x-test-session': vector.session.sessionId, [STEP_UP_HEADER]: vector.token },
        });
        if (vector.verdict === 'accept') {
          assert.equal(res.status, 200, await res.clone().text());
          assert.deepEqual(await res.json(), { ok: true, sub: vector.session.sub });
          return;
        }
        assert.equal(res.status, 401);
        const { resource, action, maxAge, acrValues } = vector.route;
        assert.equal(res.headers.get('www-authenticate'), `Bearer error="insufficient_user_authentication", acr_values="${acrValues.join(' ')}", max_age=${maxAge}`);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.deepEqual(await res.json(), {
          error: { code: 'insufficient_user_authentication', message: `A fresh second-factor check is needed for ${resource}/${action}.` },
          resource,
          action,
          acr_values: acrValues.join(' '),
          max_age: maxAge,
        });
      } finally {
        await close();
      }
    });
  }

  test('the recorded 401 is exactly what the guard sends for a missing token', async () => {
    const { app, close } = await guardFor(file.vectors[0] as Vector);
    try {
      const res = await app.request('/guarded', { method: 'POST', headers: { 'x-test-user': 'alice', 'x-test-session': 'app-session-1' } });
      assert.equal(res.status, file.stepUpResponse.status);
      for (const [name, value] of Object.entries(file.stepUpResponse.headers)) assert.equal(res.headers.get(name), value, name);
      assert.deepEqual(await res.json(), file.stepUpResponse.body);
    } finally {
      await close();
    }
  });
});
