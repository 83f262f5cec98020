// No secret in any audit trail (docs/security.md, docs/operating.md "Audit events and webhooks"): a full flow — enroll, confirm,
// step-ups, wrong and replayed codes, a lockout, a recovery code, a second factor, regeneration,
// tokens, trackUserAction — runs with a custom sink, pino on a captured stream and a webhook
// receiver that takes every event type. Then every stored event, sink event, log line, webhook
// body and header, and every audit warning is scanned for the TOTP secrets (base32 and hex),
// every code sent, every recovery code (formatted and canonical), every JWT (and anything
// `eyJ`-shaped), and the encryption key. None may appear.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { AuditEvent, AuditLogger, AuditSink } from '../../src/server/index.js';
import { pinoSink } from '../../src/server/index.js';
import { base32Decode } from '../../src/server/totp/base32.js';
import { expectError, makeServer } from './harness.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'whsec_audit_secrets_0123456789abcdef';
const ALL_TYPES = [
  'verify.success', 'verify.failure', 'verify.replay', 'factor.locked', 'factor.enrolled', 'factor.renamed', 'factor.removed',
  'recovery.issued', 'recovery.used', 'recovery.regenerated', 'token.issued', 'session.cleared', 'rate_limited', 'user.action',
];
const PAY = { resource: 'payments', action: 'transfer' };

let receiver: Receiver | undefined;
after(async () => receiver?.close());

/** What must never appear, each with a name for the failure message. */
class Needles {
  readonly exact: { name: string; value: string }[] = [];
  readonly codes = new Set<string>();

  add(name: string, value: string) {
    assert.ok(value.length >= 8, `${name} is long enough to search for`);
    this.exact.push({ name, value: value.toLowerCase() });
  }

  /** Every finding in `text` (case-insensitive substrings; codes as whole tokens; JWT shapes). */
  find(text: string): string[] {
    const lower = text.toLowerCase();
    const found = this.exact.filter((n) => lower.includes(n.value)).map((n) => n.name);
    for (const code of this.codes) {
      if (new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(text)) found.push(`code ${code}`);
    }
    for (const m of text.matchAll(/eyJ[A-Za-z0-9_-]{4,}/g)) found.push(`JWT-looking ${m[0].slice(0, 12)}…`);
    return found;
  }
}

