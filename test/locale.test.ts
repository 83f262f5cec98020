import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { en } from '../src/i18n/en.js';
import ar from '../src/i18n/locales/ar.js';
import de from '../src/i18n/locales/de.js';
import he from '../src/i18n/locales/he.js';
import { enrollTotpFactor, nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { settled, typeCode, wrongCodeFor } from './helpers/drive.js';

const shadow = (el: Element) => el.shadowRoot!;
const dialog = (el: MfaPrompt) => shadow(el).querySelector('dialog')!;
const titleText = (el: MfaPrompt) => shadow(el).querySelector('[part~="title"]')?.textContent?.trim() ?? '';
const statusText = (el: MfaPrompt) => shadow(el).querySelector('[part~="status"]')!.textContent!.trim();
const codeInput = (el: MfaPrompt) => el.querySelector('input')!;

/** Shows the prompt and waits until it takes a code, with its title in the expected language. */
async function openPrompt(el: MfaPrompt, title: string): Promise<MfaPrompt> {
  el.show();
  await until(() => document.activeElement === codeInput(el), 5000, 'code input focused');
  await until(() => titleText(el) === title, 5000, `title "${title}" (got "${titleText(el)}")`);
  await settled(el);
  return el;
}




describe('locales', () => {
  it('opens in Arabic, right to left, with an Arabic name on the code input, and stays accessible', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt locale="ar" resource="payments" action="transfer"></mfa-prompt>`);
    await openPrompt(el, ar.promptTitle);
    expect(dialog(el).getAttribute('dir')).to.equal('rtl');
    expect(dialog(el).getAttribute('lang')).to.equal('ar');
    expect(codeInput(el).getAttribute('aria-label')).to.equal(ar.codeLabel);
    expect(shadow(el).querySelector('[part~="verify-button"]')!.textContent!.trim()).to.equal(ar.verify);
    await expect(el).to.be.accessible();
  });

  it('follows the nearest lang attribute when it has no locale of its own', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de"><mfa-prompt resource="payments" action="transfer"></mfa-prompt></div>`);
    const el = wrapper.querySelector('mfa-prompt')!;
    await openPrompt(el, de.promptTitle);
    expect(dialog(el).getAttribute('dir')).to.equal('ltr');
    expect(dialog(el).getAttribute('lang')).to.equal('de');
    expect(codeInput(el).getAttribute('aria-label')).to.equal(de.codeLabel);
    expect(shadow(el).querySelector('#intro')!.textContent!.trim()).to.equal(de.promptIntro);
  });

  it('says how many attempts are left in Hebrew, with the plural form for 9', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt locale="he" resource="payments" action="transfer"></mfa-prompt>`);
    await openPrompt(el, he.promptTitle);
    expect(dialog(el).getAttribute('dir')).to.equal('rtl');
    const error = nextEvent<{ code: string; attemptsLeft?: number }>(el, 'mfa-error');
    await typeCode(await wrongCodeFor(secret));
    expect((await error).detail).to.deep.equal({ code: 'invalid_code', attemptsLeft: 9 });
    expect(new Intl.PluralRules('he').select(9)).to.equal('other');
    const expected = he.wrongCode.other.replace('{count}', '9');
    await until(() => statusText(el) === expected, 5000, `Hebrew wrong-code message "${expected}" (got "${statusText(el)}")`);
    expect(codeInput(el).getAttribute('aria-invalid')).to.equal('true');
  });

  it('stays English for a language it does not have', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt locale="xx" resource="payments" action="transfer"></mfa-prompt>`);
    await openPrompt(el, en.promptTitle);
    expect(dialog(el).getAttribute('dir')).to.equal('ltr');
    expect(codeInput(el).getAttribute('aria-label')).to.equal(en.codeLabel);
    expect(shadow(el).querySelector('#intro')!.textContent!.trim()).to.equal(en.promptIntro);
  });
});

describe('<mfa-provider>', () => {
  it('gives the elements inside it a locale and an API base (@lit/context)', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const wrapper = await fixture<HTMLElement>(html`<mfa-provider locale="de"><mfa-prompt resource="payments" action="transfer"></mfa-prompt></mfa-provider>`);
    const el = wrapper.querySelector('mfa-prompt')!;
    await openPrompt(el, de.promptTitle);
    expect(codeInput(el).getAttribute('aria-label')).to.equal(de.codeLabel);

    const elsewhere = await fixture<HTMLElement>(html`<mfa-provider api-base="/not-the-mfa-api"><mfa-prompt resource="payments" action="transfer"></mfa-prompt></mfa-provider>`);
    const lost = elsewhere.querySelector('mfa-prompt')!;
    const rejected = nextEvent<{ error: string }>(lost, 'reject');
    lost.show();
    // The provider's API base is used: nothing answers there, so the prompt says so and stays usable.
    await until(() => shadow(lost).querySelector('[part~="status"]')?.textContent?.trim() === en.serverError, 5000, 'server error shown');
    shadow(lost).querySelector<HTMLButtonElement>('footer button')!.click();
    expect((await rejected).detail.error).to.equal('server');
  });
});
