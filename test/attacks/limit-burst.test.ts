/**
 * Attack: start more step-up challenges than the per-user limit allows by firing them at once
 * through two instances that share one store, so that two requests read the same count and both
 * pass. On SQLite the limit's counter (an INSERT … RETURNING) runs inside the write group that
 * commits on the next turn of the event loop (docs/performance.md "Statements and WAL frames"):
 * the group's BEGIN IMMEDIATE must still make every hit, from either process, see the one before.
 *
 * What the attacker observes: of 60 challenge starts for one user, split between the two
 * processes, exactly the limit's 10 are answered 201 and every other one 429 `rate_limited` with
 * a Retry-After.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, codeAt, currentStep, startInstance, type Instance } from '../helpers/instance-server.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';

const LIMIT = 10;
const BURST = 60;
const keyHex = randomBytes(32).toString('hex');

function limitSuite(name: string, make: () => Promise<{ pair: [Instance, Instance]; cleanup(): Promise<unknown> }>) {
  describe(`challenge limit under a burst: ${name}`, () => {
    let s: Awaited<ReturnType<typeof make>>;
    before(async () => {
      s = await make();
    });
    after(async () => {
      await s?.cleanup();
    });

    it(`${BURST} challenge starts at once over two instances: exactly ${LIMIT} started, the rest 429 with Retry-After`, async () => {
      const sub = `limit-${randomBytes(4).toString('hex')}`;
      const [a, b] = s.pair;
      const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
      assert.equal(e.status, 201);
      const c = await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, currentStep()) } });
      assert.equal(c.status, 200);

      const answers = await Promise.all(Array.from({ length: BURST }, (_, i) =>
        call((i % 2 ? a : b).url, 'POST', '/mfa/challenges', { user: sub, body: { resource: 'payments', action: 'transfer' }, timeoutMs: 30_000 })));
      const statuses = answers.map((x) => x.status);
      assert.equal(statuses.filter((x) => x === 201).length, LIMIT, `started: ${statuses.join(' ')}`);
      assert.equal(statuses.filter((x) => x === 429).length, BURST - LIMIT);
      for (const refused of answers.filter((x) => x.status === 429)) {
        assert.equal(refused.body.error.code, 'rate_limited');
        assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'a refusal says when to retry');
      }
    });
  });
}

limitSuite('two processes over one SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-attack-limit-'));
  const env = { MFA_STORE_KIND: 'sqlite', DATA_DIR: dir, MFA_KEY_HEX: keyHex, MFA_CHALLENGES_PER_USER: String(LIMIT) };
  // One after the other: the first creates the schema, the second opens it.
  const first = await startInstance(env);
  const pair: [Instance, Instance] = [first, await startInstance(env)];
  return { pair, cleanup: async () => { await Promise.all(pair.map((i) => i.kill())); rmSync(dir, { recursive: true, force: true }); } };
});

limitSuite('two instances over one Redis', async () => {
  const url = await redisUrl();
  const prefix = uniquePrefix('attack-limit');
  const env = { MFA_STORE_KIND: 'redis', REDIS_URL: url, MFA_PREFIX: prefix, MFA_KEY_HEX: keyHex, MFA_CHALLENGES_PER_USER: String(LIMIT) };
  const pair = await Promise.all([startInstance(env), startInstance(env)]) as [Instance, Instance];
  return { pair, cleanup: async () => { await Promise.all(pair.map((i) => i.kill())); await dropPrefix(url, prefix); } };
});
