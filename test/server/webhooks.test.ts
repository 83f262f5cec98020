// Signed webhooks (docs/operating.md "Audit events and webhooks"), against a real local HTTP receiver that checks
// every delivery with the exported verifyWebhookSignature: signature format, tamper refusal,
// retries with backoff on 5xx/429/network errors (never on other 4xx), and a dead receiver that
// neither fails nor holds up requests while its queue stays bounded.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { AuditEvent, AuditLogger, AuditOptions, WebhookConfig, WebhookPayload } from '../../src/server/index.js';
import { signWebhook, verifyWebhookSignature } from '../../src/server/index.js';
import { backoffDelay, webhookWants } from '../../src/server/audit/webhooks.js';
import { expectError, makeServer, T0 } from './harness.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const SECRET = 'whsec_test_0123456789abcdef0123456789';
const PAY = { resource: 'payments', action: 'transfer' };
const NOW_S = Math.floor(T0 / 1000);

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

function recordingLogger() {
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  const logger: AuditLogger = { warn: (details, message) => void warnings.push({ details, message }) };
  return { warnings, logger };
}

/** A server whose webhooks point at a fresh receiver; fast retries unless told otherwise. */
async function setUp(opts: { respond?: Parameters<typeof startReceiver>[0]['respond']; webhook?: Partial<WebhookConfig>; audit?: Partial<AuditOptions> } = {}) {
  let h!: ReturnType<typeof makeServer>;
  const receiver = await startReceiver({ secret: SECRET, now: () => h.now(), respond: opts.respond });
  receivers.push(receiver);
  const { warnings, logger } = recordingLogger();
  h = makeServer({
    audit: { webhooks: [{ url: receiver.url, secret: SECRET, backoffMs: 5, ...opts.webhook }], logger, ...opts.audit },
  });
  const { secret } = await h.enrollTotp('alice'); // info events: not sent by default
  return { h, receiver, secret, warnings, audit: h.mfa.context.audit };
}

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify({ id: 'e1', type: 'verify.failure', event: { id: 'e1' } });
  const ts = String(NOW_S);
  const good = signWebhook({ secret: SECRET, body, timestamp: ts });
  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({ secret: SECRET, body, timestamp: ts, signature: good, now: T0, ...over });

  it('accepts the signature over `${timestamp}.${body}`, as a string or as bytes', () => {
    assert.match(good, /^v1=[0-9a-f]{64}$/);
    assert.equal(check({}), true);
    assert.equal(check({ body: new TextEncoder().encode(body) }), true);
    assert.equal(check({ timestamp: NOW_S }), true);
  });

  it('refuses a tampered body, a moved timestamp, another secret', () => {
    assert.equal(check({ body: body.replace('verify.failure', 'verify.success') }), false);
    assert.equal(check({ body: body + ' ' }), false);
    assert.equal(check({ timestamp: String(NOW_S + 1) }), false);
    assert.equal(check({ secret: 'another-secret-of-enough-length' }), false);
  });

  it('refuses a timestamp outside the tolerance even when correctly signed', () => {
    const old = String(NOW_S - 301);
    assert.equal(check({ timestamp: old, signature: signWebhook({ secret: SECRET, body, timestamp: old }) }), false);
    const future = String(NOW_S + 301);
    assert.equal(check({ timestamp: future, signature: signWebhook({ secret: SECRET, body, timestamp: future }) }), false);
    const edge = String(NOW_S - 300);
    assert.equal(check({ timestamp: edge, signature: signWebhook({ secret: SECRET, body, timestamp: edge }) }), true);
    assert.equal(check({ timestamp: old, signature: signWebhook({ secret: SECRET, body, timestamp: old }), toleranceSec: 600 }), true);
  });

  it('refuses malformed headers without throwing', () => {
    for (const signature of [undefined, null, '', 'v1=', good.slice(0, -2), good.toUpperCase().replace('V1', 'v0'), `v2=${good.slice(3)}`, good.slice(3), `${good}00`]) {
      assert.equal(check({ signature }), false, String(signature));
    }
    for (const timestamp of [undefined, null, '', 'abc', '-1', '1e9', ` ${ts}`, `${ts}.0`, '9'.repeat(40)]) {
      assert.equal(check({ timestamp }), false, String(timestamp));
    }
    assert.equal(check({ secret: '' }), false);
    assert.equal(check({ secret: [] }), false);
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const other = signWebhook({ secret: 'old-secret-of-enough-length', body, timestamp: ts });
    assert.equal(check({ signature: `${other} ${good}` }), true);
    assert.equal(check({ signature: `${other},${good}` }), true);
    assert.equal(check({ signature: other, secret: ['new-secret-of-enough-length!', 'old-secret-of-enough-length'] }), true);
    assert.equal(check({ signature: other }), false);
  });
});

