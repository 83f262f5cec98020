/**
 * MX-style knowledge questions (docs/server.md "Factors" "question / options / image", `factorType: 'kba'`):
 * successive `CHALLENGED` steps of one challenge id, `acr: 'kba'`, `amr: ['kba']` — and never
 * accepted where `acr=mfa` is required, never counted as step-up freshness.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { MfaServerOptions } from '../../src/server/config.js';
import { Outbox } from '../../src/server/delivery/senders.js';
import { kbaLockKey, sameAnswer, type KbaPlugin, type KbaQuestion } from '../../src/server/factors/kba.js';
import { assertErrorShape, expectError, latestCode, makeServer, otherCode, type Harness } from './harness.js';

const A = 'alice';
const B = 'bob';
const PAY = { resource: 'payments', action: 'transfer' } as const;
const KBA_REF = { id: 'kba', type: 'kba', label: 'Security questions' };
const ACCOUNTS = [
  { label: 'Checking ••12', value: 'acc-1' },
  { label: 'Savings ••34', value: 'acc-2' },
  { label: 'Brokerage ••56', value: 'acc-3' },
];
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const json = async (res: Response): Promise<any> => res.json();

const bankQuestions = (): KbaQuestion[] => [
  { type: 'text', label: 'First pet?', check: (v) => sameAnswer(v, 'Rex') },
  { type: 'options', label: 'Which account is yours?', options: ACCOUNTS, check: (v) => v === 'acc-2' },
  { type: 'code', label: 'Enter the code', sendTo: { type: 'email', address: 'bank@example.com' } },
];

function setup(opts: { questions?: () => KbaQuestion[] | null; flowId?: KbaPlugin['flowId']; overrides?: Partial<MfaServerOptions> } = {}) {
  const outbox = new Outbox();
  const calls: { sub: string; scope: { resource: string; action: string } }[] = [];
  const kba: KbaPlugin = {
    questions: (sub, scope) => {
      calls.push({ sub, scope });
      return (opts.questions ?? bankQuestions)();
    },
    ...(opts.flowId && { flowId: opts.flowId }),
  };
  const h = makeServer({ kba, email: outbox, ...opts.overrides });
  h.mfa.context.logger = { warn: () => {} };
  // Routes that accept a KBA result on purpose (control), next to the harness's default-acr ones.
  h.app.post('/api/kba-ok', h.mfa.requireStepUp({ ...PAY, acrValues: ['kba'] }), (c) => c.json({ ok: true }));
  return { h, outbox, calls };
}

/** The lockout key of the default bank questions for `scope`, as the server computes it. */
const lockKey = (h: Harness, scope: { resource: string; action: string }) => kbaLockKey(h.mfa.context.factorOptions.kba!, A, scope, bankQuestions());

async function start(h: Harness, user = A, scope: { resource: string; action: string } = PAY) {
  const res = await h.post('/mfa/challenges', { ...scope, factorType: 'kba' }, user);
  assert.equal(res.status, 201, `kba start: ${res.status} ${await res.clone().text()}`);
  return json(res);
}

/** Walks the three bank questions right; returns the VERIFIED answer. */
async function passKba(h: Harness, outbox: Outbox, user = A, scope: { resource: string; action: string } = PAY) {
  const ch = await start(h, user, scope);
  const s2 = await json(await h.resume(user, ch.challengeId, ch.challenges[0].guid, 'rex'));
  const s3 = await json(await h.resume(user, ch.challengeId, s2.challenges[0].guid, 'acc-2'));
  const res = await h.resume(user, ch.challengeId, s3.challenges[0].guid, latestCode(outbox, user));
  assert.equal(res.status, 200, `kba verify: ${res.status} ${await res.clone().text()}`);
  return json(res);
}

