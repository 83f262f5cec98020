/**
 * Attack: reuse a step-up token outside the app session it was minted in (security review
 * findings 2 and 8). Before the fix a token from session A opened the guarded route from
 * session B, after logout, and from a brand-new session; and with a session hook that named no
 * session, freshness from one session answered VERIFIED in every other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { expectError, makeServer, STEP_MS } from '../server/harness.js';

const A = 'alice';
const PAY = { resource: 'payments', action: 'transfer' };
const session = (id: string) => ({ 'x-test-session': id });

async function steppedUp(overrides = {}) {
  const h = makeServer(overrides);
  const { secret } = await h.enrollTotp(A, session('laptop'));
  h.advance(STEP_MS);
  const ch = await (await h.post('/mfa/challenges', PAY, A, session('laptop'))).json();
  const ok = await h.post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: h.code(secret) }] }, A, session('laptop'));
  assert.equal(ok.status, 200);
  const { token } = await ok.json();
  const transfer = (sessionId: string) => h.post('/api/transfer', {}, A, { ...session(sessionId), 'step-up-token': token });
  return { h, secret, token, transfer };
}

describe('attack: a step-up token outside its app session', () => {
  it('works in its own session and is refused in another session of the same user', async () => {
    const { transfer, token } = await steppedUp();
    assert.equal(typeof decodeJwt(token).ssn, 'string');
    assert.notEqual(decodeJwt(token).ssn, 'laptop', 'the claim is a hash, never the raw session id');
    assert.equal((await transfer('laptop')).status, 200);
    const stolen = await transfer('attacker-browser');
    assert.equal(stolen.status, 401);
    assert.match(stolen.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
  });

  it('is refused in its own session after DELETE /mfa/session (clearMfa) and after endSession (logout)', async () => {
    const first = await steppedUp();
    assert.equal((await first.h.request('DELETE', '/mfa/session', { user: A, headers: session('laptop') })).status, 204);
    await expectError(await first.transfer('laptop'), 401, 'insufficient_user_authentication');

    const second = await steppedUp();
    await second.h.mfa.endSession({ sub: A, sessionId: 'laptop' });
    await expectError(await second.transfer('laptop'), 401, 'insufficient_user_authentication');
    // Another session of the user is not logged out by it.
    second.h.advance(1_000);
    const other = await second.h.stepUp(A, second.secret, PAY.resource, PAY.action); // harness session 'default'
    assert.equal((await second.h.post('/api/transfer', {}, A, { 'step-up-token': other.token })).status, 200);
  });

  it('a new step-up after logout works again (only tokens issued before the revocation die)', async () => {
    const { h, secret } = await steppedUp();
    await h.mfa.endSession({ sub: A, sessionId: 'laptop' });
    h.advance(STEP_MS);
    const ch = await (await h.post('/mfa/challenges', PAY, A, session('laptop'))).json();
    const ok = await h.post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: h.code(secret) }] }, A, session('laptop'));
    const { token } = await ok.json();
    assert.equal((await h.post('/api/transfer', {}, A, { ...session('laptop'), 'step-up-token': token })).status, 200);
  });

  it('freshness does not cross sessions', async () => {
    const { h } = await steppedUp({ freshness: {} });
    assert.equal((await h.post('/mfa/challenges', { ...PAY, maxAge: 300 }, A, session('laptop'))).status, 200);
    const elsewhere = await h.post('/mfa/challenges', { ...PAY, maxAge: 300 }, A, session('attacker-browser'));
    assert.equal(elsewhere.status, 201);
    assert.equal((await elsewhere.json()).status, 'CHALLENGED');
  });

  it('a session hook that names no session fails closed (503) and says why in the log, once', async () => {
    const warnings: string[] = [];
    const h = makeServer({ authenticate: (req) => (req.headers.get('x-test-user') ? ({ sub: req.headers.get('x-test-user')! } as never) : null) });
    h.mfa.context.logger = { warn: (m) => warnings.push(m) };
    await expectError(await h.get('/mfa/factors', A), 503, 'unavailable');
    await expectError(await h.post('/mfa/challenges', PAY, A), 503, 'unavailable');
    await expectError(await h.post('/api/transfer', {}, A, { 'step-up-token': 'x' }), 503, 'unavailable');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /sessionId/);
  });
});