describe('webhook selection and backoff', () => {
  const ev = (type: string, severity: AuditEvent['severity'], metadata?: Record<string, unknown>): AuditEvent =>
    ({ id: 'x', at: new Date(T0).toISOString(), type, sub: 'u', severity, status: 'success', ...(metadata && { metadata }) });

  it('sends warning and critical events and flagged user actions by default', () => {
    assert.equal(webhookWants({}, ev('verify.success', 'info')), false);
    assert.equal(webhookWants({}, ev('token.issued', 'info')), false);
    assert.equal(webhookWants({}, ev('verify.failure', 'warning')), true);
    assert.equal(webhookWants({}, ev('factor.locked', 'critical')), true);
    assert.equal(webhookWants({}, ev('user.action', 'info', { tag: 't', webhookNotification: true })), true);
    assert.equal(webhookWants({}, ev('user.action', 'critical', { tag: 't' })), false);
  });

  it('sends exactly the listed types with `events`, user actions only when flagged', () => {
    const cfg = { events: ['token.issued', 'user.action'] };
    assert.equal(webhookWants(cfg, ev('token.issued', 'info')), true);
    assert.equal(webhookWants(cfg, ev('factor.locked', 'critical')), false);
    assert.equal(webhookWants(cfg, ev('user.action', 'info', { webhookNotification: true })), true);
    assert.equal(webhookWants(cfg, ev('user.action', 'info', {})), false);
    assert.equal(webhookWants({ events: ['factor.locked'] }, ev('user.action', 'info', { webhookNotification: true })), false);
  });

  it('backs off 0.5 s, 1 s, 2 s, 4 s … (±20 % jitter), capped', () => {
    const exact = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, 500, 30_000, () => 0.5));
    assert.deepEqual(exact, [500, 1000, 2000, 4000, 8000]);
    assert.equal(backoffDelay(1, 500, 30_000, () => 0), 400);
    assert.equal(backoffDelay(1, 500, 30_000, () => 0.999999), 600);
    assert.equal(backoffDelay(20, 500, 30_000, () => 0.5), 30_000);
  });

  it('refuses a bad configuration at start-up', () => {
    const bad: WebhookConfig[] = [
      { url: 'not a url', secret: SECRET },
      { url: 'ftp://example.com/x', secret: SECRET },
      { url: 'https://example.com/x', secret: 'short' },
      { url: 'https://example.com/x', secret: SECRET, maxAttempts: 0 },
      { url: 'https://example.com/x', secret: SECRET, maxQueue: 1.5 },
    ];
    for (const webhook of bad) assert.throws(() => makeServer({ audit: { webhooks: [webhook] } }), TypeError);
  });
});