describe('KBA flow', () => {
  test('text → options → code → VERIFIED with acr kba, amr [kba]; one challenge id throughout', async () => {
    const { h, outbox, calls } = setup();
    const ch = await start(h);
    assert.equal(ch.status, 'CHALLENGED');
    assert.deepEqual(ch.factor, KBA_REF);
    assert.deepEqual(ch.factors, [KBA_REF]);
    assert.deepEqual(ch.challenges, [{ guid: ch.challenges[0].guid, type: 'text', label: 'First pet?', fieldName: 'answer' }]);
    assert.deepEqual(calls[0], { sub: A, scope: PAY });

    // Empty answer: malformed, not counted.
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, '   '), 400, 'malformed_code');
    assert.equal((await h.store.getFailureState(A, lockKey(h, PAY))).failures, 0);

    const r2 = await h.resume(A, ch.challengeId, ch.challenges[0].guid, '  REX ');
    assert.equal(r2.status, 200);
    const s2 = await json(r2);
    assert.equal(s2.status, 'CHALLENGED');
    assert.equal(s2.challengeId, ch.challengeId);
    const opt = s2.challenges[0];
    assert.notEqual(opt.guid, ch.challenges[0].guid);
    assert.deepEqual(opt, { guid: opt.guid, type: 'options', label: 'Which account is yours?', fieldName: 'choice', options: ACCOUNTS });
    // The previous step's guid no longer answers.
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'rex'), 400, 'malformed_request');

    // A value not offered: 400, nothing counted, the same step still answers.
    await expectError(await h.resume(A, ch.challengeId, opt.guid, 'acc-9'), 400, 'invalid_option');
    assert.equal((await h.store.getFailureState(A, lockKey(h, PAY))).failures, 0);
    assert.equal(outbox.list(A).length, 0);

    const r3 = await h.resume(A, ch.challengeId, opt.guid, 'acc-2');
    assert.equal(r3.status, 200);
    const s3 = await json(r3);
    assert.equal(s3.challengeId, ch.challengeId);
    const codeStep = s3.challenges[0];
    assert.deepEqual(codeStep, {
      guid: codeStep.guid, type: 'code', label: 'Enter the code sent to b•••@example.com', fieldName: 'code', length: 6, inputMode: 'numeric',
      sentTo: 'b•••@example.com', resendAfter: 30,
    });
    const [mail] = outbox.list(A);
    assert.equal(mail!.to, 'bank@example.com');
    assert.equal(mail!.channel, 'email');
    const code = latestCode(outbox, A);

    const ok = await h.resume(A, ch.challengeId, codeStep.guid, code);
    assert.equal(ok.status, 200);
    const v = await json(ok);
    assert.equal(v.status, 'VERIFIED');
    assert.equal(v.acr, 'kba');
    assert.deepEqual(v.amr, ['kba']);
    const claims = decodeJwt(v.token);
    assert.equal(claims.acr, 'kba');
    assert.deepEqual(claims.amr, ['kba']);
    assert.equal(claims.sub, A);
    await expectError(await h.resume(A, ch.challengeId, codeStep.guid, code), 404, 'not_found');
    const success = (await h.store.listAuditEvents(A, 100)).find((e) => e.type === 'verify.success');
    assert.equal(success?.metadata?.acr, 'kba');
  });

  test('the code step can be resent (after 30 s) and the old code stops working', async () => {
    const { h, outbox } = setup();
    const ch = await start(h);
    const s2 = await json(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'Rex'));
    const s3 = await json(await h.resume(A, ch.challengeId, s2.challenges[0].guid, 'acc-2'));
    const first = latestCode(outbox, A);
    await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 429, 'rate_limited');
    h.advance(30_000);
    const resent = await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A);
    assert.equal(resent.status, 200);
    assert.equal((await json(resent)).challenges[0].guid, s3.challenges[0].guid);
    const second = latestCode(outbox, A);
    if (second !== first) await expectError(await h.resume(A, ch.challengeId, s3.challenges[0].guid, first), 403, 'invalid_code');
    assert.equal((await h.resume(A, ch.challengeId, s3.challenges[0].guid, second)).status, 200);
  });

  test('a text or options step has no resend (409)', async () => {
    const { h } = setup();
    const ch = await start(h);
    await expectError(await h.post(`/mfa/challenges/${ch.challengeId}/resend`, {}, A), 409, 'conflict');
  });

  test("another user cannot answer someone's KBA challenge (404)", async () => {
    const { h } = setup();
    const ch = await start(h);
    await expectError(await h.resume(B, ch.challengeId, ch.challenges[0].guid, 'rex'), 404, 'not_found');
  });

  test('no plugin → 400 unsupported_factor; no questions for the user → 409 not_enrolled', async () => {
    const plain = makeServer();
    await expectError(await plain.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A), 400, 'unsupported_factor');
    const { h } = setup({ questions: () => null });
    await expectError(await h.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A), 409, 'not_enrolled');
    const empty = setup({ questions: () => [] });
    await expectError(await empty.h.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A), 409, 'not_enrolled');
  });
});

