/**
 * Phone (SMS / voice) and email factors over HTTP (docs/server.md "HTTP protocol", docs/server.md "Factors", docs/security.md), with a real dev `Outbox`
 * as both senders: enrollment, masking, sealing at rest, sent codes (6 digits, single use, bound
 * to one challenge, ≤ 10 minutes), resend rules, lockout across resends, sender failures,
 * choosing among several phones, factor order, and the "recovery code used" notice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { MfaServerOptions } from '../../src/server/config.js';
import { Outbox, type EmailMessage, type SmsMessage } from '../../src/server/delivery/senders.js';
import { STEP_MS, codeIn, expectError, latestCode, makeServer, otherCode, type Harness } from './harness.js';

const A = 'alice';
const B = 'bob';
const PAY = { resource: 'payments', action: 'transfer' } as const;
const MANAGE = { resource: 'mfa', action: 'manage' } as const;
const PHONE = '+1 (555) 123-4567';
const E164 = '+15551234567';
const MASKED = '+1 ••• 4567';
const PHONE2 = '+1 555 987 6543';
const E164_2 = '+15559876543';
const MASKED2 = '+1 ••• 6543';
const EMAIL = 'anna@example.com';
const json = async (res: Response): Promise<any> => res.json();

/** A server whose SMS and email go to one Outbox; sender warnings are captured, not printed. */
function setup(overrides: Partial<MfaServerOptions> = {}) {
  const outbox = new Outbox();
  const h = makeServer({ sms: outbox, email: outbox, ...overrides });
  const warnings: string[] = [];
  h.mfa.context.logger = { warn: (m) => void warnings.push(m) };
  return { h, outbox, warnings };
}

/** POST /mfa/factors then confirm with the code from the outbox. */
async function enrollContact(h: Harness, outbox: Outbox, user: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  const res = await h.post('/mfa/factors', body, user, headers);
  assert.equal(res.status, 201, `enroll: ${res.status} ${await res.clone().text()}`);
  const enrollment = await json(res);
  const confirm = await h.post(`/mfa/factors/${enrollment.factorId}/confirm`, { code: latestCode(outbox, user) }, user, headers);
  assert.equal(confirm.status, 200, `confirm: ${confirm.status} ${await confirm.clone().text()}`);
  const confirmed = await json(confirm);
  return { factorId: enrollment.factorId as string, enrollment, confirmed, recoveryCodes: confirmed.recoveryCodes as string[] | undefined };
}

/** POST /mfa/challenges that sends a code; returns the answer and the code from the outbox. */
async function sentChallenge(h: Harness, outbox: Outbox, user: string, body: Record<string, unknown>) {
  const before = outbox.list(user).length;
  const res = await h.post('/mfa/challenges', body, user);
  assert.equal(res.status, 201, `challenge: ${res.status} ${await res.clone().text()}`);
  const ch = await json(res);
  assert.equal(ch.status, 'CHALLENGED');
  assert.equal(outbox.list(user).length, before + 1, 'one message sent');
  return { ch, step: ch.challenges[0], code: latestCode(outbox, user) };
}

/** A step-up token for mfa/manage proven with the user's only phone. */
async function manageTokenByPhone(h: Harness, outbox: Outbox, user: string): Promise<string> {
  const { ch, step, code } = await sentChallenge(h, outbox, user, { ...MANAGE, factorType: 'phone' });
  const res = await h.resume(user, ch.challengeId, step.guid, code);
  assert.equal(res.status, 200, `manage step-up: ${res.status} ${await res.clone().text()}`);
  return (await json(res)).token;
}

/** A sender that throws while `failing` is set, else forwards to the outbox. */
function flakySender(outbox: Outbox) {
  const s = {
    failing: false,
    calls: 0,
    async sendSms(m: SmsMessage) {
      s.calls++;
      if (s.failing) throw new Error('provider down');
      await outbox.sendSms(m);
    },
    async sendEmail(m: EmailMessage) {
      s.calls++;
      if (s.failing) throw new Error('provider down');
      await outbox.sendEmail(m);
    },
  };
  return s;
}

