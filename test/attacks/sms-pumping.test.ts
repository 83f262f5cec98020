/**
 * SMS / voice / email pumping (toll fraud), as the security finding saw it: one account enrolled
 * 30 phones on premium-rate ranges, alternating SMS and voice, and asked for every resend the
 * countdown allowed — 57 messages in 31 s. Everything here is what an attacker (HTTP answers)
 * or the operator (the outbox = the provider's bill, audit sinks) observes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { MfaServerOptions } from '../../src/server/config.js';
import { Outbox } from '../../src/server/delivery/senders.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import type { AuditEvent } from '../../src/server/stores/store.js';
import { expectError, latestCode, makeServer, type Harness } from '../server/harness.js';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
const PAY = { resource: 'payments', action: 'transfer' } as const;
/** International premium-rate / satellite ranges pumping campaigns favour. */
const PREMIUM = ['+8821', '+2366', '+9797'];
const premium = (i: number) => `${PREMIUM[i % 3]}${String(4_000_000 + i).padStart(8, '0')}`;
const json = async (res: Response): Promise<any> => res.json();

/** SMS and email into one outbox, the client IP from `x-test-ip`, audit events collected. */
function setup(overrides: Partial<MfaServerOptions> = {}) {
  const outbox = new Outbox(1000);
  const events: AuditEvent[] = [];
  const h = makeServer({
    sms: outbox,
    email: outbox,
    clientIp: (req) => req.headers.get('x-test-ip') ?? undefined,
    audit: { sinks: [{ write: (e) => void events.push(e) }] },
    ...overrides,
  });
  h.mfa.context.logger = { warn: () => {} };
  return { h, outbox, events };
}

const ip = (addr: string) => ({ 'x-test-ip': addr });

/** 429 `rate_limited` with a `Retry-After` header that equals the body's `retryAfter`. */
async function expectBudgetRefusal(res: Response): Promise<number> {
  const header = Number(res.headers.get('retry-after'));
  const body = await expectError(res, 429, 'rate_limited');
  assert.ok(Number.isInteger(header) && header > 0, `Retry-After: ${res.headers.get('retry-after')}`);
  assert.equal(body.error.retryAfter, header);
  assert.ok(body.error.message.length > 0);
  return header;
}

/**
 * The attack of the finding: 30 premium numbers, alternating sms/voice, then a resend of each
 * once the 30 s countdown is over. Returns every answer.
 */
async function pump(h: Harness, user = 'mallory', from = '198.51.100.66') {
  const enrolls: Response[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await h.post('/mfa/factors', { type: 'phone', phone: premium(i), channel: i % 2 ? 'voice' : 'sms' }, user, ip(from));
    enrolls.push(res);
    if (res.status === 201) ids.push((await json(res.clone())).factorId);
  }
  h.advance(31_000);
  const resends: Response[] = [];
  for (const id of ids) resends.push(await h.post(`/mfa/factors/${id}/resend`, {}, user, ip(from)));
  return { enrolls, resends };
}

describe('SMS pumping: the attack of the finding', () => {
  test('defaults: voice is refused, the SMS stop at the per-user budget (10), far below 57', async () => {
    const { h, outbox, events } = setup();
    const { enrolls, resends } = await pump(h);
    const sent = outbox.list('mallory');
    assert.ok(sent.length <= 10, `${sent.length} messages went out`);
    assert.equal(sent.filter((m) => m.channel === 'voice').length, 0, 'no call is placed');
    // Voice enrollments: 400 unsupported_channel, nothing stored or sent.
    for (const res of enrolls.filter((_, i) => i % 2)) await expectError(res, 400, 'unsupported_channel');
    // Once over budget: 429 with Retry-After, both for first sends and for resends.
    const refused = [...enrolls, ...resends].filter((r) => r.status === 429);
    assert.ok(refused.length >= 15, `${refused.length} refusals`);
    for (const res of refused) assert.ok((await expectBudgetRefusal(res)) <= 3600);
    assert.ok(resends.every((r) => r.status === 429), 'not a single resend got through');
    // The operator hears about it (once per window, not once per refusal).
    const alerts = events.filter((e) => e.type === 'rate_limited' && e.sub === 'mallory');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.metadata?.limit, 'send-user');
    assert.equal(alerts[0]!.status, 'failure');
  });

  test('voice enabled: calls are placed, and the same budgets stop the attack at 10 messages', async () => {
    const { h, outbox } = setup({ smsPolicy: { voice: true } });
    const { enrolls } = await pump(h);
    const sent = outbox.list('mallory');
    assert.equal(sent.length, 10, `${sent.length} messages went out`);
    assert.equal(sent.filter((m) => m.channel === 'voice').length, 5, 'every other one a call, as asked');
    assert.deepEqual(enrolls.slice(0, 10).map((r) => r.status), Array(10).fill(201));
    for (const res of enrolls.slice(10)) await expectBudgetRefusal(res);
  });

  test('spread over many accounts on one IP, then over many IPs: the per-IP and per-number budgets', async () => {
    const { h, outbox } = setup({ smsPolicy: { voice: true } });
    // 30 accounts behind one address: the per-IP budget (30 / hour).
    for (let u = 0; u < 10; u++) await pump(h, `sock${u}`, '198.51.100.66');
    assert.equal(outbox.list().length, 30, 'the per-IP budget');
    // Fresh accounts on fresh addresses, all to the same 30 numbers: the per-number budget (5 / hour).
    for (let u = 0; u < 10; u++) await pump(h, `bot${u}`, `203.0.113.${u}`);
    assert.ok(outbox.list().length <= 30 * 5, `${outbox.list().length} messages`);
    const perNumber = new Map<string, number>();
    for (const m of outbox.list()) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
    assert.ok(Math.max(...perNumber.values()) <= 5, 'no number got more than 5 codes in the hour');
  });
});