describe('KBA is not MFA', () => {
  test('a KBA token is refused by a default (acr=mfa) guard and accepted only where kba is allowed', async () => {
    const { h, outbox } = setup();
    const v = await passKba(h, outbox);
    const refused = await h.request('POST', '/api/transfer', { user: A, headers: { 'step-up-token': v.token } });
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300');
    const body = await expectError(refused, 401, 'insufficient_user_authentication');
    assert.equal(body.acr_values, 'mfa');
    // Control: the token itself is valid for a route that opts into kba.
    const ok = await h.request('POST', '/api/kba-ok', { user: A, headers: { 'step-up-token': v.token } });
    assert.equal(ok.status, 200);
  });

  test('a KBA verification is no step-up freshness: the next normal challenge still asks for a factor', async () => {
    const { h, outbox } = setup({ overrides: { freshness: {} } }); // default policy: 15 min, same resource
    const t = await h.enrollTotp(A);
    await passKba(h, outbox);
    const after = await h.post('/mfa/challenges', PAY, A);
    assert.equal(after.status, 201);
    const ch = await json(after);
    assert.equal(ch.status, 'CHALLENGED');
    assert.equal(ch.factor.type, 'totp');
    assert.equal((await h.store.listFreshness(A, 'default', h.now())).length, 0);

    // Control: under this policy a real factor does make the next challenge answer at once.
    h.advance(30_000);
    assert.equal((await h.resume(A, ch.challengeId, ch.challenges[0].guid, h.code(t.secret))).status, 200);
    const fresh = await h.post('/mfa/challenges', PAY, A);
    assert.equal(fresh.status, 200);
    assert.equal((await json(fresh)).status, 'VERIFIED');
  });

  test('a fresh MFA step-up does not skip KBA questions (factorType kba always asks)', async () => {
    const { h } = setup({ overrides: { freshness: {} } });
    const t = await h.enrollTotp(A);
    await h.stepUp(A, t.secret, PAY.resource, PAY.action);
    const ch = await start(h);
    assert.equal(ch.status, 'CHALLENGED');
    assert.equal(ch.challenges[0].type, 'text');
  });
});

describe('KBA lockout', () => {
  test('wrong answers count toward the lockout of that question flow: 10 → 423, and no new KBA challenge while locked', async () => {
    const { h, outbox } = setup();
    const ch = await start(h);
    const left: number[] = [];
    for (let i = 0; i < 9; i++) {
      left.push((await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, `Fluffy ${i}`), 403, 'invalid_code')).error.attemptsLeft!);
    }
    assert.deepEqual(left, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const locked = await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'Fluffy'), 423, 'locked');
    assert.equal(locked.error.retryAfter, 15 * 60);
    // Even the right answer is refused now, and no new challenge starts.
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'Rex'), 423, 'locked');
    await expectError(await h.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A), 423, 'locked');
    assert.ok((await h.store.getFailureState(A, lockKey(h, PAY))).lockedUntil > h.now());
    assert.equal(outbox.list(A).length, 0);
    assert.ok((await h.store.listAuditEvents(A, 100)).some((e) => e.type === 'factor.locked'));
    // Another user is not affected.
    assert.equal((await passKba(h, outbox, B)).acr, 'kba');
  });

  test('a wrong option and a wrong code are counted too', async () => {
    const { h, outbox } = setup();
    const ch = await start(h);
    const s2 = await json(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'rex'));
    const wrongOption = await expectError(await h.resume(A, ch.challengeId, s2.challenges[0].guid, 'acc-1'), 403, 'invalid_code');
    assert.equal(wrongOption.error.attemptsLeft, 9);
    const s3 = await json(await h.resume(A, ch.challengeId, s2.challenges[0].guid, 'acc-2'));
    const code = latestCode(outbox, A);
    const wrongCode = await expectError(await h.resume(A, ch.challengeId, s3.challenges[0].guid, otherCode(code)), 403, 'invalid_code');
    // The right option in between does not wipe the wrong one: only the last answer resets.
    assert.equal(wrongCode.error.attemptsLeft, 8);
    await expectError(await h.resume(A, ch.challengeId, s3.challenges[0].guid, '12345'), 400, 'malformed_code');
    assert.equal((await h.store.getFailureState(A, lockKey(h, PAY))).failures, 2);
    assert.equal((await h.resume(A, ch.challengeId, s3.challenges[0].guid, code)).status, 200);
    assert.equal((await h.store.getFailureState(A, lockKey(h, PAY))).failures, 0, 'the full pass resets the count');
  });

  test('knowing the easy answer does not reset the lockout of the hard one (new challenges included)', async () => {
    const { h, outbox } = setup();
    let failures = 0;
    // An attacker who knows the pet's name keeps restarting to guess the code it never sees.
    while (failures < 10) {
      const ch = await start(h);
      const s2 = await json(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'rex'));
      const s3 = await json(await h.resume(A, ch.challengeId, s2.challenges[0].guid, 'acc-2'));
      for (let i = 0; i < 5 && failures < 10; i++) {
        const guess = otherCode(latestCode(outbox, A));
        const res = await h.resume(A, ch.challengeId, s3.challenges[0].guid, guess);
        failures++;
        if (failures < 10) assert.equal((await expectError(res, 403, 'invalid_code')).error.attemptsLeft, 10 - failures);
        else await expectError(res, 423, 'locked');
      }
    }
    await expectError(await h.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A), 423, 'locked');
  });

  test('passing another, easier question flow never resets the failures of this one', async () => {
    // An attacker guesses the first pet on one flow, and between guesses passes a flow whose
    // answers they know (here: the same plugin for another scope — a flow of its own, as the
    // plugin's flowId says — answered right in full).
    const { h, outbox } = setup({ flowId: (_sub, scope) => `${scope.resource}/${scope.action}` });
    const OTHER = { resource: 'bank', action: 'picture' } as const;
    const ch = await start(h);
    for (let i = 0; i < 7; i++) await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, `Fluffy ${i}`), 403, 'invalid_code');
    assert.equal((await passKba(h, outbox, A, OTHER)).acr, 'kba');
    for (let i = 7; i < 9; i++) await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, `Fluffy ${i}`), 403, 'invalid_code');
    await expectError(await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'Fluffy 9'), 423, 'locked');
    assert.equal((await h.store.getFailureState(A, lockKey(h, OTHER))).failures, 0);
  });

  test("KBA failures do not lock the user's real factors, and the reverse", async () => {
    const { h } = setup();
    const t = await h.enrollTotp(A);
    const ch = await start(h);
    for (let i = 0; i < 10; i++) await h.resume(A, ch.challengeId, ch.challenges[0].guid, `wrong ${i}`);
    assert.ok((await h.store.getFailureState(A, lockKey(h, PAY))).lockedUntil > h.now());
    assert.equal((await h.store.getFailureState(A, t.factorId)).failures, 0);
    assert.equal((await h.stepUp(A, t.secret, PAY.resource, PAY.action)).acr, 'mfa');
  });
});

