// Challenge creation is rate-limited per user and per client IP: 429 + Retry-After.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectError, makeServer } from './harness.js';

const PAY = { resource: 'payments', action: 'transfer' };
const MIN = 60_000;

function server() {
  return makeServer({
    clientIp: (req) => req.headers.get('x-test-ip') ?? undefined,
    rateLimits: { challengesPerUser: { limit: 5, windowMs: 10 * MIN }, challengesPerIp: { limit: 8, windowMs: 10 * MIN } },
  });
}

describe('rate limits', () => {
  it('limits challenges per user, answering 429 with Retry-After until the window ends', async () => {
    const h = server();
    await h.enrollTotp('alice');
    for (let i = 0; i < 5; i++) assert.equal((await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-ip': `10.0.0.${i}` })).status, 201);
    const res = await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-ip': '10.0.0.99' });
    const retryAfter = Number(res.headers.get('retry-after'));
    const body = await expectError(res, 429, 'rate_limited');
    assert.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After ${retryAfter}`);
    assert.equal(body.error.retryAfter, retryAfter);
    // Another user is not affected; the same user may go on once the window has passed.
    await h.enrollTotp('bob');
    assert.equal((await h.post('/mfa/challenges', PAY, 'bob', { 'x-test-ip': '10.0.1.1' })).status, 201);
    h.advance(retryAfter * 1000);
    assert.equal((await h.post('/mfa/challenges', PAY, 'alice', { 'x-test-ip': '10.0.0.100' })).status, 201);
  });

  it('limits challenges per client IP across users', async () => {
    const h = server();
    for (let i = 0; i < 9; i++) await h.enrollTotp(`user${i}`);
    for (let i = 0; i < 8; i++) assert.equal((await h.post('/mfa/challenges', PAY, `user${i}`, { 'x-test-ip': '203.0.113.9' })).status, 201);
    await expectError(await h.post('/mfa/challenges', PAY, 'user8', { 'x-test-ip': '203.0.113.9' }), 429, 'rate_limited');
    assert.equal((await h.post('/mfa/challenges', PAY, 'user8', { 'x-test-ip': '203.0.113.10' })).status, 201);
  });

  it('records one audit event when a limit is first exceeded', async () => {
    const h = server();
    await h.enrollTotp('alice');
    for (let i = 0; i < 8; i++) await h.post('/mfa/challenges', PAY, 'alice');
    const events = (await h.mfa.context.audit.list('alice', 50)).filter((e) => e.type === 'rate_limited');
    assert.equal(events.length, 1);
    assert.equal(events[0].severity, 'warning');
  });
});