describe('SMS pumping: the policy', () => {
  test('voice is opt-in: refused by default with nothing stored or sent; works with voice: true', async () => {
    const off = setup();
    await expectError(await off.h.post('/mfa/factors', { type: 'phone', phone: '+15551234567', channel: 'voice' }, 'alice'), 400, 'unsupported_channel');
    assert.equal(off.outbox.list().length, 0);
    // The same number by SMS is fine.
    assert.equal((await off.h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, 'alice')).status, 201);

    const on = setup({ smsPolicy: { voice: true } });
    const res = await on.h.post('/mfa/factors', { type: 'phone', phone: '+15551234567', channel: 'voice' }, 'alice');
    assert.equal(res.status, 201);
    const [call] = on.outbox.list('alice');
    assert.equal(call?.channel, 'voice');
    const confirm = await on.h.post(`/mfa/factors/${(await json(res)).factorId}/confirm`, { code: latestCode(on.outbox, 'alice') }, 'alice');
    assert.equal(confirm.status, 200);
  });

  test('allowedCountries: other calling codes → 400 country_not_allowed and no message; allowed ones work', async () => {
    const { h, outbox } = setup({ smsPolicy: { allowedCountries: ['1', '+44'] } });
    for (const phone of ['+88216000001', '+23661234567', '+97971234567', '+436641234567']) {
      await expectError(await h.post('/mfa/factors', { type: 'phone', phone }, 'mallory'), 400, 'country_not_allowed');
    }
    assert.equal(outbox.list().length, 0, 'nothing was sent');
    assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: '+447700900958' }, 'alice')).status, 201);
    assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: '+1 555 123 4567' }, 'bob')).status, 201);
    assert.equal(outbox.list().length, 2);
  });

  test('a policy tightened later also covers phones enrolled before it (no code is sent to them)', async () => {
    const store = new MemoryStore();
    const before = setup({ store, smsPolicy: { voice: true } });
    for (const [user, phone, channel] of [['alice', '+88216000001', 'sms'], ['bob', '+15551234567', 'voice']] as const) {
      const res = await before.h.post('/mfa/factors', { type: 'phone', phone, channel }, user);
      const confirm = await before.h.post(`/mfa/factors/${(await json(res)).factorId}/confirm`, { code: latestCode(before.outbox, user) }, user);
      assert.equal(confirm.status, 200);
    }
    const after = setup({ store, smsPolicy: { allowedCountries: ['1'] } });
    await expectError(await after.h.post('/mfa/challenges', PAY, 'alice'), 400, 'country_not_allowed');
    await expectError(await after.h.post('/mfa/challenges', PAY, 'bob'), 400, 'unsupported_channel');
    assert.equal(after.outbox.list().length, 0);
  });

  test('a calling code that does not exist is a configuration error at start-up', () => {
    for (const bad of ['44x', '044', 'GB', '4']) {
      assert.throws(() => setup({ smsPolicy: { allowedCountries: [bad] } }), /allowedCountries/, bad);
    }
  });
});

