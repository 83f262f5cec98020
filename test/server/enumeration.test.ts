// What someone probing factor ids sees: an unknown id, a pending one and someone else's all
// behave exactly like a real factor answered with a wrong code — same status, same body, same
// countdown to the same lock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeServer } from './harness.js';

const PAY = { resource: 'payments', action: 'transfer' };

/** Status and body of answering a challenge started with `factorId` using `value`. */
async function probe(h: ReturnType<typeof makeServer>, user: string, factorId: string | undefined, value: string) {
  const start = await h.post('/mfa/challenges', { ...PAY, ...(factorId && { factorId }) }, user);
  const started = await start.json();
  const res = await h.resume(user, started.challengeId, started.challenges[0].guid, value);
  return {
    start: { status: start.status, factor: started.factor.type, label: started.factor.label, step: { ...started.challenges[0], guid: undefined } },
    answer: { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') },
  };
}

describe('enumeration', () => {
  it('unknown, pending and someone else\'s factor ids answer exactly like a wrong code', async () => {
    /** A fresh server where alice and bob each have a factor; `pick` chooses the id alice sends. */
    async function scenario(pick: 'own' | 'unknown' | 'bobs' | 'pending') {
      const h = makeServer();
      const a = await h.enrollTotp('alice');
      const b = await h.enrollTotp('bob');
      let id = { own: a.factorId, unknown: 'no-such-factor', bobs: b.factorId, pending: '' }[pick];
      if (pick === 'pending') {
        const token = (await h.stepUp('alice', a.secret, 'mfa', 'manage')).token;
        id = (await (await h.post('/mfa/factors', { type: 'totp' }, 'alice', { 'step-up-token': token })).json()).factorId;
      }
      return probe(h, 'alice', id, h.wrongCode(a.secret));
    }
    const real = await scenario('own');
    assert.equal(real.answer.status, 403);
    assert.equal(real.answer.body.error.attemptsLeft, 9);
    for (const pick of ['unknown', 'bobs', 'pending'] as const) {
      const probed = await scenario(pick);
      assert.deepEqual(probed.answer, real.answer, `answer for ${pick}`);
      assert.deepEqual(probed.start, real.start, `challenge for ${pick}`);
    }
  });

  it('a decoy counts down and locks like a real factor, and never accepts any code', async () => {
    const h = makeServer();
    const a = await h.enrollTotp('alice');
    const bodies: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await probe(h, 'alice', 'ghost', h.code(a.secret, 1)); // even Alice's real next code
      bodies.push([r.answer.status, r.answer.body.error.code, r.answer.body.error.attemptsLeft]);
    }
    assert.deepEqual(bodies.slice(0, 3), [[403, 'invalid_code', 9], [403, 'invalid_code', 8], [403, 'invalid_code', 7]]);
    assert.deepEqual(bodies[9], [423, 'locked', undefined]);
    // Alice's real factor is untouched by the decoy's lock.
    assert.equal((await h.answer('alice', PAY, h.code(a.secret, 1))).status, 200);
  });

  it('a malformed code is a 400 on a decoy too (never counted)', async () => {
    const h = makeServer();
    await h.enrollTotp('alice');
    const r = await probe(h, 'alice', 'ghost', '12ab56');
    assert.equal(r.answer.status, 400);
    assert.equal(r.answer.body.error.code, 'malformed_code');
  });
});
