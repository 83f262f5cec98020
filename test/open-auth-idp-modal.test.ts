import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { mfaFetch, openAuthIdpModal, promptForMFA, MfaError } from '../src/index.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const openPrompt = () => until(() => {
  const el = document.querySelector('mfa-prompt');
  const input = el?.querySelector('input');
  return input && document.activeElement === input ? el : null;
}, 5000, 'prompt with focused input');

describe('openAuthIdpModal / promptForMFA / mfaFetch', () => {
  it('opens a prompt, resolves after it closed and gave focus back, and removes it', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const opener = await fixture<HTMLButtonElement>(html`<button>Delete</button>`);
    opener.focus();
    const result = openAuthIdpModal({ resource: 'account', action: 'delete' });
    await openPrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    const response = await result;
    expect(response.success).to.equal(true);
    expect(response.sid).to.be.a('string');
    expect(response.action).to.equal('delete');
    expect(document.querySelector('mfa-prompt')).to.equal(null);
    expect(document.activeElement).to.equal(opener);
  });

  it('resolves { success: false, error: "cancelled" } on Escape and never throws', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    await openPrompt();
    await sendKeys({ press: 'Escape' });
    const response = await result;
    expect(response).to.include({ success: false, error: 'cancelled' });
    expect(response.timestamp).to.be.a('number');
  });

  it('joins a second call for the same resource/action instead of stacking dialogs', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const a = openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    const b = openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    expect(b).to.equal(a);
    await openPrompt();
    expect(document.querySelectorAll('mfa-prompt').length).to.equal(1);
    await sendKeys({ press: 'Escape' });
    await a;
  });

  it('promptForMFA resolves on success and rejects with an MfaError on cancel (Q2 semantics)', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const ok = promptForMFA({ message: 'Confirm the new payee' });
    const el = await openPrompt();
    expect(el.shadowRoot!.querySelector('[part="message"]')!.textContent).to.equal('Confirm the new payee');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect(await ok).to.equal(undefined);

    // Another resource: the step-up above is still fresh for app/*, which would answer at once.
    const cancelled = promptForMFA({ code: 7, resource: 'payee', action: 'add' }).then(() => null, (e: unknown) => e);
    await openPrompt();
    await sendKeys({ press: 'Escape' });
    const error = await cancelled;
    expect(error).to.be.instanceOf(MfaError);
    expect((error as MfaError).code).to.equal('cancelled');
  });

  it('mfaFetch answers the 401 step-up challenge with the prompt and retries the same request once', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const pending = mfaFetch('/api/transfer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 250, to: 'Rent' }),
    });
    await openPrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    const response = await pending;
    expect(response.status).to.equal(200);
    const body = await response.json();
    expect(body.transfer).to.include({ amount: 250, to: 'Rent' });
    // The route is bound and one-time: the same transfer again is a new transaction to confirm —
    // the still-fresh step-up does not answer it, the prompt asks again and shows it.
    const again = mfaFetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 250, to: 'Rent' }) });
    const second = await openPrompt();
    expect(second.shadowRoot!.querySelector('[part~="details"]')!.textContent).to.contain('$250.00');
    await sendKeys({ press: 'Escape' });
    const refused = await again;
    expect(refused.status).to.equal(401);
    expect((refused as Response & { mfaReason?: string }).mfaReason).to.equal('cancelled');
    const { transfers } = await (await fetch('/demo/transfers')).json();
    expect(transfers.map((t: { amount: number; to: string }) => [t.amount, t.to])).to.deep.equal([[250, 'Rent']]);
  });

  it('mfaFetch returns the original 401 when the user cancels', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const pending = mfaFetch('/api/account', { method: 'DELETE' });
    await openPrompt();
    await sendKeys({ press: 'Escape' });
    const response = await pending;
    expect(response.status).to.equal(401);
    expect(response.headers.get('www-authenticate')).to.contain('insufficient_user_authentication');
    expect((await response.json()).resource).to.equal('account');
  });
});
