/**
 * `webhookSender({ url, secret })` (server/delivery/webhook-sender.ts) against a real local HTTP
 * receiver that checks every request with the exported `verifyWebhookSignature`: payloads of
 * SMS and email, failures (5xx, refused connection, timeout) that reject without leaking the
 * URL's query string, and the same failures seen through the server as `deliveryFailed`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { webhookSender } from '../../src/server/delivery/webhook-sender.js';
import { verifyWebhookSignature } from '../../src/server/index.js';
import { codeIn, expectError, makeServer } from './harness.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const SECRET = 'sender_secret_0123456789abcdef';
const TOKEN = 'sk_live_QUERYSECRET42';
const A = 'alice';
const PAY = { resource: 'payments', action: 'transfer' } as const;
const E164 = '+15551234567';

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

/** A receiver on 127.0.0.1 answering `status.value` (mutable) to validly signed requests. */
async function receiver(initial: number | 'hang' = 204) {
  const status = { value: initial };
  const r = await startReceiver({ secret: SECRET, now: () => Date.now(), respond: () => status.value });
  receivers.push(r);
  return { r, status, url: `${r.url}?token=${TOKEN}` };
}

/** A port that was free a moment ago: connections are refused. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** Everything an error says, its causes included. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) parts.push(String(e.message ?? e), String(e.stack ?? ''));
  return parts.join('\n');
}

/** The names and messages of an error and its causes (no stacks). */
function errorWords(err: unknown): string {
  const parts: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) parts.push(String(e.name ?? ''), String(e.message ?? e), String(e.code ?? ''));
  return parts.join('\n');
}

const sms = { to: E164, channel: 'sms' as const, text: '123456 is your code.\n\n@localhost #123456', code: '123456', sub: A };

describe('webhookSender payloads', () => {
  test('an SMS arrives as signed JSON {kind, to, channel, text, code}', async () => {
    const { r, url } = await receiver();
    await webhookSender({ url, secret: SECRET }).sendSms(sms);
    assert.equal(r.requests.length, 1);
    const req = r.requests[0]!;
    assert.equal(req.valid, true, 'verifyWebhookSignature accepts it');
    assert.equal(req.status, 204);
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.match(String(req.headers['mfa-webhook-signature']), /^v1=[0-9a-f]{64}$/);
    assert.match(String(req.headers['mfa-webhook-timestamp']), /^[0-9]+$/);
    const check = (secret: string, body = req.body) =>
      verifyWebhookSignature({ secret, body, timestamp: req.headers['mfa-webhook-timestamp'] as string, signature: req.headers['mfa-webhook-signature'] as string });
    assert.equal(check(SECRET), true);
    assert.equal(check('another_secret_0123456789abcdef'), false);
    assert.equal(check(SECRET, req.body.replace('123456', '654321')), false);
    assert.deepEqual(JSON.parse(req.body), { kind: 'sms', to: E164, channel: 'sms', text: sms.text, code: '123456' });
    assert.ok(!req.body.includes(A), 'the user id is not sent to the provider');
  });

  test('an email arrives as {kind, to, subject, text, code}; a notice carries no code', async () => {
    const { r, url } = await receiver();
    const sender = webhookSender({ url, secret: SECRET });
    await sender.sendEmail({ to: 'anna@example.com', subject: '654321 is your code', text: 'Your code is 654321.', code: '654321', sub: A });
    await sender.sendEmail({ to: 'anna@example.com', subject: 'A recovery code was used', text: 'Notice.', sub: A });
    assert.equal(r.requests.length, 2);
    assert.ok(r.requests.every((q) => q.valid));
    assert.deepEqual(JSON.parse(r.requests[0]!.body), { kind: 'email', to: 'anna@example.com', subject: '654321 is your code', text: 'Your code is 654321.', code: '654321' });
    assert.deepEqual(JSON.parse(r.requests[1]!.body), { kind: 'email', to: 'anna@example.com', subject: 'A recovery code was used', text: 'Notice.' });
  });

  test('a secret shorter than 16 characters is refused at construction', () => {
    assert.throws(() => webhookSender({ url: 'http://127.0.0.1:1/x', secret: 'short' }), /at least 16/);
  });

  test('through the server: a phone is enrolled and verified with the codes the receiver got', async () => {
    const { r, url } = await receiver();
    const sender = webhookSender({ url, secret: SECRET });
    const h = makeServer({ sms: sender, email: sender });
    const e = await (await h.post('/mfa/factors', { type: 'phone', phone: '+1 (555) 123-4567' }, A)).json();
    assert.equal(e.deliveryFailed, undefined);
    const enrollMsg = JSON.parse(r.requests.at(-1)!.body);
    assert.equal(enrollMsg.kind, 'sms');
    assert.equal(enrollMsg.to, E164);
    assert.equal(codeIn(enrollMsg.text), enrollMsg.code);
    assert.ok(enrollMsg.text.endsWith(`\n\n@localhost #${enrollMsg.code}`));
    assert.equal((await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: enrollMsg.code }, A)).status, 200);

    const ch = await (await h.post('/mfa/challenges', PAY, A)).json();
    const msg = JSON.parse(r.requests.at(-1)!.body);
    const ok = await h.resume(A, ch.challengeId, ch.challenges[0].guid, msg.code);
    assert.equal(ok.status, 200);
    assert.deepEqual((await ok.json()).amr, ['sms']);
    assert.ok(r.requests.every((q) => q.valid));
  });
});

