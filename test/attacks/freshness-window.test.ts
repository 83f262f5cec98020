/**
 * Freshness that hands out tokens the guard refuses (security review, issue finding 7).
 * Before the fix, 5–15 minutes after a step-up, `openAuthIdpModal` resolved `success:true`
 * without a prompt (fresh), and the guarded request then got 401: the guard's default `max_age`
 * is 300 s, freshness lasted 900 s. The README's own flow did this.
 *
 * The rule: a silent VERIFIED answer is always followed by a guarded request that succeeds, at
 * every moment of the window (frozen clock, second by second around the boundary), and the
 * request just after the window is asked for a code instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeServer, STEP_MS } from '../server/harness.js';

const A = 'alice';
const PAY = { resource: 'payments', action: 'transfer' };

async function afterStepUp() {
  // The default freshness policy (15 minutes); challenge limits out of the way of the sweep.
  const many = { limit: 100_000, windowMs: 600_000 };
  const h = makeServer({ freshness: {}, rateLimits: { challengesPerUser: many, challengesPerIp: many } });
  const { secret } = await h.enrollTotp(A);
  await h.stepUp(A, secret, PAY.resource, PAY.action);
  return { h, stepUpAt: h.now() };
}

/** What the client does: ask (maybe silently answered), then call the guarded route with the token. */
async function silentThenGuarded(h: ReturnType<typeof makeServer>, body: Record<string, unknown>, route: string) {
  const start = await h.post('/mfa/challenges', body, A);
  if (start.status !== 200) return { silent: false, guarded: 0, token: '' };
  const { token } = await start.json();
  return { silent: true, guarded: (await h.post(route, {}, A, { 'step-up-token': token })).status, token: token as string };
}

describe('attack: a fresh VERIFIED that the guard then refuses', () => {
  for (const [name, body, route, maxAge] of [
    ['a route with the default max_age, the client naming none (openAuthIdpModal)', PAY, '/api/transfer', 300],
    ['a route with max_age=60, the client passing it (mfaFetch)', { ...PAY, maxAge: 60 }, '/api/recent-transfer', 60],
  ] as const) {
    it(`${name}: every silent answer in the window opens the route; after it, a code is asked`, async () => {
      const { h, stepUpAt } = await afterStepUp();
      let lastSilent = -1;
      let spare = '';
      for (let s = 0; s <= 16 * 60; s += s < maxAge - 40 || s > maxAge + 5 ? 10 : 1) {
        h.setClock(stepUpAt + s * 1000);
        const r = await silentThenGuarded(h, body, route);
        if (!r.silent) continue;
        assert.equal(r.guarded, 200, `silent VERIFIED at +${s}s, then the guarded request got ${r.guarded}`);
        lastSilent = s;
        // A second silent token of the same moment, kept for the margin check below (tokens are
        // one-time: the one above was used).
        const again = await h.post('/mfa/challenges', body, A);
        assert.equal(again.status, 200, `a second silent answer at +${s}s`);
        spare = (await again.json()).token;
      }
      assert.ok(lastSilent >= 0, 'freshness does answer silently right after a step-up');
      assert.ok(lastSilent < maxAge, `the last silent answer (+${lastSilent}s) is inside the route's max_age`);
      // Even the last silent token leaves a margin for the round trip to the guarded route.
      h.setClock(stepUpAt + (lastSilent + Math.min(30, Math.floor(maxAge / 4))) * 1000);
      assert.equal((await h.post(route, {}, A, { 'step-up-token': spare })).status, 200);
    });
  }

  it('a longer route max_age from the client never stretches freshness past the server policy', async () => {
    const { h, stepUpAt } = await afterStepUp();
    h.setClock(stepUpAt + 15 * 60_000 + STEP_MS);
    assert.equal((await h.post('/mfa/challenges', { ...PAY, maxAge: 3600 }, A)).status, 201);
  });
});
