// <mfa-prompt> beyond a typed TOTP code, against the real demo server: codes it sends (SMS and
// email through the dev outbox) with the resend countdown, the MX-style "which phone?" choice,
// KBA questions (text → options → emailed code, acr "kba"), picture choices, and the
// "Use another method" list — driven from the keyboard where a person would use it.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { ifDefined } from 'lit/directives/if-defined.js';
import '../src/define.js';
import { MfaClient } from '../src/client/mfa-client.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { ChallengedResponse, IdpAuthResponse } from '../src/core/types.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { checkNamesAndTargets } from './helpers/a11y-checks.js';
import { deepActive, inputOf, openAndFocus, settled, shadow, statusOf, typeCode } from './helpers/drive.js';
import { codeOf, enrollPhoneViaApi, newestId, nextMessage, outbox } from './helpers/outbox.js';
import { enrollTotpFactor, nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const PHONE = '+15551234567';
const PHONE_MASKED = '+1 ••• 4567';
const PHONE_2 = '+15559876543';
const PHONE_2_MASKED = '+1 ••• 6543';

// ---- factors set up through the API, as an earlier visit would have (codes from test/helpers/outbox.ts) ----

/** A step-up for mfa/manage answered with a texted code (the client keeps the token for `enroll`). */
async function manageStepUpByPhone(client: MfaClient): Promise<void> {
  const before = await newestId();
  const challenge = (await client.startChallenge({ resource: 'mfa', action: 'manage', force: true })) as ChallengedResponse;
  expect(challenge.status).to.equal('CHALLENGED');
  const answer = await client.resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: codeOf(await nextMessage(before)) }]);
  expect(answer.status).to.equal('VERIFIED');
}

/** A new user with two confirmed phones: PHONE (used last) and PHONE_2. */
async function userWithTwoPhones(): Promise<string> {
  const user = await signInNewUser('phones');
  const client = new MfaClient();
  await enrollPhoneViaApi(client, PHONE);
  await manageStepUpByPhone(client);
  await enrollPhoneViaApi(client, PHONE_2);
  return user;
}

// ---- reading and driving the prompt ----

const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
const introOf = (el: Element) => shadow(el).getElementById('intro')!.textContent!.trim();
const resendButton = (el: Element) => part(el, 'resend-button') as HTMLButtonElement | null;
const radios = (el: Element) => [...shadow(el).querySelectorAll<HTMLInputElement>('.answer input[type=radio]')];
const labelOf = (input: HTMLInputElement) => input.closest('label')!.textContent!.replace(/\s+/g, ' ').trim();
const legendOf = (el: Element) => shadow(el).querySelector('fieldset legend')?.textContent?.trim();

async function promptFor(resource: string, action: string, attrs: { factor?: string; force?: boolean; theme?: string; locale?: string } = {}): Promise<MfaPrompt> {
  return fixture<MfaPrompt>(html`<mfa-prompt resource=${resource} action=${action} factor=${ifDefined(attrs.factor)} ?force=${attrs.force ?? false}
    theme=${attrs.theme ?? 'light'} locale=${attrs.locale ?? 'en'}></mfa-prompt>`);
}

/** Opens the prompt on a choice step and waits until its first radio has focus. */
async function openOnChoices(el: MfaPrompt): Promise<HTMLInputElement[]> {
  el.show();
  await until(() => radios(el).length > 0 && deepActive() === radios(el)[0], 5000, 'first choice focused');
  await settled(el);
  return radios(el);
}

/** Presses Tab until the control with `partName` has focus (as a keyboard user reaches it). */
async function tabTo(partName: string): Promise<HTMLElement> {
  for (let i = 0; i < 10; i++) {
    await sendKeys({ press: 'Tab' });
    const active = deepActive();
    if (active?.getAttribute('part')?.split(' ').includes(partName)) return active as HTMLElement;
  }
  throw new Error(`Tab never reached ${partName}`);
}

/** Verify, reached and pressed from the keyboard. */
async function pressVerify(): Promise<void> {
  await tabTo('verify-button');
  await sendKeys({ press: 'Enter' });
}

/** What the prompt says now (for failure messages). */
const saying = (el: Element) => shadow(el).querySelector('[part~="status"]')?.textContent?.trim() ?? '(closed)';

/** `step`, but a failure also tells what the prompt's status line says. */
async function explained<T>(el: Element, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (e) {
    throw new Error(`${(e as Error).message} — the prompt says: "${saying(el)}"`);
  }
}

