// Step-up freshness ("MFA session caching", docs/server.md "Step-up tokens and the guard"): what a user sees (no second prompt
// within the window) and what an attacker cannot stretch (another resource, another session,
// after logout, beyond the route's max_age).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { expectError, makeServer, STEP_MS } from './harness.js';
import type { MfaServerOptions } from '../../src/server/index.js';

const PAY = { resource: 'payments', action: 'transfer' };
const MIN = 60_000;

async function setUp(overrides: Partial<MfaServerOptions> = {}) {
  const h = makeServer({ freshness: {}, ...overrides });
  const { secret } = await h.enrollTotp('alice');
  const first = await h.stepUp('alice', secret, PAY.resource, PAY.action);
  const challenge = (body: Record<string, unknown>, headers?: Record<string, string>) => h.post('/mfa/challenges', body, 'alice', headers);
  return { h, secret, first, challenge };
}

describe('freshness', () => {
  it('answers VERIFIED at once inside 15 minutes for the same resource and action, keeping auth_time', async () => {
    const { h, first, challenge } = await setUp();
    h.advance(10 * MIN);
    // The client passes the route's max_age (here a route that allows 15 minutes).
    const res = await challenge({ ...PAY, maxAge: 900 });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, 'VERIFIED');
    assert.equal(body.resource, 'payments');
    assert.equal(body.action, 'transfer');
    assert.notEqual(body.sid, first.sid);
    const claims = decodeJwt(body.token);
    assert.equal(claims.auth_time, decodeJwt(first.token).auth_time);
    assert.deepEqual(claims.amr, ['otp']);
    assert.equal(claims.iat, Math.floor(h.now() / 1000));
  });

  it('asks again for another action of the same resource by default; `same-resource` lets it pass', async () => {
    const { challenge } = await setUp();
    assert.equal((await challenge({ resource: 'payments', action: 'view' })).status, 201, 'a step-up to view payments never approves a transfer, nor the reverse');
    const wide = await setUp({ freshness: { reuse: 'same-resource' } });
    const res = await wide.challenge({ resource: 'payments', action: 'refund' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).action, 'refund');
  });

  it('a step-up to view payments does not answer a transfer: the challenge asks for a code, the guard refuses its token', async () => {
    const h = makeServer({ freshness: {} });
    const { secret } = await h.enrollTotp('alice');
    const view = await h.stepUp('alice', secret, 'payments', 'view');
    const transfer = await h.post('/mfa/challenges', PAY, 'alice');
    assert.equal(transfer.status, 201, 'fresh for payments/view only: a transfer asks again');
    assert.equal((await transfer.json()).status, 'CHALLENGED');
    // Nor does the view token itself open the transfer route.
    const refused = await h.post('/api/transfer', {}, 'alice', { 'step-up-token': view.token });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
    // The view step-up is still fresh for what it was for.
    assert.equal((await h.post('/mfa/challenges', { resource: 'payments', action: 'view', maxAge: 900 }, 'alice')).status, 200);
  });

  it('never answers for factor management (resource mfa), whatever the policy', async () => {
    const { challenge } = await setUp({ freshness: { reuse: 'any' } });
    assert.equal((await challenge({ resource: 'mfa', action: 'manage' })).status, 201);
  });

  it('asks again for another resource, with force, and after the window', async () => {
    const { h, challenge } = await setUp();
    assert.equal((await challenge({ resource: 'account', action: 'delete' })).status, 201);
    assert.equal((await challenge({ ...PAY, force: true })).status, 201);
    h.advance(15 * MIN - 1000);
    // Against a route whose max_age allows 15 minutes, less the 30 s round-trip margin.
    assert.equal((await challenge({ ...PAY, maxAge: 900 + 30 })).status, 200);
    h.advance(2000);
    assert.equal((await challenge({ ...PAY, maxAge: 900 + 30 })).status, 201);
  });

  it('lets the route\'s max_age shorten the window, and the guard still applies it', async () => {
    const { h, challenge } = await setUp();
    h.advance(2 * MIN);
    assert.equal((await challenge({ ...PAY, maxAge: 60 })).status, 201);
    const fresh = await (await challenge({ ...PAY, maxAge: 300 })).json();
    assert.equal(fresh.status, 'VERIFIED');
    // A new token, but the proof in it is two minutes old: a max_age=60 route refuses it.
    const recent = await h.post('/api/recent-transfer', {}, 'alice', { 'step-up-token': fresh.token });
    assert.equal(recent.status, 401);
    assert.match(recent.headers.get('www-authenticate') ?? '', /max_age=60/);
    assert.equal((await h.post('/api/transfer', {}, 'alice', { 'step-up-token': fresh.token })).status, 200);
  });

  it('ends with DELETE /mfa/session and with endSession()', async () => {
    const { h, secret, challenge } = await setUp();
    assert.equal((await h.del('/mfa/session', 'alice')).status, 204);
    assert.equal((await challenge(PAY)).status, 201);
    await h.stepUp('alice', secret, PAY.resource, PAY.action);
    assert.equal((await challenge(PAY)).status, 200);
    await h.mfa.endSession({ sub: 'alice', sessionId: 'default' });
    assert.equal((await challenge(PAY)).status, 201);
  });

  it('is kept per app session when the session hook names one', async () => {
    const h = makeServer({ freshness: {} });
    const { secret } = await h.enrollTotp('alice');
    h.advance(STEP_MS);
    const ch = await (await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-session': 'laptop' })).json();
    const ok = await h.post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: h.code(secret) }] }, 'alice', { 'x-test-session': 'laptop' });
    assert.equal(ok.status, 200);
    assert.equal((await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-session': 'laptop' })).status, 200);
    assert.equal((await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-session': 'stolen-phone' })).status, 201);
    assert.equal((await h.post('/mfa/challenges', PAY, 'bob')).status, 409); // bob has no factor, and no freshness either
  });

  it('follows the policy: reuse any, reuse none per resource, custom maxAge', async () => {
    const any = await setUp({ freshness: { reuse: 'any' } });
    assert.equal((await any.challenge({ resource: 'account', action: 'delete' })).status, 200);

    const strict = await setUp({ freshness: { resources: { payments: { reuse: 'none' } } } });
    assert.equal((await strict.challenge(PAY)).status, 201);

    const short = await setUp({ freshness: { maxAge: 120 } });
    short.h.advance(2 * MIN);
    assert.equal((await short.challenge(PAY)).status, 201);
  });
});

