/**
 * Attack: learn something about a user from a guarded route's 401. The step-up challenge names
 * the factor type the user's step-up will most likely start with (`likely_factor`, so the prompt
 * can show its code input before the challenge answers: docs/security.md). It is computed only
 * after the session check, only for the signed-in user: a caller without a session gets the bare
 * `unauthenticated` 401, and no user's answer names another user's factor.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