describe('webhook delivery to a real receiver', () => {
  it('POSTs {id, type, event} with the id, timestamp and signature headers; info events stay home', async () => {
    const { h, receiver, secret, audit } = await setUp();
    await h.stepUp('alice', secret, PAY.resource, PAY.action); // info: not sent
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.ok(await audit.flush(10_000));

    assert.equal(receiver.requests.length, 1);
    const [req] = receiver.requests;
    assert.equal(req.valid, true);
    assert.equal(req.status, 204);
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    const payload = JSON.parse(req.body) as WebhookPayload;
    const [stored] = await audit.list('alice', 1);
    assert.deepEqual(payload, { id: stored.id, type: 'verify.failure', event: stored });
    assert.equal(req.headers['mfa-webhook-id'], stored.id);
    assert.equal(req.headers['mfa-webhook-timestamp'], String(Math.floor(h.now() / 1000)));
    assert.equal(req.headers['mfa-webhook-signature'], signWebhook({ secret: SECRET, body: req.body, timestamp: req.headers['mfa-webhook-timestamp'] as string, id: stored.id }));
    assert.deepEqual(audit.webhookStatus(), [{ url: new URL(receiver.url).origin, queued: 0, inFlight: 0, delivered: 1, failed: 0, dropped: 0, attempts: 1 }]);
    await h.mfa.close();
  });

  it('delivers flagged trackUserAction events, and not unflagged ones', async () => {
    const { h, receiver, audit } = await setUp();
    assert.equal((await h.post('/mfa/audit', { tag: 'profile:view', severity: 'high', status: true }, 'alice')).status, 204);
    assert.equal((await h.post('/mfa/audit', { tag: 'payment:transfer', severity: 'low', status: 'success', metadata: { amount: 5 }, webhookNotification: true }, 'alice')).status, 204);
    assert.ok(await audit.flush(10_000));
    assert.equal(receiver.requests.length, 1);
    const payload = JSON.parse(receiver.requests[0].body) as WebhookPayload;
    assert.equal(payload.type, 'user.action');
    assert.deepEqual(payload.event.metadata, { tag: 'payment:transfer', severity: 'low', data: { amount: 5 }, webhookNotification: true });
    await h.mfa.close();
  });

  it('the receiver refuses a tampered body, a moved timestamp, a stale re-signed delivery and a wrong secret', async () => {
    const { h, receiver, secret, audit } = await setUp();
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.ok(await audit.flush(10_000));
    const [orig] = receiver.requests;
    assert.equal(orig.valid, true);
    const headers = {
      'mfa-webhook-id': orig.headers['mfa-webhook-id'] as string,
      'mfa-webhook-timestamp': orig.headers['mfa-webhook-timestamp'] as string,
      'mfa-webhook-signature': orig.headers['mfa-webhook-signature'] as string,
    };
    const ts = Number(headers['mfa-webhook-timestamp']);
    // The untouched delivery, sent again, is still valid (receivers dedupe on MFA-Webhook-Id)…
    assert.equal(await receiver.send(orig.body, headers), 204);
    // …but any change is refused.
    assert.equal(await receiver.send(orig.body.replace('"verify.failure"', '"verify.success"'), headers), 401);
    assert.equal(await receiver.send(orig.body.replace('"alice"', '"bob"'), headers), 401);
    assert.equal(await receiver.send(orig.body, { ...headers, 'mfa-webhook-timestamp': String(ts + 60) }), 401);
    const stale = String(ts - 3600);
    assert.equal(await receiver.send(orig.body, { ...headers, 'mfa-webhook-timestamp': stale, 'mfa-webhook-signature': signWebhook({ secret: SECRET, body: orig.body, timestamp: stale }) }), 401);
    assert.equal(await receiver.send(orig.body, { ...headers, 'mfa-webhook-signature': signWebhook({ secret: 'not-the-shared-secret!!', body: orig.body, timestamp: ts }) }), 401);
    assert.equal(await receiver.send(orig.body, { 'mfa-webhook-id': headers['mfa-webhook-id'] }), 401);
    await h.mfa.close();
  });

  it('retries 503 with backoff: fails twice, then one accepted delivery after 3 attempts with the same id', async () => {
    const { h, receiver, secret, audit, warnings } = await setUp({ respond: (n) => (n <= 2 ? 503 : 200) });
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.ok(await audit.flush(10_000));
    assert.equal(receiver.requests.length, 3);
    assert.deepEqual(receiver.requests.map((r) => r.status), [503, 503, 200]);
    assert.ok(receiver.requests.every((r) => r.valid), 'every attempt is signed');
    const [stored] = await audit.list('alice', 1);
    assert.deepEqual(new Set(receiver.requests.map((r) => r.headers['mfa-webhook-id'])), new Set([stored.id]));
    assert.deepEqual(new Set(receiver.requests.map((r) => r.body)).size, 1, 'the same body on every attempt');
    assert.equal(receiver.accepted().length, 1);
    assert.deepEqual({ ...audit.webhookStatus()[0], url: '' }, { url: '', queued: 0, inFlight: 0, delivered: 1, failed: 0, dropped: 0, attempts: 3 });
    assert.deepEqual(warnings, []);
    await h.mfa.close();
  });

  it('retries 429 and 500 too, and gives up after maxAttempts (logged, secret-free)', async () => {
    const { h, receiver, secret, audit, warnings } = await setUp({ respond: (n) => (n % 2 ? 429 : 500), webhook: { maxAttempts: 4 } });
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.ok(await audit.flush(10_000));
    assert.deepEqual(receiver.requests.map((r) => r.status), [429, 500, 429, 500]);
    assert.equal(audit.webhookStatus()[0].failed, 1);
    assert.equal(warnings.length, 1);
    const { details } = warnings[0];
    assert.equal(details.reason, 'gave_up');
    assert.equal(details.error, 'http 500');
    assert.equal(details.attempt, 4);
    assert.equal(details.webhook, new URL(receiver.url).origin, 'the origin only: a URL path may hold a token');
    assert.ok(!JSON.stringify(warnings).includes(SECRET));
    await h.mfa.close();
  });

  it('does not retry a 400 (nor a redirect)', async () => {
    for (const status of [400, 404, 307]) {
      const { h, receiver, secret, audit, warnings } = await setUp({ respond: () => status });
      await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
      assert.ok(await audit.flush(10_000));
      assert.equal(receiver.requests.length, 1, `status ${status}`);
      assert.equal(audit.webhookStatus()[0].failed, 1);
      assert.equal(warnings[0].details.reason, 'not_retried');
      assert.equal(warnings[0].details.status, status);
      await h.mfa.close();
    }
  });

  it('retries network errors: a receiver that refuses connections fails no request and is given up on', async () => {
    // A port that was free a moment ago: connections are refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const { warnings, logger } = recordingLogger();
    const h = makeServer({ audit: { webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, backoffMs: 5, maxAttempts: 3 }], logger } });
    const { secret } = await h.enrollTotp('alice');
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.equal((await h.answer('alice', PAY, h.code(secret, 1))).status, 200, 'verification works');
    assert.ok(await h.mfa.context.audit.flush(10_000));
    const status = h.mfa.context.audit.webhookStatus()[0];
    assert.equal(status.attempts, 3);
    assert.equal(status.failed, 1);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].details.error, 'ECONNREFUSED');
    await h.mfa.close();
  });

  it('retries a timed-out attempt, then gives up with reason timeout', async () => {
    const { h, receiver, secret, audit, warnings } = await setUp({ respond: () => 'hang', webhook: { timeoutMs: 50, maxAttempts: 2 } });
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.ok(await audit.flush(10_000));
    assert.equal(receiver.requests.length, 2);
    assert.equal(receiver.requests[0].headers['mfa-webhook-id'], receiver.requests[1].headers['mfa-webhook-id']);
    assert.equal(audit.webhookStatus()[0].failed, 1);
    assert.equal(warnings[0].details.error, 'timeout');
    await h.mfa.close();
  });

  it('a hanging receiver: requests return while deliveries are pending, the queue stays bounded, close() does not wait forever', async () => {
    const { h, receiver, secret, audit, warnings } = await setUp({
      respond: () => 'hang',
      webhook: { maxQueue: 3, concurrency: 1, timeoutMs: 60_000 },
      audit: { closeTimeoutMs: 200 },
    });
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    await receiver.waitForRequests(1);
    assert.equal(audit.webhookStatus()[0].inFlight, 1, 'the API call returned while the delivery is pending');

    // 10 more warning events while the receiver hangs: 8 wrong codes, then the 10th (failure + lock).
    for (let i = 0; i < 8; i++) await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 423, 'locked');
    // Another user's verification is neither refused nor held up by the dead receiver.
    const bob = await h.enrollTotp('bob');
    assert.equal((await h.answer('bob', PAY, h.code(bob.secret, 1))).status, 200);

    // The first delivery still hangs (its 60 s timeout has not fired): every request above
    // returned while it was in flight, so none waited on a delivery.
    const status = audit.webhookStatus()[0];
    assert.equal(status.inFlight, 1);
    assert.equal(warnings.filter((w) => w.details.error === 'timeout').length, 0);
    assert.equal(status.queued + status.inFlight, 3, 'maxQueue holds');
    assert.equal(status.dropped, 11 - 3);
    assert.equal(warnings.filter((w) => w.details.reason === 'queue_full').length, 8);
    const stored = await audit.list('alice', 100);
    assert.equal(stored.filter((e) => e.type === 'verify.failure').length, 10, 'the store has every event');
    assert.equal(stored.filter((e) => e.type === 'factor.locked').length, 1);

    await h.mfa.close();
    // close() gave up on the hanging delivery (abandoned, logged) instead of waiting for its timeout.
    assert.equal(warnings.filter((w) => w.details.reason === 'closed' && w.details.aborted === 1).length, 1, 'close() abandons, logged');
    assert.equal(warnings.filter((w) => w.details.error === 'timeout').length, 0, 'the delivery never reached its own timeout');
    const closed = audit.webhookStatus()[0];
    assert.equal(closed.queued + closed.inFlight, 0);
    assert.equal(closed.delivered, 0);
    assert.equal(closed.dropped, 11);
    assert.ok(warnings.some((w) => w.details.reason === 'closed'));
    assert.equal(receiver.requests.length, 1, 'one delivery at a time (concurrency 1), never answered');
  });

  it('mfa.close() waits for deliveries that are still retrying', async () => {
    const { h, receiver, secret } = await setUp({ respond: (n) => (n === 1 ? 503 : 204), webhook: { backoffMs: 100 } });
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    await h.mfa.close();
    assert.equal(receiver.accepted().length, 1);
  });
});