/** The `resolve` outcome, or a clear failure after 5 s naming what the prompt says instead. */
async function resolvedWithin(el: Element, resolved: Promise<CustomEvent<IdpAuthResponse>>): Promise<IdpAuthResponse> {
  let timer = 0;
  const late = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error(`no resolve within 5 s — the prompt says: "${saying(el)}"`)), 5000);
  });
  try {
    return (await Promise.race([resolved, late])).detail;
  } finally {
    clearTimeout(timer);
  }
}

/** The demo's unbound route that wants `mfa` (statements/read). */
const statementsWith = (token: string | null) => fetch('/api/statements', { headers: { 'Step-Up-Token': token ?? '' } });

describe('<mfa-prompt> steps beyond a typed code', () => {
  it('phone: says where the code went, counts down to "Send a new code", and accepts the texted code', async () => {
    await signInNewUser('phone');
    await enrollPhoneViaApi(new MfaClient(), PHONE);
    const before = await newestId();
    const el = await openAndFocus(await promptFor('statements', 'read'));
    await until(() => introOf(el).includes(PHONE_MASKED), 5000, 'sent-code intro');
    expect(introOf(el)).to.equal(`Enter the 6-digit code we sent to ${PHONE_MASKED}.`);

    const resend = await until(() => resendButton(el), 5000, 'resend button');
    expect(resend.textContent!.trim()).to.match(/^Send a new code in 0:(2\d|30)$/);
    expect(resend.getAttribute('aria-disabled')).to.equal('true');
    // Waiting, but still focusable (aria-disabled, not disabled), so a screen reader hears how long.
    expect(resend.disabled).to.equal(false);
    resend.focus();
    expect(deepActive()).to.equal(resend);
    inputOf(el).focus();

    // The SMS ends with the WebOTP line naming this host.
    const sms = await nextMessage(before, PHONE);
    expect(sms.channel).to.equal('sms');
    const code = codeOf(sms);
    expect(sms.text.endsWith(`@localhost #${code}`), sms.text).to.equal(true);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(code);
    const { detail } = await resolved;
    expect(detail.success).to.equal(true);
    expect(detail.resource).to.equal('statements');
    const token = getDefaultClient().token.getAccessToken({ resource: 'statements', action: 'read' });
    expect((await statementsWith(token)).status).to.equal(200);
  });

  it('phone: "Send a new code" after the countdown replaces the code; the old one is refused', async function () {
    this.timeout(50_000);
    await signInNewUser('resend');
    await enrollPhoneViaApi(new MfaClient(), PHONE);
    const before = await newestId();
    const el = await openAndFocus(await promptFor('payments', 'transfer'));
    const oldCode = codeOf(await nextMessage(before, PHONE));
    await until(() => resendButton(el), 5000, 'resend button');

    // The countdown runs to the end by itself: no other interaction re-renders the prompt meanwhile.
    await until(() => resendButton(el)?.getAttribute('aria-disabled') === 'false', 40_000, 'countdown over')
      .catch((e: Error) => { throw new Error(`${e.message}: the button still reads "${resendButton(el)?.textContent?.trim()}"`); });
    const resend = resendButton(el)!;
    expect(resend.textContent!.trim()).to.equal('Send a new code');
    const afterFirst = await newestId();
    resend.focus();
    await sendKeys({ press: 'Enter' });
    await explained(el, until(() => statusOf(el) === 'We sent a new code. The previous one no longer works.', 5000, 'resent message'));
    const newCode = codeOf(await nextMessage(afterFirst, PHONE));
    expect(resendButton(el)!.getAttribute('aria-disabled'), 'a new countdown').to.equal('true');

    inputOf(el).focus();
    const error = nextEvent<{ code: string; attemptsLeft?: number }>(el, 'mfa-error');
    await typeCode(oldCode === newCode ? String((Number(newCode) + 1) % 1e6).padStart(6, '0') : oldCode);
    expect((await error).detail).to.deep.equal({ code: 'invalid_code', attemptsLeft: 9 });
    await until(() => statusOf(el) === 'That code didn’t work. 9 attempts left.', 5000, 'wrong-code message');
    expect(inputOf(el).getAttribute('aria-invalid')).to.equal('true');

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(newCode);
    expect((await resolved).detail.success).to.equal(true);
  });

  it('two phones: asks which one gets the code, texts only that one, accepts its code', async () => {
    await userWithTwoPhones();
    const el = await promptFor('payments', 'transfer', { factor: 'phone' });
    const before = await newestId();
    const choices = await openOnChoices(el);
    expect(legendOf(el)).to.equal('Which phone should get the code?');
    expect(shadow(el).querySelector('fieldset')!.contains(choices[0])).to.equal(true);
    expect(choices.map(labelOf).sort()).to.deep.equal([PHONE_MASKED, PHONE_2_MASKED].sort());
    expect(choices.every((r) => r.name === choices[0].name)).to.equal(true);
    expect((await outbox()).filter((m) => m.id > before), 'nothing sent before a choice').to.deep.equal([]);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    // Arrow keys move through the group; the second number is chosen.
    await sendKeys({ press: 'ArrowDown' });
    const checked = await until(() => radios(el).find((r) => r.checked), 5000, 'a choice checked');
    expect(checked).to.equal(radios(el)[1]);
    if (labelOf(checked) !== PHONE_2_MASKED) {
      await sendKeys({ press: 'ArrowUp' }); // the list may be in another order: take the other one
      await until(() => radios(el).find((r) => r.checked && labelOf(r) === PHONE_2_MASKED), 5000, 'second phone checked');
    }
    await pressVerify();

    await explained(el, until(() => introOf(el) === `Enter the 6-digit code we sent to ${PHONE_2_MASKED}.` && document.activeElement === inputOf(el), 5000, 'code step for the second phone'));
    const sms = await nextMessage(before, PHONE_2);
    const sent = (await outbox()).filter((m) => m.id > before);
    expect(sent.map((m) => m.to), 'only the chosen phone got a text').to.deep.equal([PHONE_2]);
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(codeOf(sms));
    expect((await resolved).detail.success).to.equal(true);
  });

  it('KBA bank connection: question → account choice → emailed code; the token is acr "kba" only', async () => {
    const user = await signInNewUser('kba');
    const el = await promptFor('bank', 'connect', { factor: 'kba', force: true });
    el.show();
    const answer = await until(() => {
      const input = shadow(el).querySelector<HTMLInputElement>('.answer input[type=text]');
      return input && deepActive() === input ? input : null;
    }, 5000, 'answer field focused');
    await settled(el);
    expect(answer.labels?.[0]?.textContent?.trim()).to.equal('What was the name of your first pet?');
    expect(introOf(el)).to.equal('Answer the questions to continue.');
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const wrong = nextEvent<{ code: string; attemptsLeft?: number }>(el, 'mfa-error');
    await sendKeys({ type: 'Cat' });
    await sendKeys({ press: 'Enter' });
    const { detail } = await wrong;
    expect(detail.code).to.equal('invalid_code');
    expect(detail.attemptsLeft).to.be.a('number').and.greaterThan(1);
    await until(() => statusOf(el) === `That answer didn’t work. ${detail.attemptsLeft} attempts left.`, 5000, 'wrong-answer message');

    // Replace the answer, as a person would: select what is there and type over it.
    answer.focus();
    answer.select();
    await sendKeys({ type: 'rex' });
    await sendKeys({ press: 'Enter' });
    const choices = await until(() => {
      const r = radios(el);
      return r.length && deepActive() === r[0] ? r : null;
    }, 5000, 'account choices, first focused');
    expect(legendOf(el)).to.equal('Which of these accounts is yours?');
    expect(choices.map(labelOf)).to.deep.equal(['Checking ••• 4821', 'Savings ••• 1177', 'Credit card ••• 9034']);
    expect(statusOf(el), 'the old error is gone').to.equal('');
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const before = await newestId();
    await sendKeys({ press: 'Space' }); // the focused first one: Checking ••• 4821
    await until(() => choices[0].checked || radios(el)[0]?.checked, 5000, 'checking chosen');
    await pressVerify();
    await explained(el, until(() => introOf(el) === 'Enter the 6-digit code we sent to k•••@bank.example.' && document.activeElement === inputOf(el), 5000, 'emailed code step'));
    const email = await nextMessage(before, `${user}@bank.example`);
    expect(email.channel).to.equal('email');
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(codeOf(email));
    const outcome = (await resolved).detail;
    expect(outcome).to.include({ success: true, resource: 'bank', action: 'connect' });

    const token = getDefaultClient().token.getAccessToken({ resource: 'bank', action: 'connect' });
    expect(token).to.be.a('string');
    const connect = await fetch('/api/bank/connect', { method: 'POST', headers: { 'Step-Up-Token': token! } });
    expect(connect.status).to.equal(200);
    expect((await connect.json()).ok).to.equal(true);
    // Knowledge is not MFA: the same token (acr "kba") never opens a route that wants "mfa".
    expect((await statementsWith(token)).status).to.equal(401);
  });

  it('picture question: choices show their pictures (data: PNGs); choosing "Blue" verifies', async () => {
    await signInNewUser('picture');
    const el = await promptFor('bank', 'picture', { factor: 'kba', force: true });
    const choices = await openOnChoices(el);
    expect(legendOf(el)).to.equal('Which picture did you choose as your security image?');
    expect(choices.map(labelOf)).to.deep.equal(['Green', 'Blue', 'Orange']);
    for (const r of choices) {
      const img = r.closest('label')!.querySelector('img')!;
      expect(img.getAttribute('src')).to.match(/^data:image\/png;base64,/);
      expect(img.getAttribute('alt'), 'decorative: the label names the choice').to.equal('');
    }
    await until(() => choices.every((r) => r.closest('label')!.querySelector('img')!.complete), 5000, 'pictures loaded');
    expect(choices.every((r) => r.closest('label')!.querySelector('img')!.naturalWidth > 0), 'pictures decode').to.equal(true);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    await sendKeys({ press: 'ArrowDown' }); // Green → Blue
    await until(() => radios(el)[1]?.checked, 5000, 'Blue chosen');
    expect(labelOf(radios(el).find((r) => r.checked)!)).to.equal('Blue');
    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await pressVerify();
    expect(await resolvedWithin(el, resolved)).to.include({ success: true, resource: 'bank', action: 'picture' });
  });

  it('"Use another method" lists the phone and recovery codes; choosing the phone texts a code', async () => {
    await signInNewUser('switch');
    const { secret } = await enrollTotpFactor();
    const client = new MfaClient();
    const manage = (await client.startChallenge({ resource: 'mfa', action: 'manage', force: true })) as ChallengedResponse;
    await client.resume(manage.challengeId, [{ guid: manage.challenges[0].guid, value: await totpCode(secret, 1) }]);
    await enrollPhoneViaApi(client, PHONE);

    const el = await openAndFocus(await promptFor('payments', 'transfer'));
    expect(introOf(el), 'the app comes first').to.equal('Enter the code from your authenticator app to continue.');
    const switchButton = part(el, 'switch-button') as HTMLButtonElement;
    expect(switchButton.textContent!.trim()).to.equal('Use another method');
    switchButton.focus();
    await sendKeys({ press: 'Enter' });

    const methods = await until(() => {
      const buttons = [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="method-button"]')];
      return buttons.length && deepActive() === buttons[0] ? buttons : null;
    }, 5000, 'method list, first focused');
    // The other ways first, then the current one last (the way back).
    expect(methods.map((b) => b.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal([`Text message ${PHONE_MASKED}`, 'Recovery code', 'Authenticator app']);
    expect(methods[0].querySelector('.method-detail')!.textContent!.trim()).to.equal(PHONE_MASKED);
    expect(introOf(el)).to.equal('Choose another way to confirm it’s you');
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const before = await newestId();
    await sendKeys({ press: 'Enter' }); // "Text message", focused
    await until(() => introOf(el) === `Enter the 6-digit code we sent to ${PHONE_MASKED}.` && document.activeElement === inputOf(el), 5000, 'sent-code step');
    const sms = await nextMessage(before, PHONE);
    await until(() => resendButton(el), 5000, 'resend button');
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(codeOf(sms));
    expect((await resolved).detail.success).to.equal(true);
  });

  it('going back from a texted code to the app leaves no "Send a new code" behind', async () => {
    await signInNewUser('back');
    const { secret } = await enrollTotpFactor();
    const client = new MfaClient();
    const manage = (await client.startChallenge({ resource: 'mfa', action: 'manage', force: true })) as ChallengedResponse;
    await client.resume(manage.challengeId, [{ guid: manage.challenges[0].guid, value: await totpCode(secret, 1) }]);
    await enrollPhoneViaApi(client, PHONE);

    const el = await openAndFocus(await promptFor('payments', 'transfer', { factor: 'phone' }));
    await until(() => resendButton(el), 5000, 'resend button of the texted code');
    (part(el, 'switch-button') as HTMLButtonElement).click();
    const app = await until(() => [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="method-button"]')]
      .find((b) => b.textContent!.trim() === 'Authenticator app'), 5000, 'the app in the list');
    app.click();
    await until(() => introOf(el) === 'Enter the code from your authenticator app to continue.' && document.activeElement === inputOf(el), 5000, 'app step');
    expect(resendButton(el)).to.equal(null);
    // (Steps 0 and 1 of the app are spent — enrollment and mfa/manage — so no app code is typed here.)
  });

  for (const v of [{ name: 'dark', theme: 'dark' }, { name: 'RTL (ar)', locale: 'ar' }]) {
    it(`the choice step is accessible — ${v.name}`, async () => {
      await userWithTwoPhones();
      const el = await promptFor('payments', 'transfer', { factor: 'phone', ...v });
      await openOnChoices(el);
      const dialog = shadow(el).querySelector('dialog')!;
      expect(dialog.getAttribute('dir')).to.equal(v.locale ? 'rtl' : 'ltr');
      if (v.locale) expect(dialog.getAttribute('lang')).to.equal('ar');
      expect(legendOf(el), 'server-given question, as sent').to.equal('Which phone should get the code?');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
    });
  }
});
