import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { MfaClient, MfaError, interceptFetch, mfaFetch, openAuthIdpModal, trackUserAction } from '../src/index.js';
import '../src/define.js'; // enrollIfMissing embeds <mfa-enroll>, which the app registers
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { visiblePrompt } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { latestCode } from './helpers/outbox.js';

const transfers = async () => (await (await fetch('/demo/transfers')).json()).transfers as { amount: number }[];
const postTransfer = (amount: number) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount }) });

/** Counts dialogs that became visible while `run` ran. */
async function shownDuring(run: () => Promise<unknown>): Promise<number> {
  let shown = 0;
  const count = () => shown++;
  document.addEventListener('mfa-show', count);
  try {
    await run();
  } finally {
    document.removeEventListener('mfa-show', count);
  }
  return shown;
}

describe('mfaFetch and freshness, against the real server', () => {
  it('steps up on the 401 and retries once: the guarded handler runs exactly once', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const pending = mfaFetch('/api/transfer', postTransfer(42));
    await visiblePrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await pending).status).to.equal(200);
    expect((await transfers()).map((t) => t.amount)).to.deep.equal([42]);
  });

  it('a route that accepts only knowledge answers (acr_values="kba") gets the integration\'s questions', async () => {
    await signInNewUser();
    await enrollTotpFactor(); // a real factor exists, but this route wants the bank's questions
    const pending = mfaFetch('/api/bank/connect', { method: 'POST' });
    const prompt = await until(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector<HTMLInputElement>('.answer input'), 5000, 'question');
    prompt.focus();
    await sendKeys({ type: 'Rex' });
    await sendKeys({ press: 'Enter' });
    const checking = await until(() => [...document.querySelector('mfa-prompt')!.shadowRoot!.querySelectorAll<HTMLInputElement>('.answer input[type=radio]')].find((r) => r.value === 'acc-4821'), 5000, 'accounts');
    checking.click();
    document.querySelector('mfa-prompt')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~="verify-button"]')!.click();
    await until(() => document.querySelector('mfa-prompt')?.querySelector('input') === document.activeElement, 5000, 'code step');
    await sendKeys({ type: (await latestCode()).code });
    await sendKeys({ press: 'Enter' });
    const response = await pending;
    expect(response.status).to.equal(200);
    expect((await response.json()).connected).to.equal('Checking ••• 4821');
  });

  it('shares one prompt between two concurrent guarded requests', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    let responses: Response[] = [];
    const shown = await shownDuring(async () => {
      const both = Promise.all([mfaFetch('/api/transfer', postTransfer(1)), mfaFetch('/api/transfer', postTransfer(2))]);
      await visiblePrompt();
      expect(document.querySelectorAll('mfa-prompt').length).to.equal(1);
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      responses = await both;
    });
    expect(shown).to.equal(1);
    expect(responses.map((r) => r.status)).to.deep.equal([200, 200]);
    expect((await transfers()).map((t) => t.amount).sort()).to.deep.equal([1, 2]);
  });

  it('throws a typed MfaError on cancel when asked to, and runs nothing', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const client = new MfaClient({ onStepUpCancel: 'throw' });
    client.opener = (scope) => openAuthIdpModal({ ...scope, client });
    const pending = client.fetch('/api/transfer', postTransfer(5)).then(() => null, (e: unknown) => e);
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const error = await pending;
    expect(error).to.be.instanceOf(MfaError);
    expect((error as MfaError).code).to.equal('cancelled');
    expect(await transfers()).to.deep.equal([]);
  });

  it('passes a 401 without the step-up error through untouched', async () => {
    // Signed out: the guard answers a plain 401 `unauthenticated`, which is not ours to answer.
    await fetch('/demo/logout', { method: 'POST' });
    const shown = await shownDuring(async () => {
      const response = await mfaFetch('/api/transfer', postTransfer(1));
      expect(response.status).to.equal(401);
      expect((await response.json()).error.code).to.equal('unauthenticated');
    });
    expect(shown).to.equal(0);
  });

  it('resolves a fresh step-up silently, and forceStepUp still prompts', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const first = openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    await visiblePrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await first).success).to.equal(true);

    let again: Awaited<ReturnType<typeof openAuthIdpModal>> | undefined;
    const shown = await shownDuring(async () => {
      again = await openAuthIdpModal({ resource: 'payments', action: 'refund' });
    });
    expect(shown).to.equal(0);
    expect(again!.success).to.equal(true);
    expect(again!.sid).to.be.a('string');

    const forced = openAuthIdpModal({ resource: 'payments', action: 'refund', forceStepUp: true });
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    expect((await forced).error).to.equal('cancelled');
  });

  it('clearMfa in one tab drops the tokens held by another', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const thisTab = new MfaClient();
    const otherTab = new MfaClient();
    const challenge = await otherTab.startChallenge({ resource: 'payments', action: 'transfer' });
    if (challenge.status !== 'CHALLENGED') throw new Error('expected a challenge');
    await otherTab.resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: await totpCode(secret, 1) }]);
    expect(otherTab.token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.be.a('string');
    await thisTab.clearMfa();
    await until(() => otherTab.token.getAccessToken({ resource: 'payments', action: 'transfer' }) === null, 2000, 'token cleared');
    // The server forgot the freshness too: a new challenge asks for a code again.
    expect((await otherTab.startChallenge({ resource: 'payments', action: 'transfer' })).status).to.equal('CHALLENGED');
  });

  it('interceptFetch makes plain fetch step up by itself (Q2 behaviour), and undoes cleanly', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const original = window.fetch;
    const undo = await interceptFetch({ match: '/api/' });
    try {
      const pending = fetch('/api/transfer', postTransfer(7));
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      expect((await pending).status).to.equal(200);
    } finally {
      undo();
    }
    expect(window.fetch).to.equal(original);
  });

  it('enrollIfMissing: a user without a factor enrolls inside the same modal, then steps up', async () => {
    await signInNewUser();
    expect(await openAuthIdpModal({ resource: 'payments', action: 'transfer' })).to.include({ success: false, error: 'not_enrolled' });

    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer', enrollIfMissing: true });
    const enroll = await until(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('mfa-enroll')?.shadowRoot?.querySelector('[part~="secret"]') ? document.querySelector('mfa-prompt')!.shadowRoot!.querySelector('mfa-enroll')! : null, 5000, 'embedded enrollment');
    const secret = enroll.shadowRoot!.querySelector('[part~="secret"]')!.textContent!.replace(/\s/g, '');
    // The embedded enrollment lives in the prompt's shadow root, so that is where focus shows.
    await until(() => document.querySelector('mfa-prompt')!.shadowRoot!.activeElement === enroll.querySelector('input'), 5000, 'enroll input focused');
    await sendKeys({ type: await totpCode(secret, 0) });
    await sendKeys({ press: 'Enter' });
    const done = await until(() => enroll.shadowRoot!.querySelector<HTMLButtonElement>('[part~="done-button"]'), 5000, 'recovery codes');
    done.click();
    const prompt = await visiblePrompt();
    expect(prompt.shadowRoot!.querySelector('#intro')!.textContent).to.contain('new code');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    const response = await result;
    expect(response).to.include({ success: true, resource: 'payments', action: 'transfer' });
  });

  it('trackUserAction lands in the audit log', async () => {
    await signInNewUser();
    await trackUserAction({ tag: 'admin:access', severity: 'high', status: true, metadata: { action: 'read' } }, { webhookNotification: true });
    const { events } = await (await fetch('/demo/audit')).json();
    expect(events[0]).to.include({ type: 'user.action', severity: 'critical', status: 'success' });
    expect(events[0].metadata).to.deep.equal({ tag: 'admin:access', severity: 'high', data: { action: 'read' }, webhookNotification: true });
  });
});
