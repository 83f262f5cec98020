/**
 * Attack: learn something about a user from a guarded route's 401. The step-up challenge names
 * the factor type the user's step-up will most likely start with (`likely_factor`, so the prompt
 * can show its code input before the challenge answers: docs/security.md). It is computed only
 * after the session check, only for the signed-in user: a caller without a session gets the bare
 * `unauthenticated` 401, and no user's answer names another user's factor.
 *
 * The prompt shows its code input before the challenge answers only on this hint's word, so the
 * hint must also be true: it is given only when a challenge will ask, and names only a factor that
 * challenge may ask for. Otherwise a still-fresh step-up would flash a code dialog that closes by
 * itself, and a passkey-only route would show an app-code input it will never accept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { MemoryStore } from '../../src/server/index.js';
import { expectError, makeServer, outageStore } from '../server/harness.js';

describe('attack: the 401 step-up hint', () => {
  it('a caller without a session gets no step-up details at all, even for a user with factors', async () => {
    const h = makeServer();
    await h.enrollTotp('alice');
    const body = await expectError(await h.post('/api/transfer', {}), 401, 'unauthenticated');
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(JSON.stringify(body).includes('totp'), false);
  });

  it("names the signed-in user's own first factor type, and nothing for a user without one", async () => {
    const h = makeServer();
    await h.enrollTotp('alice');
    const alice = await expectError(await h.post('/api/transfer', {}, 'alice'), 401, 'insufficient_user_authentication');
    assert.equal(alice.likely_factor, 'totp');
    const bob = await expectError(await h.post('/api/transfer', {}, 'bob'), 401, 'insufficient_user_authentication');
    assert.equal('likely_factor' in bob, false, "bob's challenge does not carry alice's factor");
    // It is a type, never an id or a label of the factor.
    const factorId = (await (await h.get('/mfa/factors', 'alice')).json()).factors[0].id;
    assert.equal(JSON.stringify(alice).includes(factorId), false);
  });

  it('a store outage leaves the hint out; the 401 itself is unchanged', async () => {
    let down = false;
    const h = makeServer({ store: outageStore(new MemoryStore(), () => down) });
    await h.enrollTotp('alice');
    down = true;
    const body = await expectError(await h.post('/api/transfer', {}, 'alice'), 401, 'insufficient_user_authentication');
    assert.equal('likely_factor' in body, false);
    assert.equal(body.resource, 'payments');
  });

  it('no hint while an earlier step-up of this session still answers the route; the hint is back where it no longer does', async () => {
    const h = makeServer({ freshness: { reuse: 'same-action', maxAge: 900 } });
    const a = await h.enrollTotp('alice');
    const before = await expectError(await h.post('/api/transfer', {}, 'alice'), 401, 'insufficient_user_authentication');
    assert.equal(before.likely_factor, 'totp');
    await h.stepUp('alice', a.secret, 'payments', 'transfer');
    // The token was not sent: the route asks again, but a challenge started now is answered by
    // the earlier step-up without a code (what the prompt then gets), so nothing is announced.
    const after = await expectError(await h.post('/api/transfer', {}, 'alice'), 401, 'insufficient_user_authentication');
    assert.equal('likely_factor' in after, false, 'a challenge would not ask');
    const started = await h.post('/mfa/challenges', { resource: 'payments', action: 'transfer', maxAge: after.max_age }, 'alice');
    assert.equal((await started.json()).status, 'VERIFIED');
    // Another app session of the same user: that step-up does not count there.
    const other = await expectError(await h.request('POST', '/api/transfer', { user: 'alice', headers: { 'x-test-session': 'other' } }), 401, 'insufficient_user_authentication');
    assert.equal(other.likely_factor, 'totp');
    // A route whose max_age the earlier step-up is now too old for.
    h.advance(61_000);
    const recent = await expectError(await h.post('/api/recent-transfer', {}, 'alice'), 401, 'insufficient_user_authentication');
    assert.equal(recent.max_age, 60);
    assert.equal(recent.likely_factor, 'totp');
  });

  it('a passkey-only route never names the app code its challenge would not ask for', async () => {
    const h = makeServer();
    await h.enrollTotp('alice');
    const app = new Hono();
    app.post('/api/wire', h.mfa.requireStepUp({ resource: 'payments', action: 'wire', acrValues: ['phr'] }), (c) => c.json({ ok: true }));
    const res = await app.request('/api/wire', { method: 'POST', headers: { origin: 'http://localhost', 'x-test-user': 'alice' } });
    const body = await expectError(res, 401, 'insufficient_user_authentication');
    assert.equal(body.acr_values, 'phr');
    assert.equal('likely_factor' in body, false, 'alice has no passkey: a phr challenge would refuse, not ask for her app code');
  });
});