describe('phone and email enrollment', () => {
  test('enroll a phone: masked answer, restricted notice, WebOTP line, recovery codes, listed with the masked label', async () => {
    const { h, outbox } = setup();
    const res = await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A);
    assert.equal(res.status, 201);
    const e = await json(res);
    assert.deepEqual(e, { factorId: e.factorId, type: 'phone', sentTo: MASKED, resendAfter: 30, notice: 'restricted' });
    assert.equal(typeof e.factorId, 'string');

    const [sms] = outbox.list(A);
    assert.equal(outbox.list(A).length, 1);
    assert.equal(sms!.channel, 'sms');
    assert.equal(sms!.to, E164);
    const code = codeIn(sms!.text);
    assert.match(code, /^[0-9]{6}$/);
    assert.ok(sms!.text.endsWith(`\n\n@localhost #${code}`), `WebOTP line missing: ${JSON.stringify(sms!.text)}`);
    assert.ok(sms!.text.startsWith(`${code} `));

    // Pending: not listed yet; the answer never echoes the number.
    assert.equal((await h.listFactors(A)).factors.length, 0);
    assert.ok(!JSON.stringify(e).includes('5551234567'));

    const confirm = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code }, A);
    assert.equal(confirm.status, 200);
    const c = await json(confirm);
    assert.equal(c.recoveryCodes.length, 10);
    assert.equal(c.notice, 'restricted', 'a phone alone is the weakest kind');
    assert.equal(c.factor.id, e.factorId);
    assert.equal(c.factor.type, 'phone');
    assert.equal(c.factor.label, MASKED);

    const list = await json(await h.get('/mfa/factors', A));
    assert.deepEqual(list.factors.map((f: any) => [f.id, f.type, f.label]), [[e.factorId, 'phone', MASKED]]);
    assert.deepEqual(list.factors[0], c.factor, 'the confirm answer and the list agree (lastUsedAt included)');
    assert.equal(list.recoveryCodesLeft, 10);
    assert.deepEqual(list.available, ['totp', 'webauthn', 'phone', 'email']);

    // The number is sealed at rest: the stored row does not hold its digits in any common form.
    const row = (await h.store.getFactor(A, e.factorId))!;
    for (const needle of [E164, '15551234567', '5551234567', '555-123-4567', '1234567']) {
      assert.ok(!row.secretEnc.includes(needle), `${needle} in secretEnc`);
      assert.ok(!row.label.includes(needle), `${needle} in label`);
    }
    assert.ok(row.secretEnc.startsWith('v1.'), 'sealed');
    // …and neither the number nor the code is in any audit event.
    const events = JSON.stringify(await h.store.listAuditEvents(A, 100));
    assert.ok(events.includes('code.sent'));
    assert.ok(!events.includes('5551234567'));
    assert.ok(!events.includes(code));

    // The enrollment's code challenge is not a step-up challenge.
    await expectError(await h.resume(A, `enroll:${e.factorId}`, e.factorId, code), 404, 'not_found');
    // The code was single use: confirming again is a state error.
    await expectError(await h.post(`/mfa/factors/${e.factorId}/confirm`, { code }, A), 409, 'conflict');
  });

  test('the WebOTP line names the hostname of the request Origin (no scheme, no port)', async () => {
    const origin = 'https://bank.example:8443';
    const { h, outbox } = setup({ origins: [origin] });
    const res = await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A, { origin });
    assert.equal(res.status, 201);
    const text = outbox.list(A)[0]!.text;
    assert.ok(text.endsWith(`\n\n@bank.example #${codeIn(text)}`), text);
    // A foreign Origin is refused before anything is sent.
    await expectError(await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A, { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    assert.equal(outbox.list(A).length, 1);
  });

  test('the number is not readable in the SQLite files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-phone-at-rest-'));
    const saved = process.env.MFA_ENCRYPTION_KEY;
    delete process.env.MFA_ENCRYPTION_KEY;
    try {
      const outbox = new Outbox();
      const h = makeServer({ store: undefined, encryptionKey: undefined, dataDir: dir, sms: outbox, email: outbox });
      const phone = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
      const mail = await enrollContact(h, outbox, B, { type: 'email', email: EMAIL });
      await h.mfa.close();
      const files = readdirSync(dir).filter((f) => f.startsWith('mfa.db'));
      const all = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
      assert.ok(all.includes(Buffer.from(phone.factorId)) && all.includes(Buffer.from(mail.factorId)), 'rows found (control)');
      for (const needle of ['5551234567', '555-123-4567', EMAIL, 'anna@']) {
        assert.equal(all.indexOf(Buffer.from(needle)), -1, `${needle} found in the database`);
      }
    } finally {
      if (saved === undefined) delete process.env.MFA_ENCRYPTION_KEY;
      else process.env.MFA_ENCRYPTION_KEY = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('invalid numbers → 400 invalid_phone, nothing stored or sent; invalid email → 400 malformed_request', async () => {
    const { h, outbox } = setup();
    for (const phone of ['555-1234', '+0123', '+1 555 abc', '12345678901234567890', '+12345678901234567890', '+1 555', '++15551234567']) {
      const body = await expectError(await h.post('/mfa/factors', { type: 'phone', phone }, A), 400, 'invalid_phone');
      if (phone.length > 8) assert.ok(!body.error.message.includes(phone), 'the input is not echoed');
    }
    for (const email of ['not-an-email', 'a@', '@example.com', 'a b@example.com']) {
      await expectError(await h.post('/mfa/factors', { type: 'email', email }, A), 400, 'malformed_request');
    }
    await expectError(await h.post('/mfa/factors', { type: 'phone' }, A), 400, 'malformed_request');
    await expectError(await h.post('/mfa/factors', { type: 'phone', phone: PHONE, channel: 'pigeon' }, A), 400, 'malformed_request');
    assert.deepEqual(await h.store.listFactors(A), []);
    assert.equal(outbox.list().length, 0);
  });

  test('without a sender the factor type is unsupported (400) and not offered', async () => {
    const h = makeServer();
    await expectError(await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A), 400, 'unsupported_factor');
    await expectError(await h.post('/mfa/factors', { type: 'email', email: EMAIL }, A), 400, 'unsupported_factor');
    assert.deepEqual((await h.listFactors(A) as any).available, ['totp', 'webauthn']);
    assert.deepEqual(await h.store.listFactors(A), []);

    const smsOnly = makeServer({ sms: new Outbox() });
    await expectError(await smsOnly.post('/mfa/factors', { type: 'email', email: EMAIL }, A), 400, 'unsupported_factor');
    assert.deepEqual((await smsOnly.listFactors(A) as any).available, ['totp', 'webauthn', 'phone']);
  });

  test('an enrollment code older than 10 minutes is refused (403, counted); a resent code confirms', async () => {
    const { h, outbox } = setup();
    const e = await json(await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A));
    const old = latestCode(outbox, A);
    const early = await expectError(await h.post(`/mfa/factors/${e.factorId}/resend`, {}, A), 429, 'rate_limited');
    assert.equal(early.error.retryAfter, 30);
    h.advance(10 * 60_000);
    const body = await expectError(await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: old }, A), 403, 'invalid_code');
    assert.equal(body.error.attemptsLeft, 9);
    const resent = await h.post(`/mfa/factors/${e.factorId}/resend`, {}, A);
    assert.equal(resent.status, 200);
    assert.equal((await json(resent)).resendAfter, 30);
    const fresh = latestCode(outbox, A);
    const ok = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: fresh }, A);
    assert.equal(ok.status, 200);
    assert.equal((await json(ok)).recoveryCodes.length, 10);
  });

  test('email: the domain is lower-cased, the answer masked; the code is in the subject and the text', async () => {
    const { h, outbox } = setup();
    const res = await h.post('/mfa/factors', { type: 'email', email: 'Anna@Example.COM' }, A);
    assert.equal(res.status, 201);
    const e = await json(res);
    assert.deepEqual(e, { factorId: e.factorId, type: 'email', sentTo: 'A•••@example.com', resendAfter: 30 });
    const [mail] = outbox.list(A);
    assert.equal(mail!.channel, 'email');
    assert.equal(mail!.to, 'Anna@example.com');
    const code = codeIn(mail!.text);
    assert.ok(mail!.subject!.startsWith(`${code} `));
    assert.ok(!mail!.text.includes('@localhost #'), 'no WebOTP line in email');
  });
});

