/** The HTTP protocol of docs/server.md "HTTP protocol" through the mounted Hono app (frozen clock, memory store). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../src/core/types.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { base32Decode } from '../../src/server/totp/base32.js';
import { STEP_MS, expectError, makeServer, type Harness, outageStore } from './harness.js';

const A = 'alice';
const B = 'bob';
const PAY = { resource: 'payments', action: 'transfer' } as const;
const RECOVERY_FORMAT = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const iso = (ms: number) => new Date(ms).toISOString();
const json = async (res: Response): Promise<any> => res.json();

describe('enrollment', () => {
  test('enroll → confirm returns 10 recovery codes once; a second factor returns none', async () => {
    const h = makeServer();
    const res = await h.post('/mfa/factors', { type: 'totp' }, A);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const e = await json(res);
    assert.equal(e.type, 'totp');
    assert.equal(typeof e.factorId, 'string');
    assert.match(e.secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(e.secret).length, 20, '160-bit secret');
    assert.equal(e.digits, 6);
    assert.equal(e.period, 30);
    assert.equal(e.algorithm, 'SHA1');
    assert.equal(e.otpauthUri, `otpauth://totp/mfa-elements:${A}?secret=${e.secret}&issuer=mfa-elements`);

    // Pending factors are not listed, and give no recovery codes yet.
    assert.deepEqual(await h.listFactors(A), { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });

    // A wrong code does not confirm.
    const wrong = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: h.wrongCode(e.secret) }, A);
    const wrongBody = await expectError(wrong, 403, 'invalid_code');
    assert.equal(wrongBody.error.attemptsLeft, 9);
    assert.deepEqual(await h.listFactors(A), { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });

    const ok = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: h.code(e.secret) }, A);
    assert.equal(ok.status, 200);
    const c = await json(ok);
    assert.deepEqual(Object.keys(c).sort(), ['factor', 'recoveryCodes']);
    assert.equal(c.factor.id, e.factorId);
    assert.equal(c.factor.type, 'totp');
    assert.equal(c.factor.label, 'Authenticator app');
    assert.equal(c.factor.createdAt, iso(h.now()));
    assert.equal(c.recoveryCodes.length, 10);
    for (const code of c.recoveryCodes) assert.match(code, RECOVERY_FORMAT);
    assert.equal(new Set(c.recoveryCodes).size, 10);

    // Confirming again is a state error, and shows no codes.
    const again = await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: h.code(e.secret, 1) }, A);
    const againBody = await expectError(again, 409, 'conflict');
    assert.equal(JSON.stringify(againBody).match(/[a-z2-7]{4}-[a-z2-7]{4}/), null);

    const list = await h.listFactors(A);
    assert.equal(list.recoveryCodesLeft, 10);
    assert.equal(list.factors.length, 1);
    assert.deepEqual(Object.keys(list.factors[0]!).sort(), ['createdAt', 'id', 'label', 'lastUsedAt', 'strength', 'type']);
    assert.equal(list.factors[0]!.id, e.factorId);
    assert.equal((list.factors[0] as { strength?: string }).strength, 'strong', "the registry's strength is on the wire");
    assert.match(list.factors[0]!.createdAt, ISO);

    // A second factor (needs mfa/manage) is confirmed without new codes.
    const manage = await h.stepUp(A, e.secret, 'mfa', 'manage');
    const second = await h.enrollTotp(A, { 'step-up-token': manage.token });
    assert.equal(second.recoveryCodes, undefined);
    const after = await h.listFactors(A);
    assert.deepEqual(after.factors.map((f) => f.id).sort(), [e.factorId, second.factorId].sort());
    assert.equal(after.recoveryCodesLeft, 10, 'the first set is untouched');
  });

  test('GET /mfa/factors lists confirmed factors only, per user', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    const pending = await json(await h.post('/mfa/factors', { type: 'totp', label: 'Spare phone' }, A, { 'step-up-token': manage.token }));
    const list = await h.listFactors(A);
    assert.deepEqual(list.factors.map((f) => f.id), [a.factorId]);
    assert.ok(!list.factors.some((f) => f.id === pending.factorId));
    assert.equal(list.recoveryCodesLeft, 10);
    assert.deepEqual(await h.listFactors(B), { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });
  });

  test('an enrollment left unconfirmed for 15 minutes expires (410)', async () => {
    const h = makeServer();
    const e = await json(await h.post('/mfa/factors', { type: 'totp' }, A));
    h.advance(15 * 60_000);
    await expectError(await h.post(`/mfa/factors/${e.factorId}/confirm`, { code: h.code(e.secret) }, A), 410, 'expired');
    assert.deepEqual(await h.listFactors(A), { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });
  });

  test('rename needs no step-up; labels are trimmed; another user cannot rename', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    await h.enrollTotp(B);
    const res = await h.request('PATCH', `/mfa/factors/${a.factorId}`, { body: { label: '  Work phone ' }, user: A });
    assert.equal(res.status, 200);
    assert.equal((await json(res)).factor.label, 'Work phone');
    const other = await h.request('PATCH', `/mfa/factors/${a.factorId}`, { body: { label: 'pwned' }, user: B });
    const unknown = await h.request('PATCH', `/mfa/factors/nope`, { body: { label: 'pwned' }, user: B });
    assert.deepEqual(await expectError(other, 404, 'not_found'), await expectError(unknown, 404, 'not_found'));
    assert.equal((await h.listFactors(A)).factors[0]!.label, 'Work phone');
  });

  test('a label with control characters (NUL, newline) is malformed input, on enroll and rename', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    for (const label of ['a\u0000b', 'line\nbreak', '\u007f']) {
      await expectError(await h.request('PATCH', `/mfa/factors/${a.factorId}`, { body: { label }, user: A }), 400, 'malformed_request');
      await expectError(await h.post('/mfa/factors', { type: 'totp', label }, A), 400, 'malformed_request');
    }
  });
});

describe('challenges', () => {
  test('start → CHALLENGED, resume → VERIFIED with a bound step-up token', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);

    const res = await h.post('/mfa/challenges', PAY, A);
    assert.equal(res.status, 201);
    const ch = await json(res);
    assert.equal(ch.status, 'CHALLENGED');
    assert.equal(typeof ch.challengeId, 'string');
    assert.deepEqual(ch.factor, { id: a.factorId, type: 'totp', label: 'Authenticator app' });
    assert.deepEqual(ch.factors.map((f: any) => f.type), ['totp', 'recovery']);
    assert.equal(ch.challenges.length, 1);
    const step = ch.challenges[0];
    assert.equal(typeof step.guid, 'string');
    assert.equal(step.type, 'code');
    assert.equal(step.length, 6);
    assert.equal(step.inputMode, 'numeric');
    assert.equal(ch.expiresAt, iso(h.now() + 5 * 60_000));

    const ok = await h.resume(A, ch.challengeId, step.guid, h.code(a.secret));
    assert.equal(ok.status, 200);
    const v = await json(ok);
    assert.equal(v.status, 'VERIFIED');
    assert.equal(v.acr, 'mfa');
    assert.deepEqual(v.amr, ['otp']);
    assert.equal(v.resource, 'payments');
    assert.equal(v.action, 'transfer');
    const nowS = Math.floor(h.now() / 1000);
    assert.equal(v.expiresAt, iso((nowS + 300) * 1000));

    const header = decodeProtectedHeader(v.token);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, STEP_UP_TOKEN_TYPE);
    assert.equal(typeof header.kid, 'string');
    const p = decodeJwt(v.token);
    assert.equal(p.sub, A);
    assert.equal(p.resource, 'payments');
    assert.equal(p.action, 'transfer');
    assert.equal(p.acr, 'mfa');
    assert.deepEqual(p.amr, ['otp']);
    assert.equal(p.auth_time, nowS);
    assert.equal(p.iat, nowS);
    assert.equal(p.exp, p.iat! + 300);
    assert.equal(p.jti, v.sid);
    assert.equal(p.sid, v.sid);
    // Install-specific default issuer, derived from the encryption key (docs/server.md).
    assert.match(p.iss!, /^urn:mfa-elements:[0-9a-f]{24}$/);
    assert.equal(p.iss, h.mfa.context.policy.token.issuer);
    assert.equal(p.aud, 'mfa-elements:step-up');

    // The challenge is spent: answering it again is a 404, not a second token.
    h.advance(STEP_MS);
    await expectError(await h.resume(A, ch.challengeId, step.guid, h.code(a.secret)), 404, 'not_found');

    // The factor's lastUsedAt moved.
    assert.equal((await h.listFactors(A)).factors[0]!.lastUsedAt, iso(h.now() - STEP_MS));
  });

  test('a code works once: the same code on a new challenge is 403 code_used (counted, with attemptsLeft)', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    const code = h.code(a.secret);
    assert.equal((await h.answer(A, PAY, code)).status, 200);
    const replay = await expectError(await h.answer(A, PAY, code), 403, 'code_used');
    assert.equal(replay.error.attemptsLeft, 9);
    // The enrollment's own code cannot be used either (its step is spent).
    const enrolledStep = h.code(a.secret, -1);
    const again = await expectError(await h.answer(A, PAY, enrolledStep), 403, 'code_used');
    assert.equal(again.error.attemptsLeft, 8);
  });

  test('an older step after a newer one is refused as used; a wrong code stays invalid_code', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(10 * STEP_MS);
    assert.equal((await h.answer(A, PAY, h.code(a.secret, 1))).status, 200, 'T+1 first');
    await expectError(await h.answer(A, PAY, h.code(a.secret, 0)), 403, 'code_used');
    await expectError(await h.answer(A, PAY, h.code(a.secret, -1)), 403, 'code_used');
    await expectError(await h.answer(A, PAY, h.wrongCode(a.secret)), 403, 'invalid_code');
  });

  test('window: T-2 and T+2 refused; T-1, T, T+1 accepted (in that order)', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(10 * STEP_MS); // far from the enrollment step, so only the window decides
    const minus2 = await expectError(await h.answer(A, PAY, h.code(a.secret, -2)), 403, 'invalid_code');
    assert.equal(minus2.error.attemptsLeft, 9);
    await expectError(await h.answer(A, PAY, h.code(a.secret, 2)), 403, 'invalid_code');
    for (const offset of [-1, 0, 1]) {
      const res = await h.answer(A, PAY, h.code(a.secret, offset));
      assert.equal(res.status, 200, `T${offset >= 0 ? '+' : ''}${offset}`);
      assert.equal((await json(res)).status, 'VERIFIED');
    }
  });

  test('window edges follow the server clock to the millisecond', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(10 * STEP_MS);
    const stepStart = Math.floor(h.now() / STEP_MS) * STEP_MS;
    // Last ms of step S-1: the code of S+1 is two steps ahead.
    h.setClock(stepStart - 1);
    const ahead = h.code(a.secret, 2);
    await expectError(await h.answer(A, PAY, ahead), 403, 'invalid_code');
    // One ms later it is one step ahead and accepted.
    h.setClock(stepStart);
    assert.equal((await h.answer(A, PAY, ahead)).status, 200);
  });

  test('challenges expire after 5 minutes (410) and belong to one user (404)', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    await h.enrollTotp(B);
    h.advance(STEP_MS);
    const ch = await h.startChallenge(A, PAY);
    // Someone else's challenge id answers like an unknown one.
    const other = await expectError(await h.resume(B, ch.challengeId, ch.challenges[0]!.guid, '123456'), 404, 'not_found');
    const unknown = await expectError(await h.resume(B, 'no-such-challenge', ch.challenges[0]!.guid, '123456'), 404, 'not_found');
    assert.deepEqual(other, unknown);
    h.advance(5 * 60_000);
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.code(a.secret)), 410, 'expired');
  });

  test('a user without a factor learns so (409 not_enrolled)', async () => {
    const h = makeServer();
    await expectError(await h.post('/mfa/challenges', PAY, 'carol'), 409, 'not_enrolled');
  });
  test('a factor removed between the challenge and the answer: 404, and the attempt it reserved is released', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    const ch = await json(await h.post('/mfa/challenges', PAY, A));
    assert.equal(await h.mfa.store.deleteFactor(A, a.factorId), true);
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, h.code(a.secret)), 404, 'not_found');
    // The factor is read while its attempt is reserved (one store round trip): a reservation left
    // behind would hold the only slot of a one-failure policy ('busy').
    const grant = await h.mfa.store.beginAttempt(A, a.factorId, h.now(), { maxFailures: 1, baseLockMs: 60_000 });
    assert.deepEqual(grant, { ok: true });
  });

  test('a TOTP step saved without its code length (before `digits` was kept) is still answered', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    const ch = await json(await h.post('/mfa/challenges', PAY, A));
    const stored = (await h.mfa.store.getChallenge(ch.challengeId))!;
    assert.deepEqual(JSON.parse(stored.state!), { kind: 'totp', digits: 6 });
    assert.equal(await h.mfa.store.updateChallenge({ ...stored, state: JSON.stringify({ kind: 'totp' }) }, stored.state), true);
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, '12345'), 400, 'malformed_code');
    const ok = await h.resume(A, ch.challengeId, ch.challenges[0].guid, h.code(a.secret));
    assert.equal((await json(ok)).status, 'VERIFIED');
  });
});

describe('lockout', () => {
  async function lockOut(h: Harness, secret: string, challenge: { challengeId: string; challenges: { guid: string }[] }) {
    for (let i = 1; i <= 9; i++) {
      const body = await expectError(await h.resume(A, challenge.challengeId, challenge.challenges[0]!.guid, h.wrongCode(secret)), 403, 'invalid_code');
      assert.equal(body.error.attemptsLeft, 10 - i);
    }
    const res = await h.resume(A, challenge.challengeId, challenge.challenges[0]!.guid, h.wrongCode(secret));
    const retry = res.headers.get('retry-after');
    const body = await expectError(res, 423, 'locked');
    assert.equal(retry, String(body.error.retryAfter));
    return body.error.retryAfter!;
  }

  test('10 wrong codes lock for 15 minutes; even the right code is refused; then it works', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    await h.enrollTotp(B);
    h.advance(STEP_MS);
    const ch = await h.startChallenge(A, PAY);
    assert.equal(await lockOut(h, a.secret, ch), 15 * 60);

    const right = await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.code(a.secret));
    assert.equal(right.headers.get('retry-after'), '900');
    assert.equal((await expectError(right, 423, 'locked')).error.retryAfter, 900);
    // A new challenge on the locked factor is refused too.
    await expectError(await h.post('/mfa/challenges', PAY, A), 423, 'locked');
    // Another user is not affected.
    h.advance(STEP_MS);
    assert.equal((await h.post('/mfa/challenges', PAY, B)).status, 201);

    h.setClock(h.now() - STEP_MS + 15 * 60_000 - 1000);
    const almost = await expectError(await h.post('/mfa/challenges', PAY, A), 423, 'locked');
    assert.equal(almost.error.retryAfter, 1);

    h.advance(1000);
    const ok = await h.answer(A, PAY, h.code(a.secret));
    assert.equal(ok.status, 200);
    // The success reset the counter.
    const next = await expectError(await h.answer(A, PAY, h.wrongCode(a.secret)), 403, 'invalid_code');
    assert.equal(next.error.attemptsLeft, 9);
  });

  test('the next lock without a success in between lasts 30 minutes (doubling), then 60', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    assert.equal(await lockOut(h, a.secret, await h.startChallenge(A, PAY)), 900);
    h.advance(15 * 60_000);
    assert.equal(await lockOut(h, a.secret, await h.startChallenge(A, PAY)), 1800);
    h.advance(15 * 60_000);
    const still = await expectError(await h.post('/mfa/challenges', PAY, A), 423, 'locked');
    assert.equal(still.error.retryAfter, 900);
    h.advance(15 * 60_000);
    assert.equal(await lockOut(h, a.secret, await h.startChallenge(A, PAY)), 3600);
    h.advance(60 * 60_000);
    assert.equal((await h.answer(A, PAY, h.code(a.secret))).status, 200);
  });

  test('a success resets the counter: 9 wrong, 1 right, 9 wrong → not locked', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    let ch = await h.startChallenge(A, PAY);
    for (let i = 0; i < 9; i++) await expectError(await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.wrongCode(a.secret)), 403, 'invalid_code');
    assert.equal((await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.code(a.secret))).status, 200);
    h.advance(STEP_MS);
    ch = await h.startChallenge(A, PAY);
    let last;
    for (let i = 0; i < 9; i++) last = await expectError(await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.wrongCode(a.secret)), 403, 'invalid_code');
    assert.equal(last!.error.attemptsLeft, 1);
    assert.equal((await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, h.code(a.secret))).status, 200);
  });

  test('after a success the lock history is forgotten: the next lock is 15 minutes again', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    assert.equal(await lockOut(h, a.secret, await h.startChallenge(A, PAY)), 900);
    h.advance(15 * 60_000);
    assert.equal((await h.answer(A, PAY, h.code(a.secret))).status, 200);
    assert.equal(await lockOut(h, a.secret, await h.startChallenge(A, PAY)), 900);
  });
});

describe('recovery codes', () => {
  test('a recovery code verifies once (amr rec); upper case without dashes works; count goes down', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    const codes = a.recoveryCodes!;
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 10);

    const ch = await h.startChallenge(A, { ...PAY, factorType: 'recovery' });
    assert.equal(ch.factor.type, 'recovery');
    const step = ch.challenges[0] as any;
    assert.equal(step.inputMode, 'text');
    assert.equal(step.length, undefined);
    const res = await h.resume(A, ch.challengeId, step.guid, codes[0]!);
    assert.equal(res.status, 200);
    const v = await json(res);
    assert.equal(v.status, 'VERIFIED');
    assert.deepEqual(v.amr, ['rec']);
    assert.deepEqual(decodeJwt(v.token).amr, ['rec']);
    assert.equal(decodeJwt(v.token).sub, A);
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 9);

    const shouted = codes[1]!.toUpperCase().replace(/-/g, '');
    const res2 = await h.answer(A, { ...PAY, factorType: 'recovery' }, shouted);
    assert.equal(res2.status, 200);
    assert.deepEqual((await json(res2)).amr, ['rec']);
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 8);

    // The same code a second time, in either spelling.
    const reuse = await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, codes[0]!), 403, 'invalid_code');
    assert.equal(reuse.error.attemptsLeft, 9);
    await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, codes[1]!), 403, 'invalid_code');
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 8);

    // Malformed recovery codes are 400 and not counted.
    for (const bad of ['abc', codes[2]!.slice(0, -1), codes[2]! + 'a', '１２３４-5678-abcd-efgh', 'abcd-efgh-ijkl-mno1', 'abcd-efgh-ijkl-mno8']) {
      await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, bad), 400, 'malformed_code');
    }
    const next = await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, 'aaaa-aaaa-aaaa-aaaa'), 403, 'invalid_code');
    assert.equal(next.error.attemptsLeft, 7, 'two reuses and this wrong code counted; the malformed ones did not');
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 8);
    // A recovery code is not a TOTP code.
    h.advance(STEP_MS);
    await expectError(await h.answer(A, PAY, codes[3]!), 400, 'malformed_code');
  });

  test('recovery codes of another user do not work', async () => {
    const h = makeServer();
    await h.enrollTotp(A);
    const b = await h.enrollTotp(B);
    await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, b.recoveryCodes![0]!), 403, 'invalid_code');
    assert.equal((await h.listFactors(B)).recoveryCodesLeft, 10);
  });
});

describe('factor management needs a step-up for mfa/manage', () => {
  async function expectStepUpRequired(res: Response) {
    const header = res.headers.get('www-authenticate') ?? '';
    const body = await expectError(res, 401, 'insufficient_user_authentication');
    assert.match(header, /insufficient_user_authentication/);
    assert.match(header, /^Bearer /);
    assert.equal(body.resource, 'mfa');
    assert.equal(body.action, 'manage');
  }

  test('without a token: 401 with RFC 9470 challenge; with one: success; regeneration invalidates old codes', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    const old = a.recoveryCodes!;

    await expectStepUpRequired(await h.post('/mfa/factors', { type: 'totp' }, A));
    await expectStepUpRequired(await h.del(`/mfa/factors/${a.factorId}`, A));
    await expectStepUpRequired(await h.post('/mfa/recovery-codes', {}, A));
    await expectStepUpRequired(await h.request('POST', '/mfa/recovery-codes', { user: A })); // no body at all

    // A token for another scope, or garbage, does not count.
    const pay = await h.stepUp(A, a.secret, 'payments', 'transfer');
    await expectStepUpRequired(await h.post('/mfa/recovery-codes', {}, A, { 'step-up-token': pay.token }));
    await expectStepUpRequired(await h.del(`/mfa/factors/${a.factorId}`, A, { 'step-up-token': 'not-a-jwt' }));
    assert.equal((await h.listFactors(A)).factors.length, 1);
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 10);

    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    const auth = { 'step-up-token': manage.token };
    // B cannot use A's management token.
    await h.enrollTotp(B);
    await expectStepUpRequired(await h.post('/mfa/recovery-codes', {}, B, auth));

    const second = await h.enrollTotp(A, auth);
    assert.equal(second.recoveryCodes, undefined);
    assert.equal((await h.listFactors(A)).factors.length, 2);

    const regen = await h.post('/mfa/recovery-codes', {}, A, auth);
    assert.equal(regen.status, 201);
    const fresh = (await json(regen)).recoveryCodes as string[];
    assert.equal(fresh.length, 10);
    for (const c of fresh) assert.match(c, RECOVERY_FORMAT);
    assert.equal(fresh.filter((c) => old.includes(c)).length, 0);
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 10);
    await expectError(await h.answer(A, { ...PAY, factorType: 'recovery' }, old[0]!), 403, 'invalid_code');
    assert.equal((await h.answer(A, { ...PAY, factorType: 'recovery' }, fresh[0]!)).status, 200);
    assert.equal((await h.listFactors(A)).recoveryCodesLeft, 9);

    const del = await h.del(`/mfa/factors/${second.factorId}`, A, auth);
    assert.equal(del.status, 204);
    assert.deepEqual((await h.listFactors(A)).factors.map((f) => f.id), [a.factorId]);

    // Removing the last factor removes the recovery codes with it.
    assert.equal((await h.del(`/mfa/factors/${a.factorId}`, A, auth)).status, 204);
    assert.deepEqual(await h.listFactors(A), { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });
  });

  test('an expired management token is refused', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    h.advance(301_000);
    await expectStepUpRequired(await h.post('/mfa/recovery-codes', {}, A, { 'step-up-token': manage.token }));
  });
});

describe('bad input (docs/server.md "HTTP protocol")', () => {
  const tooBig = JSON.stringify({ resource: 'payments', action: 'transfer', reason: 'x'.repeat(17 * 1024) });

  test('every bad request is a 4xx {error:{code,message}}, never a 5xx, and changes nothing', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    const b = await h.enrollTotp(B);
    h.advance(STEP_MS);
    const before = await h.listFactors(A);
    const beforeB = await h.listFactors(B);
    const ch = await h.startChallenge(A, PAY);
    const guid = ch.challenges[0]!.guid;
    const resumePath = `/mfa/challenges/${ch.challengeId}/resume`;
    const answer = (value: unknown) => h.post(resumePath, { answers: [{ guid, value }] }, A);
    // A pending factor to confirm (management token needed to add it).
    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    const pending = await json(await h.post('/mfa/factors', { type: 'totp' }, A, { 'step-up-token': manage.token }));
    const beforeChecked = await h.listFactors(A);

    type Case = [name: string, run: () => Promise<Response>, status: number, code: string];
    const cases: Case[] = [
      // Malformed JSON and non-object bodies
      ['truncated JSON', () => h.request('POST', '/mfa/challenges', { raw: '{"resource":', user: A }), 400, 'malformed_request'],
      ['not JSON', () => h.request('POST', '/mfa/challenges', { raw: 'resource=payments', user: A }), 400, 'malformed_request'],
      ['JSON null', () => h.request('POST', '/mfa/challenges', { raw: 'null', user: A }), 400, 'malformed_request'],
      ['JSON array', () => h.request('POST', '/mfa/challenges', { raw: '[]', user: A }), 400, 'malformed_request'],
      ['JSON string', () => h.request('POST', '/mfa/challenges', { raw: '"payments"', user: A }), 400, 'malformed_request'],
      ['JSON number', () => h.request('POST', '/mfa/challenges', { raw: '1e999', user: A }), 400, 'malformed_request'],
      ['deeply nested', () => h.request('POST', '/mfa/challenges', { raw: '['.repeat(5000) + ']'.repeat(5000), user: A }), 400, 'malformed_request'],
      ['invalid UTF-8', () => h.request('POST', '/mfa/challenges', { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), user: A }), 400, 'malformed_request'],
      ['BOM + JSON garbage', () => h.request('POST', '/mfa/challenges', { raw: '\ufeff{,}', user: A }), 400, 'malformed_request'],
      // Wrong types, missing fields, unknown keys
      ['resource is a number', () => h.post('/mfa/challenges', { resource: 1, action: 'transfer' }, A), 400, 'malformed_request'],
      ['action is an array', () => h.post('/mfa/challenges', { resource: 'payments', action: ['transfer'] }, A), 400, 'malformed_request'],
      ['force is a string', () => h.post('/mfa/challenges', { ...PAY, force: 'yes' }, A), 400, 'malformed_request'],
      ['unknown factorType', () => h.post('/mfa/challenges', { ...PAY, factorType: 'sms' }, A), 400, 'malformed_request'],
      ['factorId is an object', () => h.post('/mfa/challenges', { ...PAY, factorId: { $ne: null } }, A), 400, 'malformed_request'],
      ['missing action', () => h.post('/mfa/challenges', { resource: 'payments' }, A), 400, 'malformed_request'],
      ['empty object', () => h.post('/mfa/challenges', {}, A), 400, 'malformed_request'],
      ['unknown key', () => h.post('/mfa/challenges', { ...PAY, admin: true }, A), 400, 'malformed_request'],
      ['__proto__ key', () => h.request('POST', '/mfa/challenges', { raw: '{"resource":"payments","action":"transfer","__proto__":{"admin":true}}', user: A }), 400, 'malformed_request'],
      ['resource with spaces', () => h.post('/mfa/challenges', { resource: 'pay ments', action: 'transfer' }, A), 400, 'malformed_request'],
      ['resource too long', () => h.post('/mfa/challenges', { resource: 'p'.repeat(65), action: 'transfer' }, A), 400, 'malformed_request'],
      ['empty resource', () => h.post('/mfa/challenges', { resource: '', action: 'transfer' }, A), 400, 'malformed_request'],
      ['answers is a string', () => h.post(resumePath, { answers: '123456' }, A), 400, 'malformed_request'],
      ['answers empty', () => h.post(resumePath, { answers: [] }, A), 400, 'malformed_request'],
      ['answers too many', () => h.post(resumePath, { answers: Array.from({ length: 9 }, () => ({ guid, value: '123456' })) }, A), 400, 'malformed_request'],
      ['answer without value', () => h.post(resumePath, { answers: [{ guid }] }, A), 400, 'malformed_request'],
      ['answer value is a number', () => answer(123456), 400, 'malformed_request'],
      ['answer value null', () => answer(null), 400, 'malformed_request'],
      ['answer value empty', () => answer(''), 400, 'malformed_request'],
      // Answers may be WebAuthn assertions (JSON), so the schema allows 8 KiB; a code step still refuses a long code.
      ['answer value too long', () => answer('1'.repeat(8_193)), 400, 'malformed_request'],
      ['code answer too long for a code', () => answer('1'.repeat(65)), 400, 'malformed_code'],
      ['answer with extra key', () => h.post(resumePath, { answers: [{ guid, value: '123456', factorId: a.factorId }] }, A), 400, 'malformed_request'],
      ['resume with extra key', () => h.post(resumePath, { answers: [{ guid, value: '123456' }], sub: B }, A), 400, 'malformed_request'],
      ['answer to another guid', () => h.post(resumePath, { answers: [{ guid: 'other', value: '123456' }] }, A), 400, 'malformed_request'],
      ['two answers', () => h.post(resumePath, { answers: [{ guid, value: '123456' }, { guid, value: '654321' }] }, A), 400, 'malformed_request'],
      ['confirm without code', () => h.post(`/mfa/factors/${pending.factorId}/confirm`, {}, A), 400, 'malformed_request'],
      ['confirm code is a number', () => h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: 123456 }, A), 400, 'malformed_request'],
      ['enroll sms', () => h.post('/mfa/factors', { type: 'sms' }, A), 400, 'malformed_request'],
      ['enroll empty label', () => h.post('/mfa/factors', { type: 'totp', label: '   ' }, A), 400, 'malformed_request'],
      ['enroll long label', () => h.post('/mfa/factors', { type: 'totp', label: 'x'.repeat(65) }, A), 400, 'malformed_request'],
      ['rename without label', () => h.request('PATCH', `/mfa/factors/${a.factorId}`, { body: {}, user: A }), 400, 'malformed_request'],
      ['delete with a body', () => h.request('DELETE', `/mfa/factors/${a.factorId}`, { body: { force: true }, user: A }), 400, 'malformed_request'],
      ['recovery-codes with a body', () => h.post('/mfa/recovery-codes', { count: 100 }, A), 400, 'malformed_request'],
      // Size and media type
      ['body over 16 KB', () => h.request('POST', '/mfa/challenges', { raw: tooBig, user: A }), 413, 'payload_too_large'],
      ['body over 16 KB with content-length', () => h.request('POST', '/mfa/challenges', { raw: tooBig, user: A, headers: { 'content-length': String(Buffer.byteLength(tooBig)) } }), 413, 'payload_too_large'],
      ['body over 16 KB without a session', () => h.request('POST', '/mfa/challenges', { raw: tooBig }), 413, 'payload_too_large'],
      ['text/plain', () => h.request('POST', '/mfa/challenges', { raw: JSON.stringify(PAY), user: A, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['form-urlencoded', () => h.request('POST', '/mfa/challenges', { raw: 'resource=payments&action=transfer', user: A, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
      ['multipart', () => h.request('POST', '/mfa/recovery-codes', { raw: '--x\r\n\r\n--x--', user: A, headers: { 'content-type': 'multipart/form-data; boundary=x' } }), 415, 'unsupported_media_type'],
      ['text/plain empty body', () => h.request('POST', '/mfa/recovery-codes', { user: A, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['json-looking type', () => h.request('POST', '/mfa/challenges', { raw: JSON.stringify(PAY), user: A, headers: { 'content-type': 'application/jsonx' } }), 415, 'unsupported_media_type'],
      // Unknown ids and endpoints
      ['unknown challenge', () => h.post('/mfa/challenges/00000000-0000-0000-0000-000000000000/resume', { answers: [{ guid, value: '123456' }] }, A), 404, 'not_found'],
      ['long challenge id', () => h.post(`/mfa/challenges/${'x'.repeat(2000)}/resume`, { answers: [{ guid, value: '123456' }] }, A), 404, 'not_found'],
      ['odd challenge id', () => h.post(`/mfa/challenges/%00%27%22/resume`, { answers: [{ guid, value: '123456' }] }, A), 404, 'not_found'],
      ['unknown factor (confirm)', () => h.post('/mfa/factors/nope/confirm', { code: '123456' }, A), 404, 'not_found'],
      ['unknown factor (delete)', () => h.del('/mfa/factors/nope', A), 404, 'not_found'],
      ['unknown factor (rename)', () => h.request('PATCH', '/mfa/factors/nope', { body: { label: 'x' }, user: A }), 404, 'not_found'],
      ['unknown endpoint', () => h.post('/mfa/admin', {}, A), 404, 'not_found'],
      ['wrong method', () => h.request('PUT', '/mfa/factors', { body: {}, user: A }), 404, 'not_found'],
      ['unknown GET path', () => h.get('/mfa/factors/x/y/z', A), 404, 'not_found'],
      ['GET on a POST-only path', () => h.get('/mfa/recovery-codes', A), 404, 'not_found'],
      // Someone else's ids (B acting on A's)
      ["B confirms A's pending factor", () => h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: h.code(b.secret) }, B), 404, 'not_found'],
      ["B deletes A's factor", () => h.del(`/mfa/factors/${a.factorId}`, B), 404, 'not_found'],
      ["B resumes A's challenge", () => h.post(resumePath, { answers: [{ guid, value: h.code(a.secret) }] }, B), 404, 'not_found'],
      // Session and origin
      ['no session (GET)', () => h.get('/mfa/factors'), 401, 'unauthenticated'],
      ['no session (POST)', () => h.post('/mfa/challenges', PAY), 401, 'unauthenticated'],
      ['no session (resume)', () => h.post(resumePath, { answers: [{ guid, value: '123456' }] }), 401, 'unauthenticated'],
      ['empty session header', () => h.get('/mfa/factors', undefined, { 'x-test-user': '' }), 401, 'unauthenticated'],
      ['missing Origin', () => h.post('/mfa/challenges', PAY, A, { origin: null }), 403, 'forbidden_origin'],
      ['wrong Origin', () => h.post('/mfa/challenges', PAY, A, { origin: 'http://evil.example' }), 403, 'forbidden_origin'],
      ['look-alike Origin', () => h.post('/mfa/challenges', PAY, A, { origin: 'http://localhost.evil.example' }), 403, 'forbidden_origin'],
      ['other port Origin', () => h.post('/mfa/challenges', PAY, A, { origin: 'http://localhost:8080' }), 403, 'forbidden_origin'],
      ['https Origin', () => h.post('/mfa/challenges', PAY, A, { origin: 'https://localhost' }), 403, 'forbidden_origin'],
      ['null Origin', () => h.post('/mfa/challenges', PAY, A, { origin: 'null' }), 403, 'forbidden_origin'],
      ['missing Origin on DELETE', () => h.del(`/mfa/factors/${a.factorId}`, A, { origin: null, 'step-up-token': manage.token }), 403, 'forbidden_origin'],
      ['missing Origin on PATCH', () => h.request('PATCH', `/mfa/factors/${a.factorId}`, { body: { label: 'x' }, user: A, headers: { origin: null } }), 403, 'forbidden_origin'],
      ['missing Origin on resume', () => h.post(resumePath, { answers: [{ guid, value: h.code(a.secret, 1) }] }, A, { origin: null }), 403, 'forbidden_origin'],
      ['missing Origin on session delete', () => h.del('/mfa/session', A, { origin: null }), 403, 'forbidden_origin'],
    ];

    const seen: number[] = [];
    for (const [name, run, status, code] of cases) {
      const res = await run();
      seen.push(res.status);
      assert.ok(res.status < 500, `${name}: ${res.status}`);
      await assert.doesNotReject(expectError(res, status, code), `${name}`);
    }
    assert.ok(seen.every((s) => s >= 400 && s < 500));

    // Someone else's ids answer exactly like unknown ones.
    const same = async (x: () => Promise<Response>, y: () => Promise<Response>) => {
      const [rx, ry] = [await x(), await y()];
      assert.equal(rx.status, ry.status);
      assert.deepEqual(await rx.json(), await ry.json());
    };
    await same(() => h.del(`/mfa/factors/${a.factorId}`, B), () => h.del('/mfa/factors/nope', B));
    await same(() => h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: '123456' }, B), () => h.post('/mfa/factors/nope/confirm', { code: '123456' }, B));
    // Challenges on someone else's or an unknown factor id are decoys: alike up to their random ids
    // (enumeration.test.ts shows their answers equal a wrong code's).
    const strip = async (r: Response) => {
      const body = await r.json();
      return { status: r.status, ...body, challengeId: '*', factor: { ...body.factor, id: '*' }, challenges: body.challenges.map((c: object) => ({ ...c, guid: '*' })) };
    };
    assert.deepEqual(await strip(await h.post('/mfa/challenges', { ...PAY, factorId: a.factorId }, B)), await strip(await h.post('/mfa/challenges', { ...PAY, factorId: 'nope' }, B)));
    await same(() => h.post(resumePath, { answers: [{ guid, value: '123456' }] }, B), () => h.post('/mfa/challenges/nope/resume', { answers: [{ guid, value: '123456' }] }, B));

    // Nothing changed for A or B.
    assert.deepEqual(await h.listFactors(A), beforeChecked);
    assert.deepEqual(await h.listFactors(B), beforeB);
    assert.equal(beforeChecked.recoveryCodesLeft, before.recoveryCodesLeft);
    // A's pending factor is still A's and still confirmable.
    h.advance(STEP_MS);
    const confirmed = await h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: h.code(pending.secret) }, A, { 'step-up-token': manage.token });
    assert.equal(confirmed.status, 200);
  });

  test('malformed codes are 400 malformed_code and never count toward lockout', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    const before = await h.listFactors(A);
    const ch = await h.startChallenge(A, PAY);
    const guid = ch.challenges[0]!.guid;
    const right = h.code(a.secret);
    const malformed = [
      '１２３４５６', // full-width digits
      '٣٤٥٦٧٨', // Arabic-Indic digits
      '12345', // 5 digits
      '1234567', // 7
      '123456789', // 9
      '12345a',
      '-12345',
      '+123456',
      '12-34-56',
      '123.456',
      '1e5000',
      '0x1234',
      '  ',
      right.slice(0, 5),
      right + '0',
      `${right.slice(0, 3)}\u200b${right.slice(3)}`, // zero-width space
      `${right}\n`,
    ];
    for (const value of malformed) {
      await assert.doesNotReject(expectError(await h.resume(A, ch.challengeId, guid, value), 400, 'malformed_code'), JSON.stringify(value));
    }
    for (let i = 0; i < 12; i++) await expectError(await h.resume(A, ch.challengeId, guid, '１２３４５６'), 400, 'malformed_code');
    // Same at enrollment confirmation.
    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    const pending = await json(await h.post('/mfa/factors', { type: 'totp' }, A, { 'step-up-token': manage.token }));
    const asManager = { 'step-up-token': manage.token }; // confirming a second factor needs it too
    for (let i = 0; i < 12; i++) await expectError(await h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: '１２３４５６' }, A, asManager), 400, 'malformed_code');

    const after = await h.listFactors(A);
    assert.equal(after.recoveryCodesLeft, before.recoveryCodesLeft);
    assert.deepEqual(after.factors.map((f) => f.id), before.factors.map((f) => f.id));

    // Nothing counted: the next wrong code still has 9 attempts left, and the right code works.
    h.advance(STEP_MS);
    const ch2 = await h.startChallenge(A, PAY);
    const wrong = await expectError(await h.resume(A, ch2.challengeId, ch2.challenges[0]!.guid, h.wrongCode(a.secret)), 403, 'invalid_code');
    assert.equal(wrong.error.attemptsLeft, 9);
    // Spaces are removed before the check (what people paste: "123 456").
    const spaced = `${h.code(a.secret).slice(0, 3)} ${h.code(a.secret).slice(3)}`;
    const ok = await h.resume(A, ch2.challengeId, ch2.challenges[0]!.guid, spaced);
    assert.equal(ok.status, 200);
    assert.equal((await json(ok)).status, 'VERIFIED');
    // The pending factor's confirmation was not counted either.
    const conf = await h.post(`/mfa/factors/${pending.factorId}/confirm`, { code: h.code(pending.secret) }, A, asManager);
    assert.equal(conf.status, 200);
  });

  test('GET needs no Origin; application/json with charset and +json are accepted; empty body is {}', async () => {
    const h = makeServer();
    const a = await h.enrollTotp(A);
    assert.equal((await h.get('/mfa/factors', A, { origin: null })).status, 200);
    const withCharset = await h.request('POST', '/mfa/challenges', { body: PAY, user: A, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(withCharset.status, 201);
    const plusJson = await h.request('POST', '/mfa/challenges', { body: PAY, user: A, headers: { 'content-type': 'application/vnd.api+json' } });
    assert.equal(plusJson.status, 201);
    const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
    const empty = await h.request('POST', '/mfa/recovery-codes', { user: A, headers: { 'step-up-token': manage.token } });
    assert.equal(empty.status, 201);
    assert.equal((await h.del('/mfa/session', A)).status, 204);
  });
});

describe('store outage (docs/server.md "HTTP protocol": a generic 503, never a success)', () => {
  test('every /mfa request fails closed with 503 unavailable while the store is down', async () => {
    let down = false;
    const real = new MemoryStore();
    const store = outageStore(real, () => down);
    const h = makeServer({ store });
    const a = await h.enrollTotp(A);
    h.advance(STEP_MS);
    const ch = await h.startChallenge(A, PAY);
    const code = h.code(a.secret);
    down = true;
    const original = console.error;
    console.error = () => {};
    try {
      const answers = [
        await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, code),
        await h.post('/mfa/challenges', PAY, A),
        await h.get('/mfa/factors', A),
        await h.post('/mfa/factors', { type: 'totp' }, A),
      ];
      for (const res of answers) {
        const text = await res.clone().text();
        assert.ok(res.status >= 500, `fails closed: ${res.status} ${text}`);
        assert.doesNotMatch(text, /VERIFIED|token/);
        await expectError(res, 503, 'unavailable');
      }
    } finally {
      console.error = original;
      down = false;
    }
    // Back up: the code that was refused during the outage was not spent.
    assert.equal((await h.resume(A, ch.challengeId, ch.challenges[0]!.guid, code)).status, 200);
  });
});
