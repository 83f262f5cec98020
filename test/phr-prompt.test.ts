// The prompt at the phishing-resistant level (acr "phr", docs/server.md "Assurance levels") and
// the lockout's retryAt, as the app sees them. Real Chromium, real demo server.
import { expect } from '@open-wc/testing';
import '../src/define.js'; // registers <mfa-enroll>, which enroll-if-missing embeds
import { mfaFetch, openAuthIdpModal } from '../src/index.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { shadow, statusOf, typeCode, wrongCodeFor } from './helpers/drive.js';

const promptWithStatus = (text: string) => until(() => {
  const el = document.querySelector('mfa-prompt');
  return el && statusOf(el).startsWith(text) ? el : null;
}, 5000, `prompt saying "${text}"`);

describe('phr step-up without a passkey', () => {
  it('explains it in plain words (no server-error tone) and reports not_enrolled', async () => {
    await signInNewUser('phr');
    await enrollTotpFactor();
    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer', acr: 'phr' });
    const el = await promptWithStatus('This step needs a passkey');
    const status = shadow(el).querySelector('[part~="status"]')!;
    expect(status.getAttribute('role')).to.equal('status');
    const buttons = [...shadow(el).querySelectorAll('footer button')].map((b) => b.textContent!.trim());
    expect(buttons).to.deep.equal(['Close']);
    shadow(el).querySelector<HTMLButtonElement>('footer button')!.click();
    expect(await result).to.include({ success: false, error: 'not_enrolled' });
  });

  it('with enrollIfMissing offers to add a passkey, which opens the passkey enrollment', async () => {
    await signInNewUser('phr');
    await enrollTotpFactor();
    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer', acr: 'phr', enrollIfMissing: true });
    const el = await promptWithStatus('This step needs a passkey');
    const add = shadow(el).querySelector<HTMLButtonElement>('footer button.primary')!;
    expect(add.textContent!.trim()).to.equal('Add a passkey');
    add.click();
    const enroll = await until(() => shadow(el).querySelector<HTMLElement & { type: string }>('mfa-enroll'), 5000, 'embedded enrollment');
    expect(enroll.type).to.equal('webauthn');
    expect(shadow(el).querySelector('#intro')!.textContent).to.contain('needs a passkey');
    (el as HTMLElement & { hide(): void }).hide();
    expect(await result).to.include({ success: false, error: 'not_enrolled' });
  });
});

describe('a lockout tells the app when to try again', () => {
  it('mfaFetch: mfaReason "locked" with mfaRetryAt about 15 minutes ahead', async () => {
    await signInNewUser('lock');
    const { secret } = await enrollTotpFactor();
    const wrong = await wrongCodeFor(secret);
    const before = Date.now();
    const pending = mfaFetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    for (let i = 0; i < 10; i++) {
      const el = await until(() => {
        const p = document.querySelector('mfa-prompt');
        const input = p?.querySelector('input');
        return input && !input.disabled && document.activeElement === input ? p : null;
      }, 5000, `code input (attempt ${i + 1})`);
      await typeCode(wrong);
      if (i < 9) await until(() => statusOf(el).length > 0 && !el.querySelector('input')!.disabled, 5000, 'answer checked');
    }
    const el = await promptWithStatus('Too many wrong codes');
    shadow(el).querySelector<HTMLButtonElement>('footer button')!.click();
    const res = (await pending) as Response & { mfaReason?: string; mfaRetryAt?: number };
    expect(res.status).to.equal(401);
    expect(res.mfaReason).to.equal('locked');
    const lockMs = 15 * 60_000;
    expect(res.mfaRetryAt).to.be.within(before + lockMs - 1000, Date.now() + lockMs + 1000);
  });
});