describe('phone step-up', () => {
  test('a 6-digit code, accepted once; token amr ["sms"]', async () => {
    const { h, outbox } = setup();
    const p = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch, step, code } = await sentChallenge(h, outbox, A, PAY);
    assert.deepEqual(ch.factor, { id: p.factorId, type: 'phone', label: MASKED });
    assert.deepEqual(ch.factors.map((f: any) => f.type), ['phone', 'recovery']);
    assert.deepEqual(step, {
      guid: step.guid, type: 'code', label: `Enter the code sent to ${MASKED}`, fieldName: 'code', length: 6, inputMode: 'numeric', sentTo: MASKED, resendAfter: 30,
    });
    assert.match(code, /^[0-9]{6}$/);
    const sms = outbox.list(A)[0]!;
    assert.ok(sms.text.endsWith(`@localhost #${code}`));
    assert.ok(!JSON.stringify(ch).includes(code), 'the code is never in the answer');

    // Malformed codes are 400 and do not count.
    for (const bad of ['12345', '1234567', 'abcdef', '١٢٣٤٥٦', '１２３４５６']) {
      await expectError(await h.resume(A, ch.challengeId, step.guid, bad), 400, 'malformed_code');
    }
    assert.equal((await h.store.getFailureState(A, p.factorId)).failures, 0);

    const ok = await h.resume(A, ch.challengeId, step.guid, ` ${code.slice(0, 3)} ${code.slice(3)} `);
    assert.equal(ok.status, 200);
    const v = await json(ok);
    assert.equal(v.status, 'VERIFIED');
    assert.equal(v.acr, 'mfa');
    assert.deepEqual(v.amr, ['sms']);
    assert.deepEqual(decodeJwt(v.token).amr, ['sms']);
    assert.equal((await h.request('POST', '/api/transfer', { user: A, headers: { 'step-up-token': v.token } })).status, 200);

    // Used once: the same challenge is gone.
    await expectError(await h.resume(A, ch.challengeId, step.guid, code), 404, 'not_found');
    // lastUsedAt is recorded.
    assert.equal((await h.listFactors(A)).factors[0]!.lastUsedAt, new Date(h.now()).toISOString());
  });

  test('voice channel: no WebOTP line, amr ["tel"]', async () => {
    const { h, outbox } = setup({ smsPolicy: { voice: true } }); // voice is opt-in (SMS pumping)
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE, channel: 'voice' });
    const { ch, step, code } = await sentChallenge(h, outbox, A, PAY);
    const call = outbox.list(A)[0]!;
    assert.equal(call.channel, 'voice');
    assert.equal(call.to, E164);
    assert.ok(!call.text.includes('#'), `voice text has a WebOTP line: ${call.text}`);
    const v = await json(await h.resume(A, ch.challengeId, step.guid, code));
    assert.deepEqual(v.amr, ['tel']);
    assert.deepEqual(decodeJwt(v.token).amr, ['tel']);
  });

  test('email factor: amr ["email"]', async () => {
    const { h, outbox } = setup();
    await enrollContact(h, outbox, A, { type: 'email', email: EMAIL });
    const { ch, step, code } = await sentChallenge(h, outbox, A, PAY);
    assert.equal(step.sentTo, 'a•••@example.com');
    assert.equal(outbox.list(A)[0]!.to, EMAIL);
    const v = await json(await h.resume(A, ch.challengeId, step.guid, code));
    assert.equal(v.status, 'VERIFIED');
    assert.deepEqual(v.amr, ['email']);
  });

  test('a challenge expires after 5 minutes (410), even with its right code', async () => {
    const { h, outbox } = setup();
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch, step, code } = await sentChallenge(h, outbox, A, PAY);
    assert.equal(ch.expiresAt, new Date(h.now() + 5 * 60_000).toISOString());
    h.advance(5 * 60_000 - 1);
    const late = await sentChallenge(h, outbox, A, PAY);
    h.advance(1);
    await expectError(await h.resume(A, ch.challengeId, step.guid, code), 410, 'expired');
    await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 404, 'not_found');
    // The second challenge (1 ms younger) still works.
    assert.equal((await h.resume(A, late.ch.challengeId, late.step.guid, late.code)).status, 200);
  });

  test("challenge A's code on challenge B → 403 invalid_code, counted", async () => {
    const { h, outbox } = setup();
    const p = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const a = await sentChallenge(h, outbox, A, PAY);
    const b = await sentChallenge(h, outbox, A, PAY);
    const wrong = await expectError(await h.resume(A, b.ch.challengeId, b.step.guid, a.code), 403, 'invalid_code');
    assert.equal(wrong.error.attemptsLeft, 9);
    assert.equal((await h.store.getFailureState(A, p.factorId)).failures, 1);
    const wrong2 = await expectError(await h.resume(A, b.ch.challengeId, b.step.guid, otherCode(b.code)), 403, 'invalid_code');
    assert.equal(wrong2.error.attemptsLeft, 8);
    // Each challenge still takes its own code.
    assert.equal((await h.resume(A, b.ch.challengeId, b.step.guid, b.code)).status, 200);
    assert.equal((await h.resume(A, a.ch.challengeId, a.step.guid, a.code)).status, 200);
  });

  test('another user cannot answer or resend my challenge (404, like an unknown id)', async () => {
    const { h, outbox } = setup();
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    await enrollContact(h, outbox, B, { type: 'phone', phone: PHONE2 });
    const a = await sentChallenge(h, outbox, A, PAY);
    h.advance(30_000);
    await expectError(await h.resume(B, a.ch.challengeId, a.step.guid, a.code), 404, 'not_found');
    await expectError(await h.post(`/mfa/challenges/${a.ch.challengeId}/resend`, {}, B), 404, 'not_found');
    assert.equal(outbox.list(B).length, 1, 'nothing sent to B');
    assert.equal((await h.resume(A, a.ch.challengeId, a.step.guid, a.code)).status, 200);
  });
});

