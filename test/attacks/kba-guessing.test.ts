/**
 * Attacks on knowledge questions (security review findings 1 and 5).
 *  - Renaming the client-chosen action reset the lockout: 30 guesses at one question against a
 *    limit of 10 found the answer. Failures are now counted per user and question flow.
 *  - A plugin whose check awaits (a database or HTTP lookup) let 60 of 60 concurrent wrong answers
 *    through on SQLite. Here 60 answers arrive at once over real HTTP at a server on SQLite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Outbox } from '../../src/server/delivery/senders.js';
import { sameAnswer, type KbaPlugin, type KbaQuestion } from '../../src/server/factors/kba.js';
import { SqliteStore } from '../../src/server/stores/sqlite-store.js';
import { expectError, makeServer, ORIGIN } from '../server/harness.js';

const A = 'alice';
const firstPet: KbaQuestion = { type: 'text', label: 'What was the name of your first pet?', check: (v) => sameAnswer(v, 'Rex') };
/** The demo bank's plugin shape: the same questions for any `bank/*` action. */
const bank: KbaPlugin = { questions: (_sub, scope) => (scope.resource === 'bank' ? [firstPet] : null) };

describe('attack: KBA guesses', () => {
  it('renaming the action buys no new guesses: 10 failures over connect, connect1, connect2… lock the question', async () => {
    // Challenge rate limits off: the lockout alone must hold.
    const h = makeServer({ kba: bank, email: new Outbox(), rateLimits: { challengesPerUser: false, challengesPerIp: false } });
    const statuses: number[] = [];
    const guesses = Array.from({ length: 29 }, (_, i) => `Fido ${i}`).concat('Rex');
    for (const [i, guess] of guesses.entries()) {
      const start = await h.post('/mfa/challenges', { resource: 'bank', action: `connect${Math.floor(i / 9) || ''}`, factorType: 'kba' }, A);
      if (start.status !== 201) {
        statuses.push(start.status);
        continue;
      }
      const ch = await start.json();
      statuses.push((await h.resume(A, ch.challengeId, ch.challenges[0].guid, guess)).status);
    }
    assert.equal(statuses.filter((s) => s === 403).length, 9, 'nine wrong answers, then the lock');
    assert.equal(statuses.filter((s) => s === 200).length, 0, 'the 30th guess (the right one) never got checked');
    assert.equal(statuses.at(-1), 423);
    await expectError(await h.post('/mfa/challenges', { resource: 'bank', action: 'anything-else', factorType: 'kba' }, A), 423, 'locked');
  });

  it('a plugin may name its own flows; each still locks at 10', async () => {
    const h = makeServer({ kba: { ...bank, flowId: () => 'bank-connect' }, email: new Outbox() });
    for (let i = 0; i < 10; i++) {
      const ch = await (await h.post('/mfa/challenges', { resource: 'bank', action: `x${i}`, factorType: 'kba' }, A)).json();
      await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'wrong');
    }
    await expectError(await h.post('/mfa/challenges', { resource: 'bank', action: 'x99', factorType: 'kba' }, A), 423, 'locked');
  });

  describe('60 answers at once to a check that awaits, over real HTTP, on SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-attack-kba-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('exactly 10 are checked, the flow locks, the right answer afterwards is refused unchecked', async () => {
      let checked = 0;
      const slowPet: KbaQuestion = {
        ...firstPet,
        // A lookup elsewhere: every answer waits, so all 60 are in flight together.
        check: async (v) => {
          checked++;
          await new Promise((r) => setTimeout(r, 50));
          return sameAnswer(v, 'Rex');
        },
      };
      const store = new SqliteStore({ path: join(dir, 'mfa.db') });
      const h = makeServer({ store, kba: { questions: () => [slowPet] }, email: new Outbox(), now: Date.now, origins: [ORIGIN] });
      const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((r) => server.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      try {
        const post = (path: string, body: unknown) => fetch(base + path, {
          method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json', 'x-test-user': A }, body: JSON.stringify(body),
        });
        const started = await post('/mfa/challenges', { resource: 'bank', action: 'connect', factorType: 'kba' });
        const ch = await started.json();
        assert.equal(started.status, 201, JSON.stringify(ch));
        const answers = await Promise.all(Array.from({ length: 60 }, (_, i) =>
          post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: `Fido ${i}` }] })));
        const statuses = answers.map((r) => r.status);
        assert.equal(checked, 10, 'exactly the allowed 10 answers were checked');
        assert.equal(statuses.filter((s) => s === 403).length, 9);
        assert.equal(statuses.filter((s) => s === 423).length, 51);
        assert.equal((await store.listAuditEvents(A, 1000)).filter((e) => e.type === 'verify.failure').length, 10);
        // The right answer now: refused, unchecked.
        const right = await post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: 'Rex' }] });
        assert.equal(right.status, 423);
        assert.equal(checked, 10);
      } finally {
        server.close();
        await h.mfa.close();
      }
    });
  });
});
