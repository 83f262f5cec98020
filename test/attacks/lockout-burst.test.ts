/**
 * Attack: guess past the lockout with concurrency (security review finding 1).
 *
 * Before the fix, "locked?" was read, the code verified and the failure written in separate
 * steps: 200 wrong TOTP answers fired at once on one challenge got 107–157 checked instead of 10,
 * a right code inside the burst was accepted after the lock, and that success wiped the lock.
 *
 * Here, real server processes (two instances over one Redis; over one Postgres; two processes over
 * one SQLite file)
 * get 200 wrong answers at once over real HTTP, split between them. What the attacker observes:
 * at most 10 answers were checked (10 `verify.failure` events), the factor is locked, the right
 * code sent once the burst crossed the limit answers 423, and the lock is still there afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from '../../src/server/stores/redis-store.js';
import { SqliteStore } from '../../src/server/stores/sqlite-store.js';
import { PostgresStore } from '../../src/server/stores/postgres-store.js';
import type { MfaStore } from '../../src/server/stores/store.js';
import { call, codeAt, currentStep, startInstance, wrongCode, type Answer, type Instance } from '../helpers/instance-server.js';
import { createDatabase } from '../helpers/postgres-server.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';

const BURST = 200;
const SCOPE = { resource: 'payments', action: 'transfer' };
const show = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;

interface Setup {
  pair: [Instance, Instance];
  /** A store on the same data, to read what the server recorded (audit, failure state). */
  reader: MfaStore;
  cleanup(): Promise<void>;
}

/** The pair and its reader, stopped and closed before `removeData` runs. */
const setup = (pair: [Instance, Instance], reader: MfaStore, removeData: () => unknown): Setup => ({
  pair,
  reader,
  async cleanup() {
    await Promise.all(pair.map((i) => i.kill()));
    await reader.close();
    await removeData();
  },
});

async function enroll([a, b]: [Instance, Instance], sub: string) {
  const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
  assert.equal(e.status, 201, show(e));
  const step = currentStep();
  const c = await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, step) } });
  assert.equal(c.status, 200, show(c));
  return { factorId: e.body.factorId as string, secret: e.body.secret as string, step };
}

async function challenge(on: Instance, sub: string) {
  const r = await call(on.url, 'POST', '/mfa/challenges', { user: sub, body: SCOPE });
  assert.equal(r.status, 201, show(r));
  return { id: r.body.challengeId as string, guid: r.body.challenges[0].guid as string };
}

const resume = (on: Instance, sub: string, ch: { id: string; guid: string }, value: string) =>
  call(on.url, 'POST', `/mfa/challenges/${ch.id}/resume`, { user: sub, body: { answers: [{ guid: ch.guid, value }] }, timeoutMs: 30_000 });

function burstSuite(name: string, make: () => Promise<Setup>) {
  describe(`lockout under a burst: ${name}`, () => {
    let s: Setup;
    before(async () => {
      s = await make();
    });
    after(async () => {
      await s?.cleanup();
    });

    it('200 wrong answers at once over two instances: at most 10 checked, a lock, the right code refused, the lock kept', async () => {
      const sub = `burst-${randomBytes(4).toString('hex')}`;
      const [a, b] = s.pair;
      const { factorId, secret, step } = await enroll(s.pair, sub);
      const ch = await challenge(a, sub);
      const wrong = wrongCode(secret);

      // The right code is sent as soon as the first refusal of the burst comes back: the limit has
      // been crossed by then, and most of the burst is still in flight.
      let right: Promise<Answer> | undefined;
      const answers = await Promise.all(Array.from({ length: BURST }, async (_, i) => {
        const answer = await resume(i % 2 === 0 ? a : b, sub, ch, wrong);
        if (answer.status === 423) right ??= resume(i % 2 === 0 ? b : a, sub, ch, codeAt(secret, step + 1));
        return answer;
      }));
      assert.ok(right, 'the burst crossed the limit');
      const rightAnswer = await right;

      const statuses = answers.map((x) => x.status);
      assert.deepEqual([...new Set(statuses)].sort(), [403, 423], `only invalid_code and locked, got ${[...new Set(statuses)]}`);
      assert.ok(statuses.filter((x) => x === 403).length <= 9, 'at most 9 answers say "wrong", the 10th locks');
      for (const locked of answers.filter((x) => x.status === 423)) {
        assert.equal(locked.body.error.code, 'locked');
        assert.ok(Number(locked.headers.get('retry-after')) >= 1, 'a locked answer says when to retry');
      }
      assert.equal(rightAnswer.status, 423, `right code inside the burst: ${show(rightAnswer)}`);

      const events = await s.reader.listAuditEvents(sub, 10_000);
      assert.equal(events.filter((e) => e.type === 'verify.failure').length, 10, 'exactly the allowed 10 answers were checked');
      assert.equal(events.filter((e) => e.type === 'factor.locked').length, 1, 'one lock, reported once');
      assert.equal(events.filter((e) => e.type === 'verify.success').length, 0);

      const state = await s.reader.getFailureState(sub, factorId);
      assert.ok(state.lockedUntil > Date.now(), 'the lock is still there');
      assert.equal(state.lockCount, 1, 'one lock, not one per racing request');
      // And the right code on a new attempt is still refused while it lasts.
      const again = await resume(b, sub, ch, codeAt(secret, step + 1));
      assert.equal(again.status, 423, show(again));
    });
  });
}

const keyHex = randomBytes(32).toString('hex');

burstSuite('two instances over one Redis', async () => {
  const url = await redisUrl();
  const prefix = uniquePrefix('attack-burst');
  const env = { MFA_STORE_KIND: 'redis', REDIS_URL: url, MFA_PREFIX: prefix, MFA_KEY_HEX: keyHex };
  const pair = await Promise.all([startInstance(env), startInstance(env)]) as [Instance, Instance];
  return setup(pair, await RedisStore.connect({ url, prefix }), () => dropPrefix(url, prefix));
});

burstSuite('two processes over one SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-attack-burst-'));
  const env = { MFA_STORE_KIND: 'sqlite', DATA_DIR: dir, MFA_KEY_HEX: keyHex };
  // One after the other: the first creates the schema, the second opens it.
  const first = await startInstance(env);
  const pair: [Instance, Instance] = [first, await startInstance(env)];
  return setup(pair, new SqliteStore({ path: join(dir, 'mfa.db') }), () => rmSync(dir, { recursive: true, force: true }));
});

burstSuite('two instances over one Postgres', async () => {
  const db = await createDatabase('attack_burst');
  const env = { MFA_STORE_KIND: 'postgres', MFA_STORE: db.url, MFA_KEY_HEX: keyHex };
  const pair = await Promise.all([startInstance(env), startInstance(env)]) as [Instance, Instance];
  return setup(pair, await PostgresStore.connect({ connectionString: db.url }), db.drop);
});
