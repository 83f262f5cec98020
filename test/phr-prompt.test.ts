// The prompt at the phishing-resistant level (acr "phr", docs/server.md "Assurance levels") and
// the lockout's retryAt, as the app sees them. Real Chromium, real demo server.
import { expect } from '@open-wc/testing';
import '../src/define.js'; // registers <mfa-enroll>, which enroll-if-missing embeds
import { mfaFetch, openAuthIdpModal } from '../src/index.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { shadow, statusOf, typeCode, wrongCodeFor } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { addVirtualAuthenticator, removeVirtualAuthenticator } from './helpers/virtual-authenticator.js';

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

describe('phr step-up: adding the passkey in the same prompt', () => {
  let authenticator: string | undefined;
  afterEach(async () => {
    if (authenticator) await removeVirtualAuthenticator(authenticator).catch(() => {});
    authenticator = undefined;
  });

  it('a user with an app code adds a passkey (the management step-up opens on top), then confirms with it', async function () {
    this.timeout(40_000);
    await signInNewUser('phr-add');
    const { secret } = await enrollTotpFactor();
    authenticator = await addVirtualAuthenticator();
    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer', acr: 'phr', enrollIfMissing: true });
    const el = await promptWithStatus('This step needs a passkey');
    shadow(el).querySelector<HTMLButtonElement>('footer button.primary')!.click();
    const enroll = await until(() => shadow(el).querySelector<HTMLElement>('mfa-enroll'), 5000, 'embedded enrollment');
    const create = await until(() => shadow(enroll).querySelector<HTMLButtonElement>('[part~="confirm-button"]'), 5000, 'create button');
    create.click();
    // Adding a second factor needs an mfa/manage step-up: a second prompt, on top, asks for the app code.
    const manage = await until(() => {
      const prompts = [...document.querySelectorAll('mfa-prompt')];
      const top = prompts.find((p) => p !== el);
      const input = top?.querySelector('input');
      return input && document.activeElement === input ? top : null;
    }, 8000, 'management prompt on top');
    expect(manage.getAttribute('resource')).to.equal('mfa');
    await typeCode(await totpCode(secret, 1));
    // The passkey is created, the embedded enrollment finishes, and the phr step-up asks for it.
    // (A second factor shows no new recovery codes: the enrollment closes by itself.)
    let settled = false;
    void result.then(() => (settled = true));
    await until(() => settled || shadow(enroll).querySelector('[part~="done-button"]'), 15000, 'enrollment done');
    shadow(enroll).querySelector<HTMLButtonElement>('[part~="done-button"]')?.click();
    const outcome = await result;
    expect(outcome).to.include({ success: true, resource: 'payments', action: 'transfer' });
    const held = getDefaultClient().tokens.take('payments', 'transfer')!.token;
    const claims = JSON.parse(atob(held.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims).to.include({ acr: 'phr' });
    expect(['hwk', 'swk']).to.include(claims.amr[0]);
  });
});

describe('a lockout tells the app when to try again', () => {
  it('mfaFetch: mfaReason "locked" with mfaRetryAt about 15 minutes ahead', async () => {
    await signInNewUser('lock');
    const { secret } = await enrollTotpFactor();
    const wrong = await wrongCodeFor(secret);
    const before = Date.now();
    const pending = mfaFetch('/api/statements');
    for (let i = 0; i < 10; i++) {
      const el = await until(() => {
        const p = document.querySelector('mfa-prompt');
        const input = p?.querySelector('input');
        return input && !input.disabled && document.activeElement === input ? p : null;
      }, 5000, `code input (attempt ${i + 1})`);
      await typeCode(wrong);
      // This very answer was checked (the count went down), not the previous one still shown.
      if (i < 9) await until(() => statusOf(el).includes(`${9 - i} attempt`) && !el.querySelector('input')!.disabled, 5000, `answer ${i + 1} checked`);
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
