/**
 * Clerk facade: the seed (test/fixtures/seeds/002_…txt, "Second factor") documents two calls on
 * `SignIn` — `prepareSecondFactor({ strategy })` and `attemptSecondFactor({ strategy, code })`, both
 * resolving with the SignIn whose `secondFactorVerification` tells the status — and says `totp` "can
 * directly be attempted, without the need for preparation" while `phone_code` needs preparing.
 * Those documented uses run here against the real server; `signIn` comes from our `createSignIn`.
 */
import { expect } from '@open-wc/testing';
import { createSignIn, STRATEGY_NOT_SUPPORTED, type SignIn } from '../src/compat/clerk.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { MfaClient, mfaFetch } from '../src/index.js';
import { enrollPhoneViaApi, latestCode } from './helpers/outbox.js';
import { enrollTotpFactor, signInNewUser } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

/** A six-digit code that is not valid in the ±1 step window. */
async function wrongCode(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1, 2].map((o) => totpCode(secret, o))));
  return ['111111', '222222', '333333', '444444'].find((c) => !valid.has(c))!;
}

describe('compat/clerk: SignIn second factor', () => {
  beforeEach(() => getDefaultClient().tokens.clear()); // each test signs in a new user

  it('totp "can directly be attempted, without the need for preparation": verified, and the token passes the guard', async () => {
    await signInNewUser('clerk');
    const { secret } = await enrollTotpFactor();
    // The demo's unbound route (a bound one also needs the transaction, which a SignIn does not carry).
    const signIn: SignIn = createSignIn({ resource: 'statements', action: 'read' });
    expect(signIn.status).to.equal('needs_second_factor');
    expect(signIn.secondFactorVerification.status).to.equal(null);

    const result = await signIn.attemptSecondFactor({ strategy: 'totp', code: await totpCode(secret, 1) });
    expect(result).to.equal(signIn);
    expect(result.secondFactorVerification).to.deep.include({ status: 'verified', strategy: 'totp', attempts: 1, error: null });
    expect(result.status).to.equal('complete');
    expect(result.createdSessionId).to.be.a('string');

    // The step-up is real: the guarded route accepts the token the client now holds, with no prompt.
    const response = await mfaFetch('/api/statements');
    expect(response.status).to.equal(200);
    expect(document.querySelector('mfa-prompt')).to.equal(null);
  });

  it('prepareSecondFactor then attemptSecondFactor: a wrong code is "failed" (try again), the right one "verified"', async () => {
    await signInNewUser('clerk');
    const { secret } = await enrollTotpFactor();
    const signIn = createSignIn({ resource: 'account', action: 'delete' });

    await signIn.prepareSecondFactor({ strategy: 'totp' });
    expect(signIn.secondFactorVerification.status).to.equal('unverified');
    expect(signIn.secondFactorVerification.expireAt).to.be.instanceOf(Date);
    expect(signIn.secondFactorVerification.expireAt!.getTime()).to.be.greaterThan(Date.now());

    await signIn.attemptSecondFactor({ strategy: 'totp', code: await wrongCode(secret) });
    expect(signIn.secondFactorVerification.status).to.equal('failed');
    expect(signIn.secondFactorVerification.error).to.deep.include({ code: 'invalid_code' });
    expect(signIn.secondFactorVerification.error!.meta).to.deep.include({ attemptsLeft: 9 });
    expect(signIn.status).to.equal('needs_second_factor');

    await signIn.attemptSecondFactor({ strategy: 'totp', code: await totpCode(secret, 1) });
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'verified', attempts: 2, error: null });
    expect(signIn.status).to.equal('complete');

    // A code in hand is always checked: inside the freshness window a wrong code is still "failed".
    const again = await createSignIn({ resource: 'account', action: 'delete' }).attemptSecondFactor({ strategy: 'totp', code: await wrongCode(secret) });
    expect(again.secondFactorVerification.status).to.equal('failed');
    expect(again.status).to.equal('needs_second_factor');
  });

  it('phone_code texts a code at prepareSecondFactor and verifies it at attemptSecondFactor', async () => {
    await signInNewUser('clerk');
    // The user's phone, added as a previous visit would have (code read from the dev outbox).
    await enrollPhoneViaApi(new MfaClient(), '+15550001111');

    const signIn = createSignIn({ resource: 'payments', action: 'transfer' });
    await signIn.prepareSecondFactor({ strategy: 'phone_code' });
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'unverified', strategy: 'phone_code', error: null });
    const { code } = await latestCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await signIn.attemptSecondFactor({ strategy: 'phone_code', code: wrong });
    expect(signIn.secondFactorVerification.status).to.equal('failed');
    await signIn.attemptSecondFactor({ strategy: 'phone_code', code });
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'verified', strategy: 'phone_code' });
    expect(signIn.status).to.equal('complete');
  });

  it('phone_code with two phones: prepareSecondFactor({ phoneNumberId }) texts that phone only', async () => {
    await signInNewUser('clerk');
    const client = getDefaultClient();
    await enrollPhoneViaApi(client, '+15550001112');
    // Adding the second phone needs a step-up for mfa/manage (with the first phone).
    const manage = await client.startChallenge({ resource: 'mfa', action: 'manage', factorType: 'phone' });
    if (manage.status !== 'CHALLENGED') throw new Error('expected a challenge');
    await client.resume(manage.challengeId, [{ guid: manage.challenges[0].guid, value: (await latestCode()).code }]);
    await enrollPhoneViaApi(client, '+15550001113');
    const second = (await client.listFactors()).factors.find((f) => f.label.endsWith('1113'))!;

    const signIn = createSignIn({ resource: 'payments', action: 'transfer' });
    await signIn.prepareSecondFactor({ strategy: 'phone_code', phoneNumberId: second.id });
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'unverified', strategy: 'phone_code' });
    const { message, code } = await latestCode();
    expect(message.to).to.equal('+15550001113');
    await signIn.attemptSecondFactor({ strategy: 'phone_code', code });
    expect(signIn.secondFactorVerification.status).to.equal('verified');
  });

  it('phone_code for a user without a phone: a typed not_enrolled error, never a TOTP challenge in disguise', async () => {
    await signInNewUser('clerk');
    await enrollTotpFactor();
    const signIn = createSignIn();
    const prepared = await signIn.prepareSecondFactor({ strategy: 'phone_code' }).then(() => null, (e: unknown) => e);
    expect(prepared).to.have.property('name', 'MfaError');
    expect(prepared).to.have.property('code', 'not_enrolled');
    expect(signIn.status).to.equal('needs_second_factor');
  });

  it('a strategy this server does not know is refused with a typed error', async () => {
    await signInNewUser('clerk');
    await enrollTotpFactor();
    const signIn = createSignIn();
    const prepared = await signIn.prepareSecondFactor({ strategy: 'email_link' as never }).then(() => null, (e: unknown) => e);
    expect(prepared).to.have.property('code', STRATEGY_NOT_SUPPORTED);
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'failed', strategy: 'email_link' });
  });

  it('backup_code (Clerk\'s recovery-code strategy) verifies with a recovery code', async () => {
    await signInNewUser('clerk');
    const { recoveryCodes } = await enrollTotpFactor();
    const signIn = await createSignIn({ resource: 'payments', action: 'transfer' }).attemptSecondFactor({ strategy: 'backup_code', code: recoveryCodes[0] });
    expect(signIn.secondFactorVerification).to.deep.include({ status: 'verified', strategy: 'backup_code' });
    expect((await getDefaultClient().listFactors()).recoveryCodesLeft).to.equal(9);
  });

  it('a verification whose challenge is gone is "expired", and the next attempt starts a new one', async () => {
    await signInNewUser('clerk');
    const { secret } = await enrollTotpFactor();
    // The SignIn's client, with a transport that notes the challenges the server creates.
    const created: { challengeId: string; challenges: { guid: string }[] }[] = [];
    const client = new MfaClient({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/challenges') && response.status === 201) created.push(await response.clone().json());
        return response;
      },
    });
    const signIn = createSignIn({ resource: 'payments', action: 'transfer', client });
    await signIn.prepareSecondFactor({ strategy: 'totp' });
    expect(created).to.have.length(1);

    // Another tab answers that very challenge: it is used up on the server.
    const [challenge] = created;
    const elsewhere = await new MfaClient().resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: await totpCode(secret, 1) }]);
    expect(elsewhere.status).to.equal('VERIFIED');

    await signIn.attemptSecondFactor({ strategy: 'totp', code: await wrongCode(secret) });
    expect(signIn.secondFactorVerification.status).to.equal('expired');
    expect(signIn.secondFactorVerification.error).to.deep.include({ code: 'expired' });

    // The next attempt starts a new challenge (and checks the code: wrong → "failed", not "expired").
    await signIn.attemptSecondFactor({ strategy: 'totp', code: await wrongCode(secret) });
    expect(created).to.have.length(2);
    expect(signIn.secondFactorVerification.status).to.equal('failed');
  });
});