describe('SMS pumping: the budgets', () => {
  test('resends count: the 6th code to one number in an hour is refused, for any account', async () => {
    const { h, outbox } = setup();
    const phone = '+15551234567';
    const e = await json(await h.post('/mfa/factors', { type: 'phone', phone }, 'alice'));
    for (let i = 0; i < 4; i++) {
      h.advance(30_000);
      assert.equal((await h.post(`/mfa/factors/${e.factorId}/resend`, {}, 'alice')).status, 200);
    }
    assert.equal(outbox.list().length, 5);
    // The 6th: a new enrollment of the same number, by the same or another account.
    await expectBudgetRefusal(await h.post('/mfa/factors', { type: 'phone', phone }, 'alice'));
    await expectBudgetRefusal(await h.post('/mfa/factors', { type: 'phone', phone: '+1 (555) 123-4567' }, 'bob'));
    assert.equal(outbox.list().length, 5);
    // Another number is not affected.
    assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: '+15559876543' }, 'bob')).status, 201);
  });

  test("enrolling someone else's number is stopped at 5 codes, and cannot starve the owner's step-ups", async () => {
    const { h, outbox } = setup();
    const e = await json(await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, 'alice', ip('192.0.2.1')));
    await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: latestCode(outbox, 'alice') }, 'alice', ip('192.0.2.1'));
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      answers.push((await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, `troll${i}`, ip(`203.0.113.${i}`))).status);
    }
    assert.deepEqual(answers, [201, 201, 201, 201, 429, 429, 429, 429, 429, 429], 'alice\'s own enrollment was the first of 5');
    // Alice's confirmed phone has a budget of its own: her step-up still gets its code.
    const ch = await json(await h.post('/mfa/challenges', PAY, 'alice', ip('192.0.2.1')));
    const res = await h.resume('alice', ch.challengeId, ch.challenges[0].guid, latestCode(outbox, 'alice'));
    assert.equal((await json(res)).status, 'VERIFIED');
  });

  test('a refused resend changes nothing: the last code sent still works', async () => {
    const { h, outbox } = setup({ sendBudgets: { perUser: { limit: 3, windowMs: HOUR } } });
    const e = await json(await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, 'alice'));
    await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: latestCode(outbox, 'alice') }, 'alice');
    const ch = await json(await h.post('/mfa/challenges', PAY, 'alice'));
    h.advance(30_000);
    assert.equal((await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, 'alice')).status, 200);
    const code = latestCode(outbox, 'alice');
    h.advance(30_000);
    await expectBudgetRefusal(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, 'alice'));
    assert.equal(outbox.list().length, 3);
    const res = await h.resume('alice', ch.challengeId, ch.challenges[0].guid, code);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await json(res)).status, 'VERIFIED');
  });

  test('IPv6: addresses of one /64 share the per-IP budget; IPv4-mapped IPv6 is its IPv4', async () => {
    const { h, outbox } = setup();
    for (let i = 0; i < 30; i++) {
      // Every request from another /128 of 2001:db8:1:2::/64, written in every way IPv6 allows.
      const addr = i % 2 ? `2001:db8:1:2:${i.toString(16)}::1` : `2001:0DB8:0001:0002:0:0:${i.toString(16)}:9`;
      const res = await h.post('/mfa/factors', { type: 'email', email: `u${i}@example.com` }, `u${i}`, ip(addr));
      assert.equal(res.status, 201, `${i}: ${res.status}`);
    }
    await expectBudgetRefusal(await h.post('/mfa/factors', { type: 'email', email: 'late@example.com' }, 'late', ip('2001:db8:1:2:ffff:ffff:ffff:fffe')));
    assert.equal(outbox.list().length, 30);
    // The next /64 is someone else.
    assert.equal((await h.post('/mfa/factors', { type: 'email', email: 'late@example.com' }, 'late', ip('2001:db8:1:3::1'))).status, 201);

    const v4 = setup({ sendBudgets: { perIp: { limit: 2, windowMs: HOUR } } });
    assert.equal((await v4.h.post('/mfa/factors', { type: 'email', email: 'a@example.com' }, 'a', ip('203.0.113.5'))).status, 201);
    assert.equal((await v4.h.post('/mfa/factors', { type: 'email', email: 'b@example.com' }, 'b', ip('::ffff:203.0.113.5'))).status, 201);
    await expectBudgetRefusal(await v4.h.post('/mfa/factors', { type: 'email', email: 'c@example.com' }, 'c', ip('203.0.113.5')));
  });

  test('IPv6: the per-IP challenge limit counts a /64 as one client too', async () => {
    const { h } = setup({ rateLimits: { challengesPerIp: { limit: 3, windowMs: 10 * MIN } } });
    for (const u of ['a', 'b', 'c', 'd']) await h.enrollTotp(u);
    for (const [u, addr] of [['a', '2001:db8::1'], ['b', '2001:db8::2'], ['c', '2001:db8:0:0:ffff::9']] as const) {
      assert.equal((await h.post('/mfa/challenges', PAY, u, ip(addr))).status, 201);
    }
    await expectBudgetRefusal(await h.post('/mfa/challenges', PAY, 'd', ip('2001:0db8:0000:0000:1234::1')));
    assert.equal((await h.post('/mfa/challenges', PAY, 'd', ip('2001:db8:0:1::1'))).status, 201);
  });

  test('emails count too: one mailbox gets at most 5 codes an hour, however its address is written', async () => {
    const { h, outbox } = setup();
    for (let i = 0; i < 5; i++) {
      const email = i % 2 ? 'Victim@Example.com' : 'victim@example.com';
      assert.equal((await h.post('/mfa/factors', { type: 'email', email }, `u${i}`, ip(`192.0.2.${i}`))).status, 201);
    }
    await expectBudgetRefusal(await h.post('/mfa/factors', { type: 'email', email: 'VICTIM@example.com' }, 'u9', ip('192.0.2.9')));
    assert.equal(outbox.list().length, 5);
  });

  test('per country calling code: a burst to one country stops; other countries go on', async () => {
    const { h, outbox } = setup({ sendBudgets: { perCountry: { limit: 4, windowMs: HOUR } } });
    for (let i = 0; i < 4; i++) {
      assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: premium(3 * i) }, `u${i}`, ip(`192.0.2.${i}`))).status, 201);
    }
    const res = await h.post('/mfa/factors', { type: 'phone', phone: premium(12) }, 'u9', ip('192.0.2.9'));
    await expectBudgetRefusal(res);
    assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, 'u9', ip('192.0.2.9'))).status, 201);
    assert.equal(outbox.list().length, 5);
  });

  test('the global daily budget stops everything and raises a critical alert', async () => {
    const { h, outbox, events } = setup({ sendBudgets: { global: { limit: 5, windowMs: DAY } } });
    for (let i = 0; i < 5; i++) {
      assert.equal((await h.post('/mfa/factors', { type: 'phone', phone: `+1555000000${i}` }, `u${i}`, ip(`192.0.2.${i}`))).status, 201);
    }
    const retryAfter = await expectBudgetRefusal(await h.post('/mfa/factors', { type: 'email', email: 'x@example.com' }, 'u9', ip('192.0.2.9')));
    assert.ok(retryAfter <= 24 * 3600);
    assert.equal(outbox.list().length, 5);
    const alert = events.find((e) => e.type === 'rate_limited' && e.metadata?.limit === 'send-global');
    assert.equal(alert?.severity, 'critical');
  });

  test('the store holds no phone number or address in clear (destination budgets are keyed hashes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-pumping-'));
    const saved = process.env.MFA_ENCRYPTION_KEY;
    delete process.env.MFA_ENCRYPTION_KEY;
    try {
      const { h, outbox } = setup({ store: undefined, encryptionKey: undefined, dataDir: dir });
      for (let i = 0; i < 6; i++) await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, `u${i}`, ip(`192.0.2.${i}`));
      assert.equal(outbox.list().length, 5, 'the 6th code to the number was refused');
      await h.mfa.close();
      const files = readdirSync(dir).filter((f) => f.startsWith('mfa.db'));
      const all = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
      assert.ok(all.includes(Buffer.from('send-destination')), 'budget rows found (control)');
      assert.equal(all.indexOf(Buffer.from('5551234567')), -1, 'the number is in the database');
    } finally {
      if (saved === undefined) delete process.env.MFA_ENCRYPTION_KEY;
      else process.env.MFA_ENCRYPTION_KEY = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SMS pumping: legitimate users under the defaults', () => {
  test('enroll a phone, resend once, confirm, step up and pay — while a pumper next to them is stopped', async () => {
    const { h, outbox } = setup();
    await pump(h, 'mallory', '198.51.100.66');
    const blocked = await h.post('/mfa/factors', { type: 'phone', phone: premium(99) }, 'mallory', ip('198.51.100.66'));
    await expectBudgetRefusal(blocked);
    assert.ok(outbox.list('mallory').length <= 10, `the pumper got ${outbox.list('mallory').length} messages out`);

    const anna = { 'x-test-ip': '2001:db8:aaaa:1::5' };
    const e = await json(await h.post('/mfa/factors', { type: 'phone', phone: '+44 7700 900958' }, 'anna', anna));
    assert.equal(e.sentTo, '+44 ••• 0958');
    h.advance(30_000);
    assert.equal((await h.post(`/mfa/factors/${e.factorId}/resend`, {}, 'anna', anna)).status, 200);
    const confirm = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: latestCode(outbox, 'anna') }, 'anna', anna);
    assert.equal(confirm.status, 200, await confirm.clone().text());
    const ch = await json(await h.post('/mfa/challenges', PAY, 'anna', anna));
    const verified = await json(await h.resume('anna', ch.challengeId, ch.challenges[0].guid, latestCode(outbox, 'anna')));
    assert.equal(verified.status, 'VERIFIED');
    const pay = await h.post('/api/transfer', {}, 'anna', { 'step-up-token': verified.token });
    assert.equal(pay.status, 200);
    assert.equal(outbox.list('anna').length, 3);
  });
});
