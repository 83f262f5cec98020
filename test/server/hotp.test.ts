/**
 * HOTP hardware tokens (RFC 4226) end to end over HTTP: enrollment with the token's secret,
 * server-side import, look-ahead window, each code once, resync with two consecutive codes,
 * and the console's list. Codes come from the RFC 4226 Appendix D vectors (test/fixtures).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { importHotpToken } from '../../src/server/factors/hotp-factor.js';
import { base32Decode } from '../../src/server/totp/base32.js';
import { hotp } from '../../src/server/totp/totp.js';
import { expectError, makeServer, type Harness } from './harness.js';

const V = JSON.parse(readFileSync(new URL('../fixtures/rfc-otp-vectors.json', import.meta.url), 'utf8')) as {
  hotp: { secretBase32: string; vectors: { counter: number; code: string }[] };
};
const SECRET = V.hotp.secretBase32;
/** Appendix D's code for `counter` (0–9), else the same secret's code computed here. */
const codeAt = (counter: number) => V.hotp.vectors.find((v) => v.counter === counter)?.code ?? hotp(base32Decode(SECRET), counter);
const PAY = { resource: 'payments', action: 'transfer' };

/** Enrolls the Appendix D token and confirms it with the code of counter 0. */
async function enrollToken(h: Harness, user: string) {
  const res = await h.post('/mfa/factors', { type: 'hotp', secret: SECRET, label: 'Bank key fob' }, user);
  assert.equal(res.status, 201, await res.clone().text());
  const enrollment = (await res.json()) as { factorId: string; type: string };
  assert.equal(enrollment.type, 'hotp');
  assert.equal('secret' in enrollment, false, 'the server never echoes the token secret');
  const confirm = await h.post(`/mfa/factors/${enrollment.factorId}/confirm`, { code: codeAt(0) }, user);
  assert.equal(confirm.status, 200, await confirm.clone().text());
  const body = (await confirm.json()) as { factor: { type: string; label: string }; recoveryCodes?: string[] };
  assert.equal(body.factor.type, 'hotp');
  assert.equal(body.recoveryCodes?.length, 10, 'a first factor brings recovery codes');
  return enrollment.factorId;
}

async function verify(h: Harness, user: string, code: string) {
  return h.answer(user, { ...PAY, factorType: 'hotp' }, code);
}