describe('resend', () => {
  test('429 before 30 s; afterwards a new code for the same challenge, and the old one stops working', async () => {
    const { h, outbox } = setup();
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch, step, code: first } = await sentChallenge(h, outbox, A, PAY);
    const early = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(early.headers.get('retry-after'), '30');
    assert.equal((await expectError(early, 429, 'rate_limited')).error.retryAfter, 30);
    h.advance(10_000);
    assert.equal((await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 429, 'rate_limited')).error.retryAfter, 20);
    assert.equal(outbox.list(A).length, 2, 'no message sent by refused resends');

    h.advance(20_000);
    const res = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(res.status, 200);
    const again = await json(res);
    assert.equal(again.status, 'CHALLENGED');
    assert.equal(again.challengeId, ch.challengeId);
    assert.equal(again.challenges[0].guid, step.guid);
    assert.equal(again.challenges[0].sentTo, MASKED);
    assert.equal(again.challenges[0].resendAfter, 30);
    assert.equal(again.expiresAt, ch.expiresAt, 'a resend does not extend the challenge');
    assert.equal(outbox.list(A).length, 3);
    const second = latestCode(outbox, A);

    if (second !== first) {
      const old = await expectError(await h.resume(A, ch.challengeId, step.guid, first), 403, 'invalid_code');
      assert.equal(old.error.attemptsLeft, 9);
    }
    const ok = await h.resume(A, ch.challengeId, step.guid, second);
    assert.equal(ok.status, 200);
  });

  test('failures survive a resend; lockout at 10 (423), and a locked factor gets no new code', async () => {
    const { h, outbox } = setup();
    const p = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch, step, code } = await sentChallenge(h, outbox, A, PAY);
    const left: number[] = [];
    for (let i = 0; i < 3; i++) {
      left.push((await expectError(await h.resume(A, ch.challengeId, step.guid, otherCode(code)), 403, 'invalid_code')).error.attemptsLeft!);
    }
    h.advance(30_000);
    assert.equal((await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A)).status, 200);
    const fresh = latestCode(outbox, A);
    for (let i = 0; i < 6; i++) {
      left.push((await expectError(await h.resume(A, ch.challengeId, step.guid, otherCode(fresh)), 403, 'invalid_code')).error.attemptsLeft!);
    }
    assert.deepEqual(left, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const locked = await expectError(await h.resume(A, ch.challengeId, step.guid, otherCode(fresh)), 423, 'locked');
    assert.equal(locked.error.retryAfter, 15 * 60);
    // Locked: even the right code is refused, and no code is sent.
    await expectError(await h.resume(A, ch.challengeId, step.guid, fresh), 423, 'locked');
    h.advance(30_000);
    const sent = outbox.list(A).length;
    await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 423, 'locked');
    await expectError(await h.post('/mfa/challenges', { ...PAY, factorType: 'phone' }, A), 423, 'locked');
    assert.equal(outbox.list(A).length, sent, 'nothing sent while locked');
    const events = (await h.store.listAuditEvents(A, 100)).map((e) => e.type);
    assert.ok(events.includes('factor.locked'));
    assert.ok((await h.store.getFailureState(A, p.factorId)).lockedUntil > h.now());
  });

  test('at most 5 codes per challenge: the 6th send → 429', async () => {
    // 6 codes to one number (enrollment + 5) would trip the per-destination send budget (5 / hour) first.
    const { h, outbox } = setup({ sendBudgets: { perDestination: false } });
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch, step } = await sentChallenge(h, outbox, A, PAY);
    let last: any;
    for (let i = 2; i <= 5; i++) {
      h.advance(30_000);
      const res = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
      assert.equal(res.status, 200, `send ${i}`);
      last = await json(res);
    }
    assert.equal(last.challenges[0].resendAfter, undefined, 'no resend offered after the 5th code');
    h.advance(30_000);
    const sent = outbox.list(A).length;
    const sixth = await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 429, 'rate_limited');
    assert.equal(typeof sixth.error.retryAfter, 'number');
    assert.equal(outbox.list(A).length, sent);
    // The 5th code still works.
    assert.equal((await h.resume(A, ch.challengeId, step.guid, latestCode(outbox, A))).status, 200);
  });

  test('the resend endpoint refuses a TOTP challenge (409) and unknown ids (404)', async () => {
    const { h } = setup();
    await h.enrollTotp(A);
    const ch = await h.startChallenge(A, PAY);
    await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 409, 'conflict');
    await expectError(await h.post('/mfa/challenges/nope/resend', {}, A), 404, 'not_found');
  });
});

