// WCAG 2.2 AA, state by state: axe in every visual state of every element that exists,
// in light, dark and an RTL locale; keyboard-only use; names, targets, reflow, motion, host CSS.
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import '../src/define.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { checkNamesAndTargets } from './helpers/a11y-checks.js';
import { deepActive, inputOf, openAndFocus, settled, shadow, statusOf, typeCode, wrongCodeFor } from './helpers/drive.js';
import { enrollTotpFactor, nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

type Variant = { name: string; theme?: 'light' | 'dark'; locale?: string };
const VARIANTS: Variant[] = [{ name: 'light', theme: 'light' }, { name: 'dark', theme: 'dark' }, { name: 'RTL (ar)', locale: 'ar' }];

async function prompt(v: Variant, force = false): Promise<MfaPrompt> {
  return fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" ?force=${force} theme=${v.theme ?? 'light'} locale=${v.locale ?? 'en'}></mfa-prompt>`);
}

describe('accessibility of every state', () => {
  for (const v of VARIANTS) {
    it(`<mfa-prompt> code entry, wrong code and locked — ${v.name}`, async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      const el = await openAndFocus(await prompt(v));
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
      const wrong = await wrongCodeFor(secret);
      await typeCode(wrong);
      await until(() => inputOf(el).getAttribute('aria-invalid') === 'true', 5000, 'wrong-code state');
      await expect(el).to.be.accessible();
      for (let i = 0; i < 9; i++) {
        // One answer at a time, as a person would: wait for each verdict before typing again.
        const verdict = nextEvent(el, 'mfa-error');
        await typeCode(wrong);
        await verdict;
      }
      await until(() => shadow(el).querySelector('[role="alert"]'), 5000, 'locked state');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
    });

    it(`<mfa-prompt> expired and recovery-code entry — ${v.name}`, async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      // force: the other tab's step-up below would otherwise make "Try again" succeed at once.
      const el = await openAndFocus(await prompt(v, true));
      // Someone else answers this challenge first (another tab): this one is gone.
      const { challengeId, challenges } = await until(() => (el as unknown as { challenge?: { challengeId: string; challenges: { guid: string }[] } }).challenge, 5000, 'the challenge');
      await fetch(`/mfa/challenges/${challengeId}/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answers: [{ guid: challenges[0].guid, value: await totpCode(secret, 1) }] }) });
      await typeCode(await totpCode(secret, 0));
      await until(() => shadow(el).querySelector('footer button.primary')?.textContent?.trim() && inputOf(el).getClientRects().length === 0, 5000, 'expired state');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
      // "Try again" starts over; then switch to a recovery code.
      shadow(el).querySelector<HTMLButtonElement>('footer button.primary')!.click();
      await until(() => document.activeElement === inputOf(el), 5000, 'code entry again');
      // The forced prompt may show its code input before the new challenge answers; the other
      // methods come with the answer.
      (await until(() => shadow(el).querySelector<HTMLButtonElement>('[part~="switch-button"]'), 5000, 'switch button')).click();
      // "Use another method" lists the other ways; the list itself must be accessible too.
      const method = await until(() => shadow(el).querySelector<HTMLButtonElement>('[part~="method-button"]'), 5000, 'method list');
      await until(() => deepActive() === method, 5000, 'first method focused');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
      method.click();
      await until(() => inputOf(el).inputMode === 'text' && document.activeElement === inputOf(el), 5000, 'recovery entry');
      await expect(el).to.be.accessible();
    });

    it(`<mfa-enroll> QR, wrong code and recovery codes — ${v.name}`, async () => {
      await signInNewUser();
      const el = await fixture<MfaEnroll>(html`<mfa-enroll theme=${v.theme ?? 'light'} locale=${v.locale ?? 'en'}></mfa-enroll>`);
      await openAndFocus(el);
      await until(() => shadow(el).querySelector('[part~="qr"]'), 5000, 'QR');
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
      const secret = shadow(el).querySelector('[part~="secret"]')!.textContent!.replace(/\s/g, '');
      await typeCode(await wrongCodeFor(secret));
      await until(() => statusOf(el) !== '', 5000, 'wrong-code message');
      await expect(el).to.be.accessible();
      await typeCode(await totpCode(secret, 0));
      const list = await until(() => shadow(el).querySelector('[part~="recovery-codes"]'), 5000, 'recovery codes');
      // A list a screen reader reads code by code.
      expect(list.tagName).to.equal('UL');
      expect(list.querySelectorAll('li').length).to.equal(10);
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
    });
  }
});

describe('keyboard only', () => {
  it('Tab moves through the dialog in order and never leaves it; Escape cancels; focus returns', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const opener = await fixture<HTMLButtonElement>(html`<button>Pay</button>`);
    opener.focus();
    const el = await openAndFocus(await prompt({ name: 'light' }));
    const visited: string[] = [];
    for (let i = 0; i < 8; i++) {
      await sendKeys({ press: 'Tab' });
      const active = deepActive();
      expect(el.contains(active) || shadow(el).contains(active), `Tab ${i + 1} stays in the dialog (on ${active?.outerHTML.slice(0, 60)})`).to.equal(true);
      visited.push(active === inputOf(el) ? 'input' : (active?.getAttribute('part') ?? active?.tagName ?? '?'));
    }
    // Input → switch link → Cancel → Verify → wraps to × → input …
    expect(visited.slice(0, 5)).to.deep.equal(['button switch-button', 'button cancel-button', 'button verify-button', 'close-button', 'input']);
    shadow(el).querySelector<HTMLButtonElement>('[part~="close-button"]')!.focus();
    await sendKeys({ press: 'Shift+Tab' });
    expect(deepActive()?.getAttribute('part'), 'Shift+Tab wraps from the first control to the last').to.equal('button verify-button');
    await sendKeys({ press: 'Escape' });
    await until(() => !el.open, 5000, 'closed');
    expect(document.activeElement).to.equal(opener);
  });

  it('Enter submits the code', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openAndFocus(await prompt({ name: 'light' }));
    const done = new Promise((r) => el.addEventListener('resolve', r, { once: true }));
    await typeCode(await totpCode(secret, 1));
    await done;
  });
});

describe('layout and media', () => {
  afterEach(async () => {
    await setViewport({ width: 800, height: 600 });
    await emulateMedia({ reducedMotion: 'no-preference' });
  });

  it('fits 320 px without horizontal scrolling', async () => {
    await setViewport({ width: 320, height: 640 });
    await signInNewUser();
    const el = await fixture<MfaEnroll>(html`<mfa-enroll></mfa-enroll>`);
    await openAndFocus(el);
    await until(() => shadow(el).querySelector('[part~="qr"]'), 5000, 'QR');
    const dialog = shadow(el).querySelector('dialog')!;
    expect(dialog.getBoundingClientRect().width).to.be.at.most(320);
    expect(dialog.scrollWidth).to.be.at.most(dialog.clientWidth);
  });

  it('does not animate with prefers-reduced-motion', async () => {
    await emulateMedia({ reducedMotion: 'reduce' });
    await signInNewUser();
    await enrollTotpFactor();
    const el = await prompt({ name: 'light' });
    el.show();
    await until(() => document.activeElement === inputOf(el), 5000, 'open');
    expect(shadow(el).querySelector('dialog')!.getAnimations()).to.have.length(0);
  });

  it('keeps its code input usable under hostile host-page CSS, and leaks no style out', async () => {
    const style = document.createElement('style');
    style.textContent = 'input { display: none !important; width: 10px !important; } button { display: none; }';
    document.head.append(style);
    try {
      await signInNewUser();
      await enrollTotpFactor();
      const other = await fixture<HTMLInputElement>(html`<input id="page-input" style="display:inline-block !important">`);
      const el = await openAndFocus(await prompt({ name: 'light' }), 'code input focused despite page CSS');
      await settled(el);
      const box = inputOf(el).getBoundingClientRect();
      expect(box.width).to.be.greaterThan(200);
      expect(getComputedStyle(inputOf(el)).display).to.equal('block');
      // Our styles stay inside: the page's own input is as the page styled it.
      expect(getComputedStyle(other).width).to.equal('10px');
    } finally {
      style.remove();
    }
  });
});
