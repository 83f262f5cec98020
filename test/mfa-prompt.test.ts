import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { settled, typeCode, wrongCodeFor } from './helpers/drive.js';

const shadow = (el: Element) => el.shadowRoot!;
const statusText = (el: MfaPrompt) => shadow(el).querySelector('[part~="status"]')!.textContent!.trim();
const codeInput = (el: MfaPrompt) => el.querySelector('input')!;

async function openPrompt(attrs: { resource?: string; action?: string } = {}): Promise<MfaPrompt> {
  const el = await fixture<MfaPrompt>(html`<mfa-prompt resource=${attrs.resource ?? 'payments'} action=${attrs.action ?? 'transfer'}></mfa-prompt>`);
  el.show();
  await until(() => document.activeElement === codeInput(el), 5000, 'code input focused');
  await settled(el);
  return el;
}




describe('<mfa-prompt>', () => {
  it('verifies a real code against the server and fires resolve with an IdpAuthResponse, never the token', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    // The demo's unbound route (statements/read): the prompt needs no transaction for it.
    const el = await openPrompt({ resource: 'statements', action: 'read' });
    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(await totpCode(secret, 1));
    const { detail } = await resolved;
    expect(detail.success).to.equal(true);
    expect(detail.sid).to.be.a('string').and.not.empty;
    expect(detail.resource).to.equal('statements');
    expect(detail.action).to.equal('read');
    expect(Math.abs(detail.timestamp - Date.now())).to.be.lessThan(10_000);
    const token = getDefaultClient().token.getAccessToken({ resource: 'statements', action: 'read' });
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(detail)).not.to.contain(token!);
    expect(el.open).to.equal(false);
    // The token it got opens the guarded route, and only that one.
    const statements = await fetch('/api/statements', { headers: { 'Step-Up-Token': token! } });
    expect(statements.status).to.equal(200);
    const del = await fetch('/api/account', { method: 'DELETE', headers: { 'Step-Up-Token': token! } });
    expect(del.status).to.equal(401);
  });

  it('puts one native one-time-code input in the light DOM and focuses it', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await openPrompt();
    const inputs = el.querySelectorAll('input');
    expect(inputs.length).to.equal(1);
    const input = inputs[0];
    expect(input.parentElement).to.equal(el);
    expect(input.getAttribute('autocomplete')).to.equal('one-time-code');
    expect(input.inputMode).to.equal('numeric');
    expect(input.getAttribute('aria-label')).to.equal('Verification code');
    expect(document.activeElement).to.equal(input);
    expect(shadow(el).querySelector('dialog')!.open).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('says how many attempts are left after a wrong code, then accepts the right one', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openPrompt();
    const error = nextEvent<{ code: string; attemptsLeft?: number }>(el, 'mfa-error');
    await typeCode(await wrongCodeFor(secret));
    const { detail } = await error;
    expect(detail).to.deep.equal({ code: 'invalid_code', attemptsLeft: 9 });
    await until(() => statusText(el).includes('9 attempts left'), 5000, 'wrong-code message');
    expect(codeInput(el).getAttribute('aria-invalid')).to.equal('true');
    expect(codeInput(el).value).to.equal('');
    expect(document.activeElement).to.equal(codeInput(el));
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve');
    await typeCode(await totpCode(secret, 1));
    expect((await resolved).detail.success).to.equal(true);
  });

  it('refuses a malformed code locally with a clear message and stays usable', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openPrompt();
    await typeCode('12ab');
    await until(() => statusText(el).includes('6-digit code'), 5000, 'format message');
    const resolved = oneEvent(el, 'resolve');
    codeInput(el).value = '';
    // Full-width digits from an IME are understood as the digits they show.
    const fullWidth = (await totpCode(secret, 1)).replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    await typeCode(fullWidth);
    expect((await resolved).detail.success).to.equal(true);
  });

  it('submits by itself when a whole code is pasted', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openPrompt();
    const resolved = oneEvent(el, 'resolve');
    const input = codeInput(el);
    input.value = await totpCode(secret, 1);
    input.dispatchEvent(new InputEvent('input', { inputType: 'insertFromPaste', bubbles: true }));
    expect((await resolved).detail.success).to.equal(true);
  });

  it('cancels on Escape with reject { error: "cancelled" } and gives focus back to the opener', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const opener = await fixture<HTMLButtonElement>(html`<button>Transfer</button>`);
    opener.focus();
    const el = await openPrompt();
    const rejected = oneEvent(el, 'reject') as Promise<CustomEvent<IdpAuthResponse>>;
    await sendKeys({ press: 'Escape' });
    const { detail } = await rejected;
    expect(detail.success).to.equal(false);
    expect(detail.error).to.equal('cancelled');
    expect(el.open).to.equal(false);
    expect(document.activeElement).to.equal(opener);
  });

  it('rejects with not_enrolled for a user without any factor', async () => {
    await signInNewUser();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>`);
    const rejected = oneEvent(el, 'reject') as Promise<CustomEvent<IdpAuthResponse>>;
    el.show();
    expect((await rejected).detail.error).to.equal('not_enrolled');
  });

  it('accepts a recovery code once through "Use another method" → "Recovery code"', async () => {
    await signInNewUser();
    const { recoveryCodes } = await enrollTotpFactor();
    expect(recoveryCodes).to.have.length(10);
    const el = await openPrompt();
    const switchButton = shadow(el).querySelector<HTMLButtonElement>('[part~="switch-button"]')!;
    expect(switchButton.textContent!.trim()).to.equal('Use another method');
    switchButton.click();
    // The list offers every other way first, the current one last (the way back).
    const methods = await until(() => {
      const buttons = [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="method-button"]')];
      return buttons.length ? buttons : null;
    }, 5000, 'method list');
    expect(methods.map((b) => b.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal(['Recovery code', 'Authenticator app']);
    expect(shadow(el).getElementById('intro')!.textContent!.trim()).to.equal('Choose another way to confirm it’s you');
    methods[0].click();
    await until(() => codeInput(el).getAttribute('aria-label') === 'Recovery code' && document.activeElement === codeInput(el), 5000, 'recovery mode');
    expect(codeInput(el).inputMode).to.equal('text');
    const resolved = oneEvent(el, 'resolve');
    await typeCode(recoveryCodes[0].toUpperCase());
    expect((await resolved).detail.success).to.equal(true);
    expect((await getDefaultClient().listFactors()).recoveryCodesLeft).to.equal(9);
  });

  it('locks after 10 wrong codes, announces it assertively and rejects with locked on close', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openPrompt();
    const wrong = await wrongCodeFor(secret);
    for (let i = 9; i >= 1; i--) {
      const error = nextEvent<{ attemptsLeft?: number }>(el, 'mfa-error');
      await typeCode(wrong);
      expect((await error).detail.attemptsLeft).to.equal(i);
    }
    const locked = nextEvent<{ code: string }>(el, 'mfa-error');
    await typeCode(wrong);
    expect((await locked).detail.code).to.equal('locked');
    await until(() => statusText(el).startsWith('Too many wrong codes'), 5000, 'lock message');
    const status = shadow(el).querySelector('[part~="status"]')!;
    expect(status.getAttribute('role')).to.equal('alert');
    expect(statusText(el)).to.contain('15 minutes');
    await expect(el).to.be.accessible();
    const rejected = oneEvent(el, 'reject') as Promise<CustomEvent<IdpAuthResponse>>;
    shadow(el).querySelector<HTMLButtonElement>('footer button')!.click();
    expect((await rejected).detail.error).to.equal('locked');
  });

  it('renders a server-given message as text, never as markup', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" message="<img src=x onerror=alert(1)>Send $100"></mfa-prompt>`);
    el.show();
    await until(() => document.activeElement === codeInput(el));
    const message = shadow(el).querySelector('[part="message"]')!;
    expect(message.textContent).to.equal('<img src=x onerror=alert(1)>Send $100');
    expect(message.querySelector('img')).to.equal(null);
  });
});