describe('racing requests send one message', () => {
  test('20 resends at once: exactly one is answered 200 and exactly one SMS goes out', async () => {
    // Every racer spends the send budgets before the compare-and-set; this test is about the latter.
    const { h, outbox } = setup({ sendBudgets: { perUser: false, perDestination: false } });
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const { ch } = await sentChallenge(h, outbox, A, PAY);
    h.advance(30_000);
    const before = outbox.list(A).length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A)));
    assert.equal(answers.filter((r) => r.status === 200).length, 1);
    for (const r of answers.filter((x) => x.status !== 200)) await expectError(r, 409, 'conflict');
    assert.equal(outbox.list(A).length, before + 1, 'one SMS, not twenty');
  });

  test('20 choices of a phone at once: one SMS', async () => {
    const { h, outbox } = setup();
    const p1 = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const token = await manageTokenByPhone(h, outbox, A);
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE2 }, { 'step-up-token': token });
    const ch = await json(await h.post('/mfa/challenges', { ...PAY, factorType: 'phone' }, A));
    const before = outbox.list(A).length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.resume(A, ch.challengeId, ch.challenges[0].guid, p1.factorId)));
    assert.equal(answers.filter((r) => r.status === 200).length, 1);
    assert.equal(outbox.list(A).length, before + 1, 'one SMS, not twenty');
  });
});