describe('POST /mfa/audit (trackUserAction)', () => {
  it('records the app\'s event with its tag, mapped severity and webhook flag', async () => {
    const h = makeServer();
    const res = await h.post('/mfa/audit', { tag: 'payment:transfer', severity: 'high', status: true, metadata: { amount: 1000 }, webhookNotification: true }, 'alice');
    assert.equal(res.status, 204);
    const [event] = await h.mfa.context.audit.list('alice', 1);
    assert.equal(event.type, 'user.action');
    assert.equal(event.severity, 'warning'); // a client's high/critical is capped at warning
    assert.equal(event.status, 'success');
    assert.deepEqual(event.metadata, { tag: 'payment:transfer', severity: 'high', data: { amount: 1000 }, webhookNotification: true });
  });

  it('refuses malformed events with a 400 and records nothing', async () => {
    const h = makeServer();
    for (const body of [{}, { tag: '' }, { tag: 'a b' }, { tag: 'x', severity: 'urgent' }, { tag: 'x', status: 'maybe' }, { tag: 'x', extra: 1 }, { tag: 'x', metadata: 'str' }]) {
      await expectError(await h.post('/mfa/audit', body, 'alice'), 400, 'malformed_request');
    }
    await expectError(await h.post('/mfa/audit', { tag: 'x' }), 401, 'unauthenticated');
    assert.deepEqual(await h.mfa.context.audit.list('alice', 10), []);
  });
});