describe('webhookSender failures', () => {
  test('a receiver answering 500 makes the send reject, without the query string', async () => {
    const { r, url } = await receiver(500);
    const err = await webhookSender({ url, secret: SECRET }).sendSms(sms).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'rejected');
    assert.match(err.message, /500/);
    assert.ok(!errorText(err).includes(TOKEN), errorText(err));
    assert.equal(r.requests.length, 1, 'one attempt, no retry behind the user’s back');
  });

  test('an unreachable URL (closed port) rejects quickly, without the query string', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook?token=${TOKEN}`;
    // A timeout longer than the test's own: rejecting at all means the refused connection, not the timeout.
    const err = await webhookSender({ url, secret: SECRET, timeoutMs: 600_000 }).sendSms(sms).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'rejected');
    assert.doesNotMatch(errorWords(err), /timeout|abort/i, errorWords(err));
    assert.ok(!errorText(err).includes(TOKEN), errorText(err));
  });

  test('a receiver that never answers is given up on after timeoutMs', async () => {
    const { r, url } = await receiver('hang');
    const err = await webhookSender({ url, secret: SECRET, timeoutMs: 300 }).sendSms(sms).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'rejected');
    // The receiver got the request and never answered: only the timeout can have ended the send.
    assert.equal(r.requests.length, 1);
    assert.match(errorWords(err), /timeout|abort/i, errorWords(err));
    assert.ok(!errorText(err).includes(TOKEN), errorText(err));
  });

  test('through the server: 500 → deliveryFailed (no 5xx), nothing leaks to the log; a later resend delivers', async () => {
    const { r, status, url } = await receiver(204);
    const sender = webhookSender({ url, secret: SECRET });
    const h = makeServer({ sms: sender });
    const warnings: string[] = [];
    h.mfa.context.logger = { warn: (m) => void warnings.push(m) };
    const e = await (await h.post('/mfa/factors', { type: 'phone', phone: '+1 (555) 123-4567' }, A)).json();
    assert.equal((await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: JSON.parse(r.requests.at(-1)!.body).code }, A)).status, 200);

    status.value = 500;
    const res = await h.post('/mfa/challenges', PAY, A);
    assert.equal(res.status, 201);
    const ch = await res.json();
    assert.equal(ch.challenges[0].deliveryFailed, true);
    assert.equal(warnings.length, 1);
    const failedCode = JSON.parse(r.requests.at(-1)!.body).code;
    assert.ok(!warnings[0]!.includes(TOKEN) && !warnings[0]!.includes(failedCode) && !warnings[0]!.includes('5551234567'), warnings[0]);

    status.value = 204;
    const resent = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(resent.status, 200);
    const code = JSON.parse(r.requests.at(-1)!.body).code;
    assert.equal((await h.resume(A, ch.challengeId, ch.challenges[0].guid, code)).status, 200);
  });

  test('through the server: an unreachable provider → deliveryFailed, and the log holds no query string', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook?token=${TOKEN}`;
    const sender = webhookSender({ url, secret: SECRET, timeoutMs: 2_000 });
    const h = makeServer({ sms: sender });
    const warnings: string[] = [];
    h.mfa.context.logger = { warn: (m) => void warnings.push(m) };
    const res = await h.post('/mfa/factors', { type: 'phone', phone: '+1 (555) 123-4567' }, A);
    assert.equal(res.status, 201);
    const e = await res.json();
    assert.equal(e.deliveryFailed, true);
    assert.equal(e.resendAfter, 0);
    assert.equal(warnings.length, 1);
    assert.ok(!warnings[0]!.includes(TOKEN), warnings[0]);
    // The pending factor cannot be confirmed with a guess, and nothing was listed.
    await expectError(await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: '000000' }, A), 403, 'invalid_code');
    assert.equal((await h.listFactors(A)).factors.length, 0);
  });
});