describe('sender failure', () => {
  test('a throwing sender → 201 with deliveryFailed, never a 5xx; a resend delivers and the challenge works', async () => {
    const outbox = new Outbox();
    const sender = flakySender(outbox);
    const { h, warnings } = setup({ sms: sender, email: sender });

    // During enrollment.
    sender.failing = true;
    const res = await h.post('/mfa/factors', { type: 'phone', phone: PHONE }, A);
    assert.equal(res.status, 201);
    const e = await json(res);
    assert.equal(e.deliveryFailed, true);
    assert.equal(e.resendAfter, 0, 'resend at once after a failure');
    sender.failing = false;
    assert.equal((await h.post(`/mfa/factors/${e.factorId}/resend`, {}, A)).status, 200);
    assert.equal((await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: latestCode(outbox, A) }, A)).status, 200);

    // During a step-up.
    sender.failing = true;
    const start = await h.post('/mfa/challenges', PAY, A);
    assert.equal(start.status, 201);
    const ch = await json(start);
    assert.equal(ch.status, 'CHALLENGED');
    assert.equal(ch.challenges[0].deliveryFailed, true);
    assert.equal(ch.challenges[0].resendAfter, 0);
    assert.equal(outbox.list(A).length, 1, 'nothing delivered (only the enrollment resend was)');
    const audit = await h.store.listAuditEvents(A, 100);
    assert.ok(audit.some((ev) => ev.type === 'code.delivery_failed'));
    assert.ok(warnings.length >= 2 && warnings.every((w) => w.includes('sender failed')));
    assert.ok(!warnings.join('\n').includes('5551234567'), 'the number is not logged');

    sender.failing = false;
    const resent = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(resent.status, 200);
    const r = await json(resent);
    assert.equal(r.challengeId, ch.challengeId);
    assert.equal(r.challenges[0].deliveryFailed, undefined);
    assert.equal(r.challenges[0].resendAfter, 30);
    const ok = await h.resume(A, ch.challengeId, ch.challenges[0].guid, latestCode(outbox, A));
    assert.equal(ok.status, 200);
    assert.deepEqual((await json(ok)).amr, ['sms']);
  });

  test('a resend that fails again still answers 200 with deliveryFailed', async () => {
    const outbox = new Outbox();
    const sender = flakySender(outbox);
    const { h } = setup({ sms: sender });
    await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    sender.failing = true;
    const ch = await json(await h.post('/mfa/challenges', PAY, A));
    const again = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(again.status, 200);
    assert.equal((await json(again)).challenges[0].deliveryFailed, true);
  });
});

