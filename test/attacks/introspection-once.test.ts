/**
 * Claim (docs/service.md "Introspection"): a token consumed through `POST /mfa/introspect` is
 * used up everywhere — a one-time Node guard refuses it and so does every later introspection,
 * on every instance — and a token a one-time guard accepted is inactive for introspection. Also:
 * of many concurrent consumes spread over two instances exactly one wins.
 * Real processes sharing one Redis; without the shared `useTokenOnce` this fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { call, codeAt, currentStep, startInstance, type Instance } from '../helpers/instance-server.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';

const ADMIN = randomBytes(24).toString('hex');
let url: string;
let prefix: string;
let A: Instance;
let B: Instance;

before(async () => {
  url = await redisUrl();
  prefix = uniquePrefix('introspect');
  const env = { REDIS_URL: url, MFA_PREFIX: prefix, MFA_KEY_HEX: randomBytes(32).toString('hex'), MFA_ADMIN_TOKEN: ADMIN };
  [A, B] = await Promise.all([startInstance(env), startInstance(env)]);
});
after(async () => {
  await Promise.all([A?.kill(), B?.kill()]);
  if (url) await dropPrefix(url, prefix);
});

async function introspect(on: Instance, token: string, consume: boolean) {
  const res = await fetch(`${on.url}/mfa/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ token, ...(consume && { consume: true }) }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { active: boolean; sub?: string };
}

test('consume via introspection and one-time guards share one use, across instances', async () => {
  const sub = `ivy-${randomBytes(4).toString('hex')}`;
  const e = await call(A.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
  const step = currentStep();
  const confirmed = await call(B.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, step) } });
  assert.equal(confirmed.status, 200);
  const codes: string[] = confirmed.body.recoveryCodes;

  /** A fresh token for payments/transfer, from a recovery code (TOTP steps are spent one per 30 s). */
  const token = async (code: string) => {
    const ch = await call(A.url, 'POST', '/mfa/challenges', { user: sub, body: { resource: 'payments', action: 'transfer', factorType: 'recovery' } });
    const v = await call(B.url, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, { user: sub, body: { answers: [{ guid: ch.body.challenges[0].guid, value: code }] } });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return v.body.token as string;
  };

  // 1. Consumed by introspection on B → A's one-time guard and every later introspection refuse it.
  const t1 = await token(codes[0]!);
  assert.equal((await introspect(A, t1, false)).active, true, 'peeking does not use it');
  assert.equal((await introspect(B, t1, true)).active, true);
  assert.equal((await call(A.url, 'POST', '/api/transfer-once', { user: sub, headers: { 'step-up-token': t1 } })).status, 401);
  assert.deepEqual(await introspect(A, t1, false), { active: false });
  assert.deepEqual(await introspect(B, t1, true), { active: false });
  // The reusable route does not consume: it still accepts the (valid, unexpired) token.
  assert.equal((await call(A.url, 'POST', '/api/transfer-reusable', { user: sub, headers: { 'step-up-token': t1 } })).status, 200);

  // 2. Used by B's one-time guard → introspection on A says inactive, and cannot consume it.
  const t2 = await token(codes[1]!);
  assert.equal((await call(B.url, 'POST', '/api/transfer-once', { user: sub, headers: { 'step-up-token': t2 } })).status, 200);
  assert.deepEqual(await introspect(A, t2, false), { active: false });
  assert.deepEqual(await introspect(A, t2, true), { active: false });

  // 3. 40 concurrent consumes over both instances: exactly one active answer.
  const t3 = await token(codes[2]!);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => introspect(i % 2 ? A : B, t3, true)));
  assert.equal(answers.filter((a) => a.active).length, 1);
  assert.equal((await call(B.url, 'POST', '/api/transfer-once', { user: sub, headers: { 'step-up-token': t3 } })).status, 401);
});
