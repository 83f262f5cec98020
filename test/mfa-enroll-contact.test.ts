// <mfa-enroll> for a phone (SMS or voice) or an email address, and type="choose", against the real
// demo server: codes really go out through the dev Outbox (GET /demo/outbox, newest first, for the
// signed-in user) and are typed back as a user would.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import { enConsole } from '../src/i18n/en-console.js';
import { enEnroll } from '../src/i18n/en-enroll.js';
import { enSteps } from '../src/i18n/en-steps.js';
import ar from '../src/i18n/locales/ar.js';
import { checkNamesAndTargets } from './helpers/a11y-checks.js';
import { deepActive, inputOf, settled, shadow } from './helpers/drive.js';
import { latestCode, outbox } from './helpers/outbox.js';
import { nextEvent, signInNewUser, until } from './helpers/session.js';

const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
const status = (el: Element) => part(el, 'status')?.textContent?.trim() ?? '';
const intro = (el: Element) => shadow(el).querySelector('#intro')?.textContent?.trim() ?? '';
const addressInput = (el: Element) => shadow(el).querySelector<HTMLInputElement>('#address')!;

/** Opens `<mfa-enroll>` of a phone or email and waits for the address input to have focus. */
async function openAddress(el: MfaEnroll): Promise<MfaEnroll> {
  el.show();
  await until(() => deepActive() === addressInput(el), 5000, 'address input focused');
  await settled(el);
  return el;
}

async function typeAddress(el: MfaEnroll, value: string): Promise<void> {
  addressInput(el).value = '';
  addressInput(el).focus();
  await sendKeys({ type: value });
  await sendKeys({ press: 'Enter' });
}

/** Waits for the sent-code step: the light-DOM code input has focus. */
const codePhase = (el: MfaEnroll) => until(() => document.activeElement === inputOf(el) && inputOf(el).getClientRects().length > 0, 5000, `code phase (status: "${status(el)}")`);

async function typeCode(code: string): Promise<void> {
  await sendKeys({ type: code });
  await sendKeys({ press: 'Enter' });
}