describe('HOTP hardware token', () => {
  it('passes every RFC 4226 Appendix D vector through the server, each code once', async () => {
    const h = makeServer({ lockout: { maxFailures: 100 } });
    await enrollToken(h, 'ann');
    for (const { counter, code } of V.hotp.vectors.slice(1)) {
      const ok = await verify(h, 'ann', code);
      assert.equal(ok.status, 200, `counter ${counter}: ${await ok.clone().text()}`);
      const body = (await ok.json()) as { status: string; amr: string[] };
      assert.equal(body.status, 'VERIFIED');
      assert.deepEqual(body.amr, ['otp']);
      await expectError(await verify(h, 'ann', code), 403, 'code_used'); // each code works once
    }
  });

  it('accepts a code up to 10 presses ahead, and never an older one after it', async () => {
    const h = makeServer();
    await enrollToken(h, 'bo');
    // Presses 1–9 were wasted (pressed without logging in): counter 10 is inside the window.
    assert.equal((await verify(h, 'bo', codeAt(10))).status, 200);
    await expectError(await verify(h, 'bo', codeAt(5)), 403, 'code_used'); // skipped presses are spent
    // 11 presses ahead of counter 10 is beyond the look-ahead window: not accepted alone.
    const far = await verify(h, 'bo', codeAt(21));
    assert.equal(far.status, 200);
    assert.equal(((await far.json()) as { status: string }).status, 'CHALLENGED');
  });

  it('resyncs with two consecutive codes up to 100 ahead, in one challenge', async () => {
    const h = makeServer();
    await enrollToken(h, 'cy');
    const ch = await h.startChallenge('cy', { ...PAY, factorType: 'hotp' });
    assert.equal(ch.factor.type, 'hotp');
    const first = await h.resume('cy', ch.challengeId, ch.challenges[0]!.guid, codeAt(60));
    assert.equal(first.status, 200, await first.clone().text());
    const next = (await first.json()) as { status: string; challengeId: string; challenges: { guid: string; type: string; label: string }[] };
    assert.equal(next.status, 'CHALLENGED', 'one far code alone is not enough');
    assert.equal(next.challengeId, ch.challengeId);
    assert.equal(next.challenges[0]!.type, 'code');
    assert.match(next.challenges[0]!.label, /next code/);
    // A code that is not the very next press is refused (and counted).
    const wrong = await expectError(await h.resume('cy', ch.challengeId, next.challenges[0]!.guid, codeAt(62)), 403, 'invalid_code');
    assert.equal(wrong.error.attemptsLeft, 9);
    const done = await h.resume('cy', ch.challengeId, next.challenges[0]!.guid, codeAt(61));
    assert.equal(done.status, 200, await done.clone().text());
    assert.equal(((await done.json()) as { status: string }).status, 'VERIFIED');
    // The counter moved: the next press works directly, anything up to 61 never again.
    assert.equal((await verify(h, 'cy', codeAt(62))).status, 200);
    await expectError(await verify(h, 'cy', codeAt(61)), 403, 'code_used');
    await expectError(await verify(h, 'cy', codeAt(30)), 403, 'invalid_code'); // older than the look-ahead
    const audit = await h.store.listAuditEvents('cy', 100);
    assert.ok(audit.some((e) => e.type === 'hotp.resynced'));
  });

  it('answers a replayed code with code_used, like TOTP, and counts it', async () => {
    const h = makeServer();
    await enrollToken(h, 'ivy');
    assert.equal((await verify(h, 'ivy', codeAt(1))).status, 200);
    const replayed = await expectError(await verify(h, 'ivy', codeAt(1)), 403, 'code_used');
    assert.equal(replayed.error.attemptsLeft, 9, 'a replay counts as a failure');
    const wrong = await expectError(await verify(h, 'ivy', codeAt(1) === '000000' ? '000001' : '000000'), 403, 'invalid_code');
    assert.equal(wrong.error.attemptsLeft, 8);
    const audit = await h.store.listAuditEvents('ivy', 100);
    assert.equal(audit.filter((e) => e.type === 'verify.replay').length, 1);
  });

  it('refuses a resync beyond 100 presses like a wrong code', async () => {
    const h = makeServer();
    await enrollToken(h, 'di');
    const res = await expectError(await verify(h, 'di', codeAt(150)), 403, 'invalid_code');
    assert.equal(res.error.attemptsLeft, 9);
  });

  it('lists the token in the console, but never offers it to <mfa-enroll>', async () => {
    const h = makeServer();
    const id = await enrollToken(h, 'ed');
    const res = await h.get('/mfa/factors', 'ed');
    const list = (await res.json()) as { factors: { id: string; type: string; label: string }[]; available: string[] };
    assert.deepEqual(list.factors.map((f) => [f.id, f.type, f.label]), [[id, 'hotp', 'Bank key fob']]);
    assert.equal(list.available.includes('hotp'), false);
  });

  it('imports a token server-side, confirmed at once, starting at its counter', async () => {
    const h = makeServer();
    const id = await importHotpToken(h.mfa.context, { sub: 'fay', secret: SECRET, counter: 5, label: 'Fob 0042' });
    const list = await h.listFactors('fay');
    assert.deepEqual(list.factors.map((f) => [f.id, f.type]), [[id, 'hotp']]);
    await expectError(await verify(h, 'fay', codeAt(4)), 403, 'invalid_code'); // before the imported counter
    assert.equal((await verify(h, 'fay', codeAt(5))).status, 200);
  });

  it('refuses a malformed secret or code with a 400 that does not count', async () => {
    const h = makeServer();
    await expectError(await h.post('/mfa/factors', { type: 'hotp', secret: 'not base32!' }, 'gus'), 400, 'malformed_request');
    await expectError(await h.post('/mfa/factors', { type: 'hotp', secret: 'GEZDGNBV' }, 'gus'), 400, 'malformed_request');
    await expectError(await h.post('/mfa/factors', { type: 'hotp' }, 'gus'), 400, 'malformed_request');
    await enrollToken(h, 'gus');
    await expectError(await verify(h, 'gus', '12345'), 400, 'malformed_code');
    const wrong = await expectError(await verify(h, 'gus', '000000' === codeAt(1) ? '000001' : '000000'), 403, 'invalid_code');
    assert.equal(wrong.error.attemptsLeft, 9, 'the malformed answer did not count');
  });
});