describe('audit trails hold no secret', () => {
  it('store, custom sink, pino lines, webhook bodies and warnings: no secret, code, recovery code, token or key', async () => {
    const needles = new Needles();
    const encryptionKey = randomBytes(32);
    needles.add('encryption key (hex)', encryptionKey.toString('hex'));
    needles.add('encryption key (base64)', encryptionKey.toString('base64'));
    needles.add('encryption key (base64url)', encryptionKey.toString('base64url'));
    needles.add('webhook secret', WEBHOOK_SECRET);

    const sinkEvents: AuditEvent[] = [];
    const sink: AuditSink = { name: 'collector', write: (e) => void sinkEvents.push(e) };
    let logText = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        logText += chunk.toString();
        done();
      },
    });
    const warnings: unknown[] = [];
    const logger: AuditLogger = { warn: (details, message) => void warnings.push({ details, message }) };

    let h!: ReturnType<typeof makeServer>;
    receiver = await startReceiver({ secret: WEBHOOK_SECRET, now: () => h.now() });
    h = makeServer({
      encryptionKey,
      rateLimits: { challengesPerUser: { limit: 25, windowMs: 60 * 60_000 }, challengesPerIp: false },
      audit: {
        sinks: [sink, pinoSink({ destination: stream })],
        webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET, events: ALL_TYPES, backoffMs: 5 }],
        logger,
      },
    });

    /** Sends a code and remembers it. */
    const use = (code: string) => {
      needles.codes.add(code);
      return code;
    };
    const tokens: string[] = [];
    const rememberToken = (token: string) => {
      tokens.push(token);
      needles.add(`JWT #${tokens.length}`, token);
      needles.add(`JWT #${tokens.length} signature`, token.split('.')[2]!);
    };
    const rememberSecret = (name: string, secret: string) => {
      needles.add(`${name} (base32)`, secret);
      needles.add(`${name} (base32, no padding)`, secret.replace(/=+$/, ''));
      needles.add(`${name} (hex)`, Buffer.from(base32Decode(secret)).toString('hex'));
      needles.add(`${name} (base64)`, Buffer.from(base32Decode(secret)).toString('base64'));
    };
    const rememberRecovery = (codes: string[]) => {
      for (const c of codes) {
        needles.add(`recovery code ${c}`, c);
        needles.add(`recovery code ${c} (canonical)`, c.replace(/-/g, '').toUpperCase());
      }
    };
    const stepUp = async (user: string, secret: string, resource: string, action: string) => {
      h.advance(30_000);
      const res = await h.answer(user, { resource, action }, use(h.code(secret)));
      assert.equal(res.status, 200, await res.clone().text());
      const body = await res.json();
      rememberToken(body.token);
      return body;
    };

    // Enroll and confirm the first factor (the confirm code is a code too).
    const enrollRes = await h.post('/mfa/factors', { type: 'totp', label: 'Phone' }, 'alice');
    assert.equal(enrollRes.status, 201);
    const first = await enrollRes.json();
    rememberSecret('first TOTP secret', first.secret);
    const confirm = await h.post(`/mfa/factors/${first.factorId}/confirm`, { code: use(h.code(first.secret)) }, 'alice');
    assert.equal(confirm.status, 200);
    const { recoveryCodes } = await confirm.json();
    rememberRecovery(recoveryCodes);

    // Step-ups, wrong codes, a replayed code, a malformed one.
    await stepUp('alice', first.secret, 'payments', 'transfer');
    await stepUp('alice', first.secret, 'account', 'delete');
    for (let i = 0; i < 3; i++) await expectError(await h.answer('alice', PAY, use(h.wrongCode(first.secret))), 403, 'invalid_code');
    h.advance(30_000);
    const once = use(h.code(first.secret));
    const ok = await h.answer('alice', PAY, once);
    assert.equal(ok.status, 200);
    rememberToken((await ok.json()).token);
    await expectError(await h.answer('alice', PAY, once), 403, 'code_used'); // replay (counted, distinct message)
    await expectError(await h.answer('alice', PAY, '12 34 5x'), 400, 'malformed_code');

    // The tokens work on guarded routes (and are still not logged anywhere).
    assert.equal((await h.post('/api/transfer', {}, 'alice', { 'step-up-token': tokens[0] })).status, 200);

    // A recovery code.
    const rec = await h.answer('alice', { ...PAY, factorType: 'recovery' }, recoveryCodes[3]);
    assert.equal(rec.status, 200);
    rememberToken((await rec.json()).token);
    await expectError(await h.answer('alice', { ...PAY, factorType: 'recovery' }, recoveryCodes[3]), 403, 'invalid_code');

    // A second factor (needs mfa/manage), a rename, regeneration, removal.
    const manage = await stepUp('alice', first.secret, 'mfa', 'manage');
    const withManage = { 'step-up-token': manage.token };
    const second = await (await h.request('POST', '/mfa/factors', { body: { type: 'totp' }, user: 'alice', headers: withManage })).json();
    rememberSecret('second TOTP secret', second.secret);
    h.advance(30_000);
    assert.equal((await h.post(`/mfa/factors/${second.factorId}/confirm`, { code: use(h.code(second.secret)) }, 'alice', withManage)).status, 200);
    assert.equal((await h.request('PATCH', `/mfa/factors/${second.factorId}`, { body: { label: 'Tablet' }, user: 'alice' })).status, 200);
    const regen = await h.request('POST', '/mfa/recovery-codes', { body: {}, user: 'alice', headers: withManage });
    assert.equal(regen.status, 201);
    const newCodes: string[] = (await regen.json()).recoveryCodes;
    rememberRecovery(newCodes);
    assert.equal((await h.request('DELETE', `/mfa/factors/${second.factorId}`, { body: {}, user: 'alice', headers: withManage })).status, 204);
    const rec2 = await h.answer('alice', { ...PAY, factorType: 'recovery' }, newCodes[0].toUpperCase().replace(/-/g, ' '));
    assert.equal(rec2.status, 200);
    rememberToken((await rec2.json()).token);

    // trackUserAction, logout.
    assert.equal((await h.post('/mfa/audit', { tag: 'payment:transfer', severity: 'high', status: true, metadata: { amount: 1000, currency: 'EUR' }, webhookNotification: true }, 'alice')).status, 204);
    assert.equal((await h.del('/mfa/session', 'alice')).status, 204);

    // Another user gets locked out, then rate-limited.
    const mallory = await h.post('/mfa/factors', { type: 'totp' }, 'mallory');
    const m = await mallory.json();
    rememberSecret('mallory TOTP secret', m.secret);
    const mConfirm = await h.post(`/mfa/factors/${m.factorId}/confirm`, { code: use(h.code(m.secret)) }, 'mallory');
    rememberRecovery((await mConfirm.json()).recoveryCodes);
    for (let i = 0; i < 9; i++) await expectError(await h.answer('mallory', PAY, use(h.wrongCode(m.secret))), 403, 'invalid_code');
    await expectError(await h.answer('mallory', PAY, use(h.wrongCode(m.secret))), 423, 'locked');
    for (let i = 0; i < 15; i++) await h.post('/mfa/challenges', PAY, 'mallory');
    await expectError(await h.post('/mfa/challenges', PAY, 'mallory'), 429, 'rate_limited');

    assert.ok(await h.mfa.context.audit.flush(10_000), 'every webhook delivered');
    await new Promise((r) => setImmediate(r));

    // The corpora are complete, so finding nothing means something.
    const storedEvents = [...(await h.mfa.context.audit.list('alice', 10_000)), ...(await h.mfa.context.audit.list('mallory', 10_000))];
    const seenTypes = new Set(storedEvents.map((e) => e.type));
    assert.deepEqual([...seenTypes].sort(), [...ALL_TYPES].sort(), 'the flow produced every event type');
    assert.equal(sinkEvents.length, storedEvents.length);
    const logLines = logText.split('\n').filter(Boolean);
    assert.equal(logLines.length, storedEvents.length);
    assert.equal(receiver.requests.length, storedEvents.length);
    assert.ok(receiver.requests.every((r) => r.valid && r.status === 204));
    assert.equal(tokens.length, 6);
    assert.ok(needles.codes.size >= 8, `${needles.codes.size} distinct codes sent`);

    const corpora: [string, string[]][] = [
      ['stored event', storedEvents.map((e) => JSON.stringify(e))],
      ['sink event', sinkEvents.map((e) => JSON.stringify(e))],
      ['log line', logLines],
      ['webhook body', receiver.requests.map((r) => r.body)],
      ['webhook headers', receiver.requests.map((r) => JSON.stringify(Object.entries(r.headers).filter(([k]) => k.startsWith('mfa-webhook'))))],
      ['audit warning', warnings.map((w) => JSON.stringify(w))],
    ];
    const findings: string[] = [];
    for (const [kind, texts] of corpora) {
      texts.forEach((text, i) => {
        for (const f of needles.find(text)) findings.push(`${kind} #${i}: ${f}`);
      });
    }
    assert.deepEqual(findings, []);

    // The scanner itself works: each kind of needle is found when it is there.
    const planted = `{"a":"${first.secret}","b":"${[...needles.codes][0]}","c":"${recoveryCodes[0].toUpperCase()}","d":"${tokens[0]}","e":"${encryptionKey.toString('hex')}"}`;
    const caught = needles.find(planted);
    for (const kind of ['first TOTP secret', 'code ', 'recovery code', 'JWT #1', 'JWT-looking', 'encryption key']) {
      assert.ok(caught.some((f) => f.startsWith(kind)), `scanner finds ${kind}`);
    }

    await h.mfa.close();
  });
});
