/**
 * Attack: plant a factor before the user's first enrollment, confirm it later (security review
 * finding 4). Before the fix: while the user had no factor, an intruder in their session started
 * a TOTP (or passkey) enrollment; after the user enrolled their own, the intruder's confirm still
 * answered 200 without any step-up, then stepped up with it, removed the user's factor and
 * regenerated the recovery codes. Nobody told the user.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../src/server/delivery/senders.js';
import type { SecurityNotice } from '../../src/server/factors/notices.js';
import { base32Decode } from '../../src/server/totp/base32.js';
import { hotp, timeStep } from '../../src/server/totp/totp.js';
import { expectError, makeServer, STEP_MS } from '../server/harness.js';

const V = 'victim';
const intruder = { 'x-test-session': 'intruder' };
const victim = { 'x-test-session': 'victim-laptop' };

/** Notices arrive in the background, after the answer: wait for them (bounded). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

function setUp() {
  const outbox = new Outbox();
  const notices: SecurityNotice[] = [];
  const h = makeServer({ email: outbox, notify: (n) => void notices.push(n) });
  return { h, outbox, notices };
}

describe('attack: a factor planted before the first enrollment', () => {
  it('the planted TOTP cannot be confirmed once the user has enrolled, with or without a step-up of the intruder', async () => {
    const { h, notices } = setUp();
    // 1. The intruder, in the victim's account with no factor yet, starts an enrollment and keeps the secret.
    const planted = await (await h.post('/mfa/factors', { type: 'totp' }, V, intruder)).json();
    assert.equal(typeof planted.secret, 'string');
    // 2. The victim enrolls their own app.
    const own = await h.enrollTotp(V, victim);
    assert.equal(own.recoveryCodes?.length, 10);
    // 3. The intruder can no longer add a factor…
    await expectError(await h.post('/mfa/factors', { type: 'totp' }, V, intruder), 401, 'insufficient_user_authentication');
    // 4. …nor confirm the planted one: it was removed when the first factor was confirmed.
    h.advance(STEP_MS);
    const code = hotp(base32Decode(planted.secret), timeStep(h.now()), 6, 'SHA1');
    await expectError(await h.post(`/mfa/factors/${planted.factorId}/confirm`, { code }, V, intruder), 404, 'not_found');
    assert.deepEqual((await h.listFactors(V)).factors.map((f) => f.id), [own.factorId], 'only the victim\'s factor');
    // 5. So no step-up with it, no removal of the victim's factor, no new recovery codes.
    const ch = await h.post('/mfa/challenges', { resource: 'mfa', action: 'manage', factorId: planted.factorId }, V, intruder);
    const decoy = await ch.json();
    await expectError(await h.resume(V, decoy.challengeId, decoy.challenges[0].guid, code), 403, 'invalid_code');
    await until(() => notices.length > 0);
    assert.deepEqual(notices.map((n) => n.type), ['factor.added'], 'the victim hears of their own new factor');
  });

  it('a pending factor started while another exists needs a fresh mfa/manage step-up at confirmation too', async () => {
    const { h, outbox, notices } = setUp();
    const own = await h.enrollTotp(V);
    // The victim's email factor (added with a step-up, in the harness's default session), so notices reach a mailbox.
    const manage = await h.stepUp(V, own.secret, 'mfa', 'manage');
    const asManager = { 'step-up-token': manage.token };
    const mail = await (await h.post('/mfa/factors', { type: 'email', email: 'victim@example.com' }, V, asManager)).json();
    const sent = /\b(\d{6})\b/.exec(outbox.list(V)[0]!.text)![1]!;
    assert.equal((await h.post(`/mfa/factors/${mail.factorId}/confirm`, { code: sent }, V, asManager)).status, 200);

    // A pending factor (started with the victim's token, say, captured) confirmed without one: refused.
    const pending = await (await h.post('/mfa/factors', { type: 'totp' }, V, asManager)).json();
    const code = hotp(base32Decode(pending.secret), timeStep(h.now()), 6, 'SHA1');
    const refused = await h.post(`/mfa/factors/${pending.factorId}/confirm`, { code }, V);
    await expectError(refused, 401, 'insufficient_user_authentication');
    assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
    // A passkey enrollment is held to the same rule.
    const passkey = await (await h.post('/mfa/factors', { type: 'webauthn' }, V, asManager)).json();
    await expectError(await h.post(`/mfa/factors/${passkey.factorId}/confirm`, { credential: { id: 'x' } }, V), 401, 'insufficient_user_authentication');
    // And a manage token from another session (the intruder's) does not count.
    await expectError(await h.post(`/mfa/factors/${pending.factorId}/confirm`, { code }, V, { ...intruder, ...asManager }), 401, 'insufficient_user_authentication');
    assert.equal((await h.listFactors(V)).factors.length, 2, 'nothing was added');

    // Every change is told: the email factor hears of the other factors' changes.
    const removeApp = await h.request('DELETE', `/mfa/factors/${own.factorId}`, { user: V, headers: asManager });
    assert.equal(removeApp.status, 204);
    await until(() => notices.some((n) => n.type === 'factor.removed'));
    await until(() => outbox.list(V).some((m) => /removed/i.test(m.subject ?? '')));
    const mails = outbox.list(V).filter((m) => m.channel === 'email' && !/code/.test(m.subject ?? ''));
    assert.ok(mails.some((m) => /was removed/i.test(m.text) && m.text.includes('Authenticator app')), 'the user is told by email');
    assert.deepEqual(notices.map((n) => n.type), ['factor.added', 'factor.added', 'factor.removed']);
  });

  it('regenerating recovery codes and locking a factor are told too', async () => {
    const { h, notices, outbox } = setUp();
    const own = await h.enrollTotp(V, victim);
    const manage = await h.stepUp(V, own.secret, 'mfa', 'manage');
    assert.equal((await h.post('/mfa/recovery-codes', {}, V, { 'step-up-token': manage.token })).status, 201);
    h.advance(STEP_MS);
    const ch = await h.startChallenge(V, { resource: 'payments', action: 'transfer' });
    for (let i = 0; i < 10; i++) await h.resume(V, ch.challengeId, ch.challenges[0]!.guid, h.wrongCode(own.secret));
    await until(() => notices.length >= 3);
    assert.deepEqual(notices.map((n) => n.type), ['factor.added', 'recovery.regenerated', 'factor.locked']);
    for (const n of notices) assert.equal(n.sub, V);
    assert.equal(outbox.list(V).length, 0, 'no email factor: nothing mailed, and no code anywhere');
  });
});
