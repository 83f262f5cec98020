/**
 * `POST /mfa/audit` flooding (security review, item 1). Before the fix one session wrote 2,000 ×
 * 15 KB events in seconds, and 1,100 app events flagged `webhookNotification` filled the shared
 * webhook queue so another user's `factor.locked` alert was dropped. What an attacker sees now:
 *  - per-user and per-IP limits: 429 `rate_limited` with `Retry-After`, nothing more stored;
 *  - `metadata` over 2 KB (413) or over 20 keys (400) is refused and not stored;
 *  - a client-sent `critical` is stored as `warning` (the app's word stays in the metadata);
 *  - app events have their own webhook queue: however many there are, the server's alerts are
 *    neither dropped nor held up.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AuditLogger, WebhookPayload } from '../../src/server/index.js';
import { expectError, makeServer } from '../server/harness.js';
import { startReceiver, type Receiver } from '../server/webhook-receiver.js';

const PAY = { resource: 'payments', action: 'transfer' };
const MIN = 60_000;
const SECRET = 'whsec_flood_0123456789abcdef012345';

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

const event = (extra: Record<string, unknown> = {}) => ({ tag: 'profile:view', severity: 'low', status: true, ...extra });

async function userActions(h: ReturnType<typeof makeServer>, sub: string) {
  return (await h.mfa.context.audit.list(sub, 100_000)).filter((e) => e.type === 'user.action');
}

describe('POST /mfa/audit rate limits', () => {
  it('the reported flood (2,000 × ~15 KB from one session) stores nothing; small events stop at 60 per minute', async () => {
    const h = makeServer();
    const big = event({ metadata: { blob: 'x'.repeat(15_000) } });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const res = await h.post('/mfa/audit', big, 'mallory');
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.body?.cancel();
    }
    assert.deepEqual([...statuses.keys()].sort(), [413, 429], 'every request refused: too large, then too many');
    assert.equal((await userActions(h, 'mallory')).length, 0);

    h.advance(MIN); // a new window
    for (let i = 0; i < 60; i++) assert.equal((await h.post('/mfa/audit', event(), 'mallory')).status, 204, `request ${i + 1}`);
    const res = await h.post('/mfa/audit', event(), 'mallory');
    const retryAfter = Number(res.headers.get('retry-after'));
    const body = await expectError(res, 429, 'rate_limited');
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(body.error.retryAfter, retryAfter);
    for (let i = 0; i < 500; i++) await (await h.post('/mfa/audit', event(), 'mallory')).body?.cancel();
    assert.equal((await userActions(h, 'mallory')).length, 60, 'nothing beyond the limit is stored');
    const limited = (await h.mfa.context.audit.list('mallory', 100_000)).filter((e) => e.type === 'rate_limited');
    assert.equal(limited.length, 2, 'one rate_limited event per exceeded window, not one per request');
    assert.ok(limited.every((e) => e.metadata?.limit === 'audit-user'));

    // Another user is not affected; the same user may go on once the window has passed.
    assert.equal((await h.post('/mfa/audit', event(), 'alice')).status, 204);
    h.advance(retryAfter * 1000);
    assert.equal((await h.post('/mfa/audit', event(), 'mallory')).status, 204);
  });

  it('limits per client IP across users (300 per minute by default), other IPs unaffected', async () => {
    const h = makeServer({ clientIp: (req) => req.headers.get('x-test-ip') ?? undefined });
    const ip = { 'x-test-ip': '203.0.113.9' };
    for (let u = 0; u < 5; u++) {
      for (let i = 0; i < 60; i++) assert.equal((await h.post('/mfa/audit', event(), `user${u}`, ip)).status, 204);
    }
    await expectError(await h.post('/mfa/audit', event(), 'user5', ip), 429, 'rate_limited');
    assert.equal((await h.post('/mfa/audit', event(), 'user5', { 'x-test-ip': '203.0.113.10' })).status, 204);
    // IPv6: one client's /64 is one key, whatever the interface id.
    const h6 = makeServer({ clientIp: (req) => req.headers.get('x-test-ip') ?? undefined, rateLimits: { auditPerIp: { limit: 3, windowMs: MIN } } });
    for (let i = 0; i < 3; i++) assert.equal((await h6.post('/mfa/audit', event(), `v6user${i}`, { 'x-test-ip': `2001:db8:1:2::${i + 1}` })).status, 204);
    await expectError(await h6.post('/mfa/audit', event(), 'v6user9', { 'x-test-ip': '2001:db8:1:2:ffff::9' }), 429, 'rate_limited');
  });

  it('the limits are options of `rateLimits` (`auditPerUser`, `auditPerIp`); `false` turns one off', async () => {
    const h = makeServer({ rateLimits: { auditPerUser: { limit: 2, windowMs: MIN } } });
    assert.equal((await h.post('/mfa/audit', event(), 'alice')).status, 204);
    assert.equal((await h.post('/mfa/audit', event(), 'alice')).status, 204);
    await expectError(await h.post('/mfa/audit', event(), 'alice'), 429, 'rate_limited');
    const off = makeServer({ rateLimits: { auditPerUser: false } });
    for (let i = 0; i < 70; i++) assert.equal((await off.post('/mfa/audit', event(), 'alice')).status, 204);
    // Challenge limits keep their defaults when only audit limits are given.
    assert.deepEqual(off.mfa.context.policy.rateLimits.challengesPerUser, { limit: 30, windowMs: 10 * MIN });
  });
});

describe('POST /mfa/audit metadata bounds and severity', () => {
  it('metadata over 2 KB serialized is a 413, over 20 keys a 400; neither is stored', async () => {
    const h = makeServer();
    const of = (bytes: number) => ({ a: 'x'.repeat(bytes - '{"a":""}'.length) }); // JSON of exactly `bytes`
    assert.equal((await h.post('/mfa/audit', event({ metadata: of(2048) }), 'alice')).status, 204);
    await expectError(await h.post('/mfa/audit', event({ metadata: of(2049) }), 'alice'), 413, 'payload_too_large');
    // Bytes, not characters: 1,021 × "é" is 1,029 characters but 2,050 bytes of JSON.
    await expectError(await h.post('/mfa/audit', event({ metadata: { a: 'é'.repeat(1021) } }), 'alice'), 413, 'payload_too_large');
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.equal((await h.post('/mfa/audit', event({ metadata: keys(20) }), 'alice')).status, 204);
    await expectError(await h.post('/mfa/audit', event({ metadata: keys(21) }), 'alice'), 400, 'malformed_request');
    const stored = await userActions(h, 'alice');
    assert.equal(stored.length, 2, 'only the two accepted events');
  });

  it("a client's 'critical' (or 'high') is stored as 'warning'; its own word stays in the metadata", async () => {
    const h = makeServer();
    for (const severity of ['critical', 'high', 'medium', 'low']) {
      assert.equal((await h.post('/mfa/audit', event({ tag: `t.${severity}`, severity }), 'alice')).status, 204);
    }
    const bySeverity = Object.fromEntries((await userActions(h, 'alice')).map((e) => [e.metadata?.severity, e.severity]));
    assert.deepEqual(bySeverity, { critical: 'warning', high: 'warning', medium: 'warning', low: 'info' });
  });
});

describe('webhook queues: app events cannot crowd out the server\'s alerts', () => {
  it("1,100 flagged app events while the receiver stalls on them: another user's factor.locked is still delivered", { timeout: 30_000 }, async () => {
    let h!: ReturnType<typeof makeServer>;
    // The receiver never answers app events (they stay in flight) and accepts everything else.
    const receiver = await startReceiver({
      secret: SECRET,
      now: () => h.now(),
      respond: (_n, req) => ((JSON.parse(req.body) as WebhookPayload).type === 'user.action' ? 'hang' : 204),
    });
    receivers.push(receiver);
    const warnings: Record<string, unknown>[] = [];
    const logger: AuditLogger = { warn: (details) => void warnings.push(details) };
    h = makeServer({
      // Limits off: this checks the queue itself (many users could send this much within limits).
      rateLimits: { auditPerUser: false, auditPerIp: false },
      audit: { webhooks: [{ url: receiver.url, secret: SECRET, timeoutMs: 60_000 }], logger, closeTimeoutMs: 100 },
    });
    const bob = await h.enrollTotp('bob');

    for (let i = 0; i < 1100; i++) {
      const res = await h.post('/mfa/audit', { tag: 'spam', severity: 'critical', status: true, webhookNotification: true }, 'mallory');
      assert.equal(res.status, 204);
    }
    // Bob's factor is locked by 10 wrong codes: a critical server event.
    for (let i = 0; i < 9; i++) await expectError(await h.answer('bob', PAY, h.wrongCode(bob.secret)), 403, 'invalid_code');
    await expectError(await h.answer('bob', PAY, h.wrongCode(bob.secret)), 423, 'locked');

    const dropped = warnings.filter((w) => w.reason === 'queue_full');
    assert.ok(dropped.length > 0, 'the app flood did overflow its queue');
    assert.ok(dropped.every((w) => w.eventType === 'user.action'), 'only app events were dropped');

    // Delivered although every app delivery in flight hangs.
    for (;;) {
      const locked = receiver.requests.find((r) => (JSON.parse(r.body) as WebhookPayload).type === 'factor.locked');
      if (locked) {
        assert.equal(locked.valid, true);
        assert.equal(locked.status, 204);
        assert.equal((JSON.parse(locked.body) as WebhookPayload).event.sub, 'bob');
        break;
      }
      await receiver.waitForRequests(receiver.requests.length + 1);
    }
    await h.mfa.close();
  });
});