describe('several phones', () => {
  test('an options step lists the masked numbers; the chosen one gets the code', async () => {
    const { h, outbox } = setup();
    const p1 = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE });
    const token = await manageTokenByPhone(h, outbox, A);
    const e2 = await h.post('/mfa/factors', { type: 'phone', phone: PHONE2 }, A);
    await expectError(e2, 401, 'insufficient_user_authentication'); // a second factor needs mfa/manage
    const p2 = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE2 }, { 'step-up-token': token });
    assert.equal(p2.recoveryCodes, undefined);
    assert.equal(p2.enrollment.notice, 'restricted');

    const sent = outbox.list(A).length;
    const res = await h.post('/mfa/challenges', { ...PAY, factorType: 'phone' }, A);
    assert.equal(res.status, 201);
    const ch = await json(res);
    assert.equal(ch.status, 'CHALLENGED');
    assert.equal(outbox.list(A).length, sent, 'nothing sent before the choice');
    const pick = ch.challenges[0];
    assert.equal(pick.type, 'options');
    assert.equal(typeof pick.label, 'string');
    const options = [...pick.options].sort((x: any, y: any) => x.label.localeCompare(y.label));
    assert.deepEqual(options, [{ label: MASKED, value: p1.factorId }, { label: MASKED2, value: p2.factorId }].sort((x, y) => x.label.localeCompare(y.label)));
    assert.ok(!JSON.stringify(ch).includes('555123') && !JSON.stringify(ch).includes('555987'));

    // A value not offered: 400, nothing changes.
    const other = await enrollContact(h, outbox, B, { type: 'phone', phone: PHONE });
    for (const value of ['nope', other.factorId, 'recovery']) {
      await expectError(await h.resume(A, ch.challengeId, pick.guid, value), 400, 'invalid_option');
    }
    assert.equal(outbox.list(A).length, sent);

    const chosen = await h.resume(A, ch.challengeId, pick.guid, p2.factorId);
    assert.equal(chosen.status, 200);
    const step2 = await json(chosen);
    assert.equal(step2.status, 'CHALLENGED');
    assert.equal(step2.challengeId, ch.challengeId);
    assert.deepEqual(step2.factor, { id: p2.factorId, type: 'phone', label: MASKED2 });
    const codeStep = step2.challenges[0];
    assert.equal(codeStep.type, 'code');
    assert.equal(codeStep.sentTo, MASKED2);
    assert.notEqual(codeStep.guid, pick.guid);
    assert.equal(outbox.list(A).length, sent + 1, 'exactly one message');
    assert.equal(outbox.list(A)[0]!.to, E164_2, 'to the chosen number only');

    // The pick step cannot be answered again.
    await expectError(await h.resume(A, ch.challengeId, pick.guid, p1.factorId), 400, 'malformed_request');
    assert.equal(outbox.list(A).length, sent + 1);

    const ok = await h.resume(A, ch.challengeId, codeStep.guid, latestCode(outbox, A));
    assert.equal(ok.status, 200);
    assert.deepEqual((await json(ok)).amr, ['sms']);

    // Naming the factor skips the choice.
    const direct = await sentChallenge(h, outbox, A, { ...PAY, factorId: p1.factorId });
    assert.equal(direct.step.type, 'code');
    assert.equal(outbox.list(A)[0]!.to, E164);
  });
});

describe('factor order', () => {
  test('TOTP is chosen and listed before a phone, even when the phone was used last', async () => {
    const { h, outbox } = setup();
    const t = await h.enrollTotp(A);
    const manage = await h.stepUp(A, t.secret, MANAGE.resource, MANAGE.action);
    const p = await enrollContact(h, outbox, A, { type: 'phone', phone: PHONE }, { 'step-up-token': manage.token });
    assert.equal(p.enrollment.notice, undefined, 'not restricted beside an app');
    assert.equal(p.confirmed.notice, undefined);
    assert.equal(p.recoveryCodes, undefined);

    h.advance(STEP_MS);
    const viaPhone = await sentChallenge(h, outbox, A, { ...PAY, factorType: 'phone' });
    assert.equal(viaPhone.ch.factor.id, p.factorId);
    assert.equal((await h.resume(A, viaPhone.ch.challengeId, viaPhone.step.guid, viaPhone.code)).status, 200);
    const list = await h.listFactors(A);
    const phoneUsed = Date.parse(list.factors.find((f) => f.id === p.factorId)!.lastUsedAt!);
    const totpUsed = Date.parse(list.factors.find((f) => f.id === t.factorId)!.lastUsedAt ?? '0');
    assert.ok(phoneUsed > totpUsed, 'the phone was used last');

    const sent = outbox.list(A).length;
    const ch = await h.startChallenge(A, PAY);
    assert.equal(ch.factor.type, 'totp');
    assert.equal(ch.factor.id, t.factorId);
    assert.deepEqual((ch as any).factors.map((f: any) => f.type), ['totp', 'phone', 'recovery']);
    assert.equal(outbox.list(A).length, sent, 'no SMS for a TOTP challenge');
  });
});

