/**
 * Why a step-up did not happen reaches the app through `mfaFetch` (docs/elements.md "mfaFetch"):
 * the 401 it returns carries `mfaReason`, against the real demo server, for each way a step-up
 * ends without a token. (`locked`, with `mfaRetryAt`, is in phr-prompt.test.ts.)
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { MfaClient, mfaFetch, openAuthIdpModal } from '../src/index.js';
import '../src/define.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { shadow, statusOf, visiblePrompt } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';

type Failed = Response & { mfaReason?: string };
const transfers = async () => (await (await fetch('/demo/transfers')).json()).transfers as unknown[];
const transfer = (amount: number, to: string) =>
  mfaFetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount, to }) }) as Promise<Failed>;

/** Waits until the open prompt says `text` and the user can no longer type a code. */
const blockedSaying = (text: string) => until(() => {
  const el = document.querySelector('mfa-prompt');
  return el && statusOf(el).includes(text) && el.querySelector('input')?.getClientRects().length === 0 ? el : null;
}, 5000, `prompt saying "${text}"`);

describe('mfaFetch: why a step-up failed, as mfaReason on the 401', () => {
  it('cancelled: the user closes the prompt; the transfer is not made', async () => {
    await signInNewUser('why');
    await enrollTotpFactor();
    const pending = transfer(10, 'Savings');
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const response = await pending;
    expect(response.status).to.equal(401);
    expect(response.mfaReason).to.equal('cancelled');
    expect((await response.json()).error.code).to.equal('insufficient_user_authentication');
    expect(await transfers()).to.deep.equal([]);
  });

  it('not_enrolled: a user without any method is told so at once, no prompt left open', async () => {
    await signInNewUser('why');
    const response = await transfer(10, 'Savings');
    expect(response.status).to.equal(401);
    expect(response.mfaReason).to.equal('not_enrolled');
    expect(document.querySelector('mfa-prompt')).to.equal(null);
    expect(await transfers()).to.deep.equal([]);
  });

  it('expired: the challenge outlived its 5 minutes before the code came (the server clock moved)', async () => {
    await signInNewUser('why');
    const { secret } = await enrollTotpFactor();
    const pending = transfer(10, 'Savings');
    const prompt = await visiblePrompt();
    try {
      // Six minutes pass on the server while the prompt is open.
      expect((await fetch('/__clock?advance=360000', { method: 'POST' })).status).to.equal(204);
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      await blockedSaying('expired');
    } finally {
      await fetch('/__clock/reset', { method: 'POST' });
    }
    // "Try again" is offered; the user closes instead.
    expect(shadow(prompt).querySelector('footer button:last-of-type')!.textContent!.trim()).to.equal('Try again');
    await sendKeys({ press: 'Escape' });
    const response = await pending;
    expect(response.status).to.equal(401);
    expect(response.mfaReason).to.equal('expired');
    expect(await transfers()).to.deep.equal([]);
  });

  it('denied: the session ends while the prompt is open (signed out in another tab)', async () => {
    await signInNewUser('why');
    const { secret } = await enrollTotpFactor();
    const pending = mfaFetch('/api/statements') as Promise<Failed>;
    await visiblePrompt();
    expect((await fetch('/demo/logout', { method: 'POST' })).status).to.equal(204);
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    const prompt = await until(() => {
      const el = document.querySelector('mfa-prompt');
      return el && el.querySelector('input')?.getClientRects().length === 0 && statusOf(el) ? el : null;
    }, 5000, 'the prompt refusing the answer');
    const said = statusOf(prompt);
    // What the user reads says what happened and what to do (not "something went wrong on our side").
    expect(said).to.equal('You’re no longer signed in. Sign in again, then try once more.');
    await sendKeys({ press: 'Escape' });
    const response = await pending;
    expect(response.status).to.equal(401);
    expect(response.mfaReason, `the prompt said "${said}"`).to.equal('denied');
  });

  it('with onCancel "throw", the MfaError code is the same reason (expired)', async () => {
    await signInNewUser('why');
    const { secret } = await enrollTotpFactor();
    const client = new MfaClient({ onStepUpCancel: 'throw' });
    client.opener = (scope) => openAuthIdpModal({ ...scope, client });
    const pending = client.fetch('/api/statements').then(() => null, (e: unknown) => e as { code?: string });
    await visiblePrompt();
    try {
      await fetch('/__clock?advance=360000', { method: 'POST' });
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      await blockedSaying('expired');
    } finally {
      await fetch('/__clock/reset', { method: 'POST' });
    }
    await sendKeys({ press: 'Escape' });
    expect((await pending)?.code).to.equal('expired');
  });
});
