// The edges a person walking the elements found (docs/look-at-it.md): each test drives the real
// elements against the real demo server, by keyboard where a person would, and asserts what the
// user sees — text, tone, focus — not internals.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { MfaAuthenticators } from '../src/elements/mfa-authenticators/mfa-authenticators.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enAll } from '../src/i18n/en-all.js';
import { deepActive, inputOf, settled, shadow, statusOf, typeCode, wrongCodeFor } from './helpers/drive.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
const statusEl = (el: Element) => part(el, 'status')!;
/** Success and progress are never shown in the error colour. */
const isErrorTone = (el: Element) => getComputedStyle(statusEl(el)).color === getComputedStyle(el).getPropertyValue('--_danger').trim() ||
  getComputedStyle(statusEl(el)).fontWeight === '600';
const focusIsIn = (el: Element) => {
  const a = deepActive();
  return !!a && a !== document.body && (el.contains(a) || el.shadowRoot!.contains(a));
};

async function openPrompt(): Promise<MfaPrompt> {
  const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>`);
  el.show();
  await until(() => document.activeElement === inputOf(el), 5000, 'code input focused');
  await settled(el);
  return el;
}

const PHONE = '+1 555 123 4567';

/** Opens `<mfa-enroll type="phone">`, types `number` into its field and submits it with Enter, as a person would. */
async function addPhone(number: string): Promise<MfaEnroll> {
  const el = await fixture<MfaEnroll>(html`<mfa-enroll type="phone"></mfa-enroll>`);
  el.show();
  const address = await until(() => shadow(el).querySelector<HTMLInputElement>('#address'), 5000, 'address');
  address.focus();
  await sendKeys({ type: number });
  await sendKeys({ press: 'Enter' });
  return el;
}

describe('edges a user walks into', () => {
  beforeEach(() => getDefaultClient().tokens.clear());

  it('enroll: the resend countdown of an added phone keeps ticking', async function () {
    this.timeout(15000);
    await signInNewUser();
    const el = await addPhone(PHONE);
    const resend = await until(() => part(el, 'resend-button'), 5000, 'resend button');
    const first = resend.textContent!.trim();
    await until(() => part(el, 'resend-button')!.textContent!.trim() !== first, 4000, `countdown moves on from "${first}"`);
  });

  it('enroll: Escape on the step-up that guards adding a phone goes back to the number, with no error', async function () {
    this.timeout(15000);
    await signInNewUser();
    await enrollTotpFactor();
    const el = await addPhone(PHONE);
    const prompt = await until(() => {
      const p = document.querySelector('mfa-prompt');
      return p && document.activeElement === p.querySelector('input') ? p : null;
    }, 5000, 'step-up prompt');
    await settled(prompt);
    await sendKeys({ press: 'Escape' });
    await until(() => deepActive() === shadow(el).querySelector('#address'), 5000, 'back on the number');
    expect(shadow(el).querySelector<HTMLInputElement>('#address')!.value).to.equal(PHONE);
    expect(statusOf(el)).to.equal('');
    expect(shadow(el).textContent).to.not.contain(enAll.serverError);
    expect(el.open).to.equal(true);
  });

  it('prompt: Enter on an empty field says what is missing; letters are dropped; a pasted 892-370 is accepted', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openPrompt();
    await sendKeys({ press: 'Enter' });
    await until(() => statusOf(el) === 'Enter the 6-digit code from your authenticator app.', 3000, 'empty-field message');
    await sendKeys({ type: 'abc' });
    expect(inputOf(el).value).to.equal('');
    const code = await totpCode(secret, 1);
    const resolved = new Promise((r) => el.addEventListener('resolve', r, { once: true }));
    inputOf(el).value = `${code.slice(0, 3)}-${code.slice(3)}`;
    inputOf(el).dispatchEvent(new InputEvent('input', { inputType: 'insertFromPaste', bubbles: true }));
    await resolved;
  });

  it('prompt: a reused code says it was used; "Use another method" has Back; a lockout offers the other methods', async function () {
    this.timeout(30000);
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const code = await totpCode(secret, 1);
    let el = await openPrompt();
    await typeCode(code);
    await until(() => !el.open, 5000, 'first step-up done');
    getDefaultClient().tokens.clear();
    el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" force></mfa-prompt>`);
    el.show();
    await until(() => document.activeElement === inputOf(el), 5000, 'second prompt');
    await typeCode(code);
    await until(() => statusOf(el) === enAll.codeUsed, 5000, `"already used" (got "${statusOf(el)}")`);
    expect(document.activeElement).to.equal(inputOf(el));

    // Use another method → Back returns to the code entry of the same challenge.
    part(el, 'switch-button')!.click();
    await until(() => part(el, 'methods'), 5000, 'methods list');
    const back = [...shadow(el).querySelectorAll('footer button')].find((b) => b.textContent!.trim() === enAll.back) as HTMLButtonElement;
    expect(back, 'Back button').to.exist;
    back.click();
    await until(() => document.activeElement === inputOf(el), 5000, 'back on the code');
    expect(el.open).to.equal(true);
    // Escape in the list goes back too (it does not end the whole step-up).
    part(el, 'switch-button')!.click();
    await until(() => deepActive()?.matches('[part~="method-button"]'), 5000, 'methods list focused');
    await sendKeys({ press: 'Escape' });
    await until(() => document.activeElement === inputOf(el), 5000, 'Escape: back on the code');
    expect(el.open, 'still open after Escape in the list').to.equal(true);
    expect(part(el, 'methods')).to.equal(null);

    // Lock the app: the screen says until when and lists the recovery code, not "Enter the code…".
    const wrong = await wrongCodeFor(secret);
    for (let i = 0; i < 10 && !part(el, 'methods'); i++) {
      inputOf(el).focus();
      await typeCode(wrong);
      // Checking: the field is read-only until the answer (set on Enter, before the request).
      await until(() => !inputOf(el).readOnly || part(el, 'methods'), 5000, `answer ${i}`);
    }
    await until(() => part(el, 'methods'), 5000, 'methods offered after the lockout');
    expect(statusOf(el)).to.match(/^Too many wrong codes\. Try again in 15 minutes \(.+\)\.$/);
    expect(shadow(el).querySelector('#intro')!.textContent).to.not.contain(enAll.promptIntro);
    const names = [...part(el, 'methods')!.querySelectorAll('.method-name')].map((n) => n.textContent!.trim());
    expect(names).to.deep.equal([enAll.factorRecovery]);
    expect(focusIsIn(el)).to.equal(true);
  });

  it('console: saved is not an error and goes with the view; focus never falls to <body>; Escape on a confirmation goes back; regenerating asks first', async function () {
    this.timeout(30000);
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await fixture<MfaAuthenticators>(html`<mfa-authenticators></mfa-authenticators>`);
    el.show();
    await until(() => part(el, 'rename-button'), 5000, 'console');
    await settled(el);
    part(el, 'rename-button')!.click();
    await until(() => deepActive() === shadow(el).querySelector('input.name'), 5000, 'name field');
    await sendKeys({ type: 'Work phone app' });
    await sendKeys({ press: 'Enter' });
    await until(() => statusOf(el) === enAll.consoleChanged, 5000, 'saved');
    expect(isErrorTone(el), 'saved in the error tone').to.equal(false);
    await until(() => deepActive() === part(el, 'rename-button'), 5000, 'focus back on Rename');

    part(el, 'remove-button')!.click();
    await until(() => part(el, 'confirm-remove-button'), 5000, 'remove confirmation');
    expect(statusOf(el)).to.equal('', 'saved does not follow onto the confirmation');
    await until(() => focusIsIn(el), 5000, 'focus in the confirmation');
    await sendKeys({ press: 'Escape' });
    await until(() => deepActive() === part(el, 'remove-button'), 5000, 'back on Remove');
    expect(el.open).to.equal(true);

    part(el, 'regenerate-button')!.click();
    const confirm = await until(() => part(el, 'confirm-regenerate-button'), 5000, 'regenerate confirmation');
    expect(shadow(el).textContent).to.contain(enAll.regenerateConfirm);
    expect(getDefaultClient().token.getAccessToken({ resource: 'mfa', action: 'manage' })).to.equal(null);
    confirm.click();
    await until(() => document.querySelector('mfa-prompt')?.querySelector('input') === document.activeElement, 5000, 'step-up');
    await typeCode(await totpCode(secret, 1));
    await until(() => part(el, 'recovery-codes'), 5000, 'new codes');
    await until(() => focusIsIn(el), 5000, 'focus in the new codes');
    part(el, 'done-button')!.click();
    await until(() => deepActive() === part(el, 'regenerate-button'), 5000, 'focus back on regenerate');
  });
});