describe('<mfa-enroll> phone and email', () => {
  beforeEach(() => getDefaultClient().tokens.clear());

  it('adds a phone: checks the number first, sends an SMS, warns it is the weakest kind, counts down to resend, shows recovery codes', async function () {
    this.timeout(15000);
    await signInNewUser();
    const el = await openAddress(await fixture<MfaEnroll>(html`<mfa-enroll type="phone"></mfa-enroll>`));
    expect(part(el, 'title')!.textContent!.trim()).to.equal(enEnroll.enrollPhoneTitle);
    const input = addressInput(el);
    expect(input.getAttribute('part')).to.equal('address-input');
    expect(input.type).to.equal('tel');
    expect(input.autocomplete).to.equal('tel');
    expect([...input.labels!].map((l) => l.textContent!.trim())).to.deep.equal([enEnroll.phoneLabel]);
    const hint = shadow(el).getElementById(input.getAttribute('aria-describedby')!)!;
    expect(hint.textContent!.trim()).to.equal(enEnroll.phoneHint);
    const radios = [...shadow(el).querySelectorAll<HTMLInputElement>('input[type=radio][name=channel]')];
    expect(radios.map((r) => [r.value, r.labels![0].textContent!.trim(), r.checked])).to.deep.equal([
      ['sms', enEnroll.channelSms, true],
      ['voice', enEnroll.channelVoice, false],
    ]);
    expect(radios[0].closest('fieldset')!.querySelector('legend')!.textContent!.trim()).to.equal(enEnroll.channelLabel);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    // Not international: said at once, nothing sent.
    await typeAddress(el, '555-1234');
    await until(() => status(el) === enEnroll.invalidPhone, 5000, 'invalid phone message');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(deepActive()).to.equal(input);
    expect(await outbox()).to.deep.equal([]);
    await expect(el).to.be.accessible();

    await typeAddress(el, '+1 555 123 4567');
    await codePhase(el);
    expect(intro(el)).to.equal('Enter the 6-digit code we sent to +1 ••• 4567.');
    expect(status(el)).to.equal('');
    const notice = part(el, 'notice')!;
    expect(notice, 'restricted notice').to.exist;
    expect(notice.textContent!.trim()).to.equal(enEnroll.phoneRestricted);
    const resend = part(el, 'resend-button')!;
    expect(resend.tagName).to.equal('BUTTON');
    expect(resend.getAttribute('aria-disabled')).to.equal('true');
    expect(resend.textContent!.trim()).to.match(/^Send a new code in 0:(30|2\d)$/);
    expect(inputOf(el).getAttribute('aria-label')).to.equal(enSteps.sentCodeLabel);
    expect(inputOf(el).autocomplete).to.equal('one-time-code');
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const { message, code } = await latestCode();
    expect(message).to.include({ channel: 'sms', to: '+15551234567' });
    expect(message.text).to.contain(`\n\n@${location.hostname} #${code}`);
    expect(await outbox()).to.have.length(1);

    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    await typeCode(code);
    const list = await until(() => part(el, 'recovery-codes'), 5000, `recovery codes (status: "${status(el)}")`);
    expect(list.querySelectorAll('li')).to.have.length(10);
    expect((await resolved).detail).to.include({ success: true, resource: 'mfa', action: 'enroll', factorType: 'phone' });
    const { factors } = await getDefaultClient().listFactors();
    expect(factors.map((f) => [f.type, f.label])).to.deep.equal([['phone', '+1 ••• 4567']]);
    part(el, 'done-button')!.click();
    await until(() => !el.open, 5000, 'closed');
  });

  it('sends the code by voice call when chosen (no WebOTP line)', async function () {
    this.timeout(15000);
    await signInNewUser();
    const el = await openAddress(await fixture<MfaEnroll>(html`<mfa-enroll type="phone"></mfa-enroll>`));
    // Choose "Voice call" by its label, as a pointer user would.
    const voice = shadow(el).querySelector<HTMLInputElement>('input[name=channel][value=voice]')!;
    voice.labels![0].click();
    expect(voice.checked).to.equal(true);
    await typeAddress(el, '+1 (555) 987-6543');
    await codePhase(el);
    expect(intro(el)).to.equal('Enter the 6-digit code we sent to +1 ••• 6543.');
    const { message, code } = await latestCode();
    expect(message).to.include({ channel: 'voice', to: '+15559876543' });
    expect(message.text).to.not.contain('@');
    expect(message.text).to.not.contain(`#${code}`);
    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    await typeCode(code);
    expect((await resolved).detail).to.include({ success: true, factorType: 'phone' });
  });

  it('adds an email address: refuses an invalid one, then confirms the emailed code', async function () {
    this.timeout(15000);
    await signInNewUser();
    const el = await openAddress(await fixture<MfaEnroll>(html`<mfa-enroll type="email"></mfa-enroll>`));
    expect(part(el, 'title')!.textContent!.trim()).to.equal(enEnroll.enrollEmailTitle);
    expect([...addressInput(el).labels!].map((l) => l.textContent!.trim())).to.deep.equal([enEnroll.emailLabel]);
    expect(addressInput(el).type).to.equal('email');
    expect(shadow(el).querySelector('input[type=radio]')).to.equal(null);
    await expect(el).to.be.accessible();

    await typeAddress(el, 'not-an-email');
    await until(() => status(el) === enEnroll.invalidEmail, 5000, 'invalid email message');
    expect(addressInput(el).getAttribute('aria-invalid')).to.equal('true');
    expect(await outbox()).to.deep.equal([]);

    await typeAddress(el, 'Anna.Test@Example.COM');
    await codePhase(el);
    expect(intro(el)).to.equal('Enter the 6-digit code we sent to A•••@example.com.');
    expect(part(el, 'notice'), 'no phone warning for an email').to.equal(null);
    expect(part(el, 'resend-button')!.getAttribute('aria-disabled')).to.equal('true');
    await expect(el).to.be.accessible();
    const { message, code } = await latestCode();
    expect(message).to.include({ channel: 'email', to: 'Anna.Test@example.com' });
    expect(message.subject).to.contain(code);

    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    await typeCode(code);
    await until(() => part(el, 'recovery-codes'), 5000, `recovery codes (status: "${status(el)}")`);
    expect((await resolved).detail).to.include({ success: true, resource: 'mfa', action: 'enroll', factorType: 'email' });
    expect((await getDefaultClient().listFactors()).factors.map((f) => f.type)).to.deep.equal(['email']);
  });

  it('type="choose" lists every kind the server can add, first one focused; "Email" leads to the email address', async () => {
    await signInNewUser();
    const el = await fixture<MfaEnroll>(html`<mfa-enroll type="choose"></mfa-enroll>`);
    el.show();
    const list = await until(() => part(el, 'factor-types'), 5000, 'factor types');
    const buttons = [...list.querySelectorAll<HTMLButtonElement>('button')];
    expect(buttons.map((b) => b.textContent!.trim())).to.deep.equal([
      enConsole.factorTotp, enConsole.factorWebauthn, enConsole.factorPhone, enConsole.factorEmail,
    ]);
    expect(buttons.map((b) => b.textContent!.trim())).to.deep.equal(['Authenticator app', 'Passkey', 'Text message', 'Email']);
    await until(() => deepActive() === buttons[0], 5000, 'first kind focused');
    await settled(el);
    expect(part(el, 'title')!.textContent!.trim()).to.equal(enEnroll.enrollChooseTitle);
    expect(intro(el)).to.equal(enEnroll.enrollChooseHint);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    buttons[3].click();
    await until(() => deepActive() === addressInput(el), 5000, 'email address input focused');
    expect(addressInput(el).type).to.equal('email');
    expect(part(el, 'title')!.textContent!.trim()).to.equal(enEnroll.enrollEmailTitle);
    expect([...addressInput(el).labels!].map((l) => l.textContent!.trim())).to.deep.equal([enEnroll.emailLabel]);
    await expect(el).to.be.accessible();
  });

  for (const v of [{ name: 'dark', theme: 'dark', locale: 'en' }, { name: 'RTL (ar)', theme: 'light', locale: 'ar' }]) {
    it(`phone address phase is accessible — ${v.name}`, async () => {
      await signInNewUser();
      const el = await fixture<MfaEnroll>(html`<mfa-enroll type="phone" theme=${v.theme} locale=${v.locale}></mfa-enroll>`);
      await openAddress(el);
      const label = v.locale === 'ar' ? ar.phoneLabel : enEnroll.phoneLabel;
      await until(() => addressInput(el).labels?.[0]?.textContent?.trim() === label, 5000, `label "${label}"`);
      expect(shadow(el).querySelector('dialog')!.getAttribute('dir')).to.equal(v.locale === 'ar' ? 'rtl' : 'ltr');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
      // The invalid-number state too.
      await typeAddress(el, '12345');
      const message = v.locale === 'ar' ? ar.invalidPhone : enEnroll.invalidPhone;
      await until(() => status(el) === message, 5000, 'invalid phone message');
      await expect(el).to.be.accessible();
    });
  }
});