describe('KBA images', () => {
  const imageQuestion = (image: string, where: 'option' | 'question'): KbaQuestion => ({
    type: 'image',
    label: 'Which picture did you choose?',
    options: [
      { label: 'Cat', value: 'cat', ...(where === 'option' && { image }) },
      { label: 'Dog', value: 'dog', image: PNG },
    ],
    ...(where === 'question' && { image }),
    check: (v) => v === 'cat',
  });

  test('data:image URLs and same-origin paths are passed to the step as they are', async () => {
    const { h } = setup({ questions: () => [imageQuestion('/img/cat.png', 'option'), { ...imageQuestion(PNG, 'question') }] });
    const ch = await start(h);
    const step = ch.challenges[0];
    assert.equal(step.type, 'image');
    assert.equal(step.fieldName, 'choice');
    assert.deepEqual(step.options, [{ label: 'Cat', value: 'cat', image: '/img/cat.png' }, { label: 'Dog', value: 'dog', image: PNG }]);
    await expectError(await h.resume(A, ch.challengeId, step.guid, 'cow'), 400, 'invalid_option');
    const next = await json(await h.resume(A, ch.challengeId, step.guid, 'cat'));
    assert.equal(next.challenges[0].image, PNG);
    const v = await json(await h.resume(A, ch.challengeId, next.challenges[0].guid, 'cat'));
    assert.equal(v.acr, 'kba');
  });

  for (const bad of ['javascript:alert(1)', 'https://evil.example/x.png', '//evil.example/x.png', 'data:text/html;base64,PHNjcmlwdD4=', 'data:image/svg+xml;base64,PHN2Zz4=']) {
    for (const where of ['option', 'question'] as const) {
      test(`an ${where} image ${bad} is never sent to the browser`, async () => {
        const { h } = setup({ questions: () => [imageQuestion(bad, where)] });
        const res = await h.post('/mfa/challenges', { ...PAY, factorType: 'kba' }, A);
        const text = await res.text();
        assert.ok(res.status >= 400, `refused, got ${res.status}`);
        assert.notEqual(res.status, 500, 'mapped, not an unhandled error');
        assert.ok(!text.includes('evil.example') && !text.includes('javascript') && !text.includes('data:'), text);
        assertErrorShape(JSON.parse(text));
      });
    }
  }

  test('an unsafe image on a later question: the earlier answer does not leak the picture and the challenge stays where it was', async () => {
    const { h } = setup({ questions: () => [bankQuestions()[0]!, imageQuestion('https://evil.example/x.png', 'option')] });
    const ch = await start(h);
    const res = await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'rex');
    const text = await res.text();
    assert.ok(res.status >= 400, `refused, got ${res.status}`);
    assert.ok(!text.includes('evil.example'));
    // Still on question 1 (the step did not advance).
    const again = await h.resume(A, ch.challengeId, ch.challenges[0].guid, 'rex');
    assert.ok(again.status >= 400);
    assert.ok(!(await again.text()).includes('evil.example'));
  });
});
