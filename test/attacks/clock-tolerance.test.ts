/**
 * Clock tolerance of the Node guard (docs/verify-anywhere.md "Clock tolerance"): 30 s by default
 * on `exp` and `iat`, as every verifier in another language is asked to allow, so one token gets
 * one verdict wherever it is checked. Instances on several machines disagree by seconds: a token
 * issued by an instance whose clock runs ahead must not be refused as "issued in the future".
 *
 * The attack side: a tolerance must not reopen what was closed. A one-time token spent just
 * before `exp` stays spent during the tolerance (its replay mark outlives `exp`), and a revoked
 * session's token stays revoked. Frozen, injected clocks throughout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { makeServer, STEP_MS, type Harness } from '../server/harness.js';

const PAY = { resource: 'payments', action: 'transfer' };
const A = 'alice';
const LIFETIME_MS = 300_000;

const transfer = (h: Harness, token: string, path = '/api/transfer-reusable') => h.post(path, {}, A, { [STEP_UP_HEADER]: token });

/**
 * A server with two extra routes whose max_age (an hour) is longer than the token lifetime, so
 * only `exp` (and its tolerance) decides: reusable `/api/long`, one-time `/api/long-once`.
 */
async function issued(overrides: Parameters<typeof makeServer>[0] = {}) {
  const h = makeServer(overrides);
  h.app.post('/api/long', h.mfa.requireStepUp({ ...PAY, reusable: true, maxAge: 3600 }), (c) => c.json({ ok: true }));
  h.app.post('/api/long-once', h.mfa.requireStepUp({ ...PAY, maxAge: 3600 }), (c) => c.json({ ok: true }));
  const { secret } = await h.enrollTotp(A);
  const { token } = await h.stepUp(A, secret, PAY.resource, PAY.action);
  return { h, token, issuedAt: h.now(), secret };
}

describe('clock tolerance of the guard', () => {
  it('default 30 s on exp: accepted 29 s after exp, refused 31 s after (a route whose max_age allows it)', async () => {
    const { h, token, issuedAt } = await issued();
    h.setClock(issuedAt + LIFETIME_MS + 29_000);
    assert.equal((await transfer(h, token, '/api/long')).status, 200);
    h.setClock(issuedAt + LIFETIME_MS + 31_000);
    assert.equal((await transfer(h, token, '/api/long')).status, 401);
  });

  it('the default max_age (the lifetime) is not widened: a default route refuses just after exp', async () => {
    const { h, token, issuedAt } = await issued();
    h.setClock(issuedAt + LIFETIME_MS);
    assert.equal((await transfer(h, token)).status, 200);
    h.setClock(issuedAt + LIFETIME_MS + 1_000);
    assert.equal((await transfer(h, token)).status, 401);
  });

  it('a token from an instance whose clock is 20 s ahead is accepted; 40 s ahead is refused', async () => {
    const store = new MemoryStore();
    const guard = makeServer({ store });
    const { secret } = await guard.enrollTotp(A);
    for (const [ahead, status] of [[20_000, 200], [40_000, 401]] as const) {
      guard.advance(STEP_MS);
      const fast = makeServer({ store });
      fast.setClock(guard.now() + ahead - STEP_MS); // stepUp moves it one TOTP step on
      const { token } = await fast.stepUp(A, secret, PAY.resource, PAY.action);
      assert.equal((await transfer(guard, token)).status, status, `${ahead / 1000} s ahead`);
    }
  });

  it('clockToleranceSec: 0 is strict at exp; bad values stop start-up with one clear line', async () => {
    const { h, token, issuedAt } = await issued({ clockToleranceSec: 0 });
    h.setClock(issuedAt + LIFETIME_MS - 1_000);
    assert.equal((await transfer(h, token, '/api/long')).status, 200);
    h.setClock(issuedAt + LIFETIME_MS);
    assert.equal((await transfer(h, token, '/api/long')).status, 401);
    for (const bad of [-1, 61, 1.5, Number.NaN]) {
      assert.throws(() => makeServer({ clockToleranceSec: bad }), /^Error: mfa-elements configuration error: clockToleranceSec must be a whole number of seconds from 0 to 60$/);
    }
  });

  it('never widens max_age: a route with max_age 60 refuses at 61 s', async () => {
    const { h, token, issuedAt } = await issued();
    h.setClock(issuedAt + 61_000);
    assert.equal((await transfer(h, token, '/api/recent-transfer')).status, 401);
  });
});

describe('attack: the tolerance reopens nothing', () => {
  it('a one-time token spent 1 s before exp is refused when replayed 10 s after exp', async () => {
    const { h, token, issuedAt } = await issued();
    h.setClock(issuedAt + LIFETIME_MS - 1_000);
    assert.equal((await transfer(h, token, '/api/long-once')).status, 200);
    h.setClock(issuedAt + LIFETIME_MS + 10_000);
    assert.equal((await transfer(h, token, '/api/long-once')).status, 401, 'the replay mark expired with exp, before the tolerance did');
  });

  it('a token of a logged-out session stays refused during the tolerance', async () => {
    const { h, token, issuedAt } = await issued();
    assert.equal((await h.request('DELETE', '/mfa/session', { user: A, headers: {} })).status, 204);
    h.setClock(issuedAt + LIFETIME_MS + 10_000);
    assert.equal((await transfer(h, token, '/api/long')).status, 401);
  });
});