describe('the last factor used is remembered', () => {
  test('of two authenticator apps, the one used last is the next default (and listed first)', async () => {
    const { h } = setup();
    const first = await h.enrollTotp(A);
    const manage = await h.stepUp(A, first.secret, MANAGE.resource, MANAGE.action);
    const second = await h.enrollTotp(A, { 'step-up-token': manage.token });
    h.advance(STEP_MS);
    // Default before: the first app (used for the manage step-up).
    assert.equal((await h.startChallenge(A, PAY)).factor.id, first.factorId);
    // The user picks the second app once…
    h.advance(STEP_MS);
    const picked = await json(await h.post('/mfa/challenges', { ...PAY, factorId: second.factorId }, A));
    assert.equal((await h.resume(A, picked.challengeId, picked.challenges[0].guid, h.code(second.secret))).status, 200);
    // …and from then on the server offers it first, on any device (it is kept on the server).
    const next = await h.startChallenge(A, { resource: 'account', action: 'delete' });
    assert.equal(next.factor.id, second.factorId);
    assert.deepEqual((next as any).factors.map((f: any) => f.id), [second.factorId, first.factorId, 'recovery']);
  });
});

describe('recovery-code notice', () => {
  async function useRecoveryCode(overrides: Partial<MfaServerOptions>) {
    const { h, outbox } = setup(overrides);
    const mail = await enrollContact(h, outbox, A, { type: 'email', email: EMAIL });
    const used = mail.recoveryCodes![0]!;
    const before = outbox.list(A).length;
    const res = await h.answer(A, { ...PAY, factorType: 'recovery' }, used);
    assert.equal(res.status, 200);
    assert.deepEqual((await json(res)).amr, ['rec']);
    return { h, outbox, before, used };
  }

  /** The notice goes out in the background, after the step-up answered: wait for it (bounded). */
  async function settle(check: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  }

  test('an email factor hears that a recovery code was used', async () => {
    const { h, outbox, before, used } = await useRecoveryCode({});
    await settle(() => outbox.list(A).length > before);
    assert.equal(outbox.list(A).length, before + 1);
    const notice = outbox.list(A)[0]!;
    assert.equal(notice.channel, 'email');
    assert.equal(notice.to, EMAIL);
    assert.match(notice.subject!, /recovery code/i);
    assert.match(notice.text, /9 codes are left/);
    assert.ok(!notice.text.includes(used) && !notice.subject!.includes(used), 'the code itself is not mailed');
    assert.ok((await h.store.listAuditEvents(A, 100)).some((e) => e.type === 'notice.recovery_used'));
  });

  test('notifyRecoveryCodeUse: false sends nothing', async () => {
    const { outbox, before } = await useRecoveryCode({ notifyRecoveryCodeUse: false });
    await settle(() => outbox.list(A).length > before);
    assert.equal(outbox.list(A).length, before);
  });

  test('a failing notice does not fail the verification', async () => {
    const outbox = new Outbox();
    const sender = flakySender(outbox);
    const { h } = setup({ sms: sender, email: sender });
    const mail = await enrollContact(h, outbox, A, { type: 'email', email: EMAIL });
    sender.failing = true;
    const res = await h.answer(A, { ...PAY, factorType: 'recovery' }, mail.recoveryCodes![1]!);
    assert.equal(res.status, 200);
    assert.equal((await json(res)).status, 'VERIFIED');
  });

  test('a mail provider that never answers does not hold up the step-up', async () => {
    const outbox = new Outbox();
    let hang = false;
    const email = { sendEmail: (m: Parameters<Outbox['sendEmail']>[0]) => (hang ? new Promise<void>(() => {}) : outbox.sendEmail(m)) };
    const { h } = setup({ email });
    const mail = await enrollContact(h, outbox, A, { type: 'email', email: EMAIL });
    hang = true;
    const res = await h.answer(A, { ...PAY, factorType: 'recovery' }, mail.recoveryCodes![2]!);
    assert.equal(res.status, 200);
  });
});
