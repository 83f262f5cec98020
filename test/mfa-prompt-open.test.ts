// Open before the answer (docs/architecture.md "Time to open"): when the client knows that an app
// code is the likely first step, the prompt shows and focuses its code input while
// `POST /mfa/challenges` is still in flight. The harness holds that request on its way to the real
// server (test/helpers/hold-challenges.mjs), so "before the answer" is a fact here, not a race.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { mfaFetch, openAuthIdpModal } from '../src/index.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { MfaClient } from '../src/client/mfa-client.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { deepActive, inputOf, shadow, statusOf } from './helpers/drive.js';
import { enrollPhoneViaApi, newestId, nextMessage, codeOf } from './helpers/outbox.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const arm = () => fetch('/__hold/arm', { method: 'POST' });
const heldNow = async () => ((await (await fetch('/__hold')).json()) as { held: number }).held;
const release = () => fetch('/__hold/release', { method: 'POST' });
/** Until the harness holds the challenge start: the server has not answered it. */
const waitHeld = async () => {
  const end = Date.now() + 5000;
  while ((await heldNow()) !== 1) {
    if (Date.now() > end) throw new Error('timed out waiting for the held challenge start');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const prompt = () => document.querySelector('mfa-prompt') as MfaPrompt | null;
const dialogOf = (el: MfaPrompt) => shadow(el).querySelector('dialog')!;

/** A new user with an app code opens a forced step-up early: the start is held, the input has focus. */
async function openEarly(name: string) {
  const user = await signInNewUser(name);
  const { secret } = await enrollTotpFactor();
  getDefaultClient().likelyFactor = 'totp';
  await arm();
  const outcome = openAuthIdpModal({ resource: 'statements', action: 'read', forceStepUp: true });
  await waitHeld();
  const el = await until(() => prompt(), 5000, 'prompt');
  await until(() => document.activeElement === inputOf(el), 5000, 'code input focused while the start is held');
  return { el, outcome, secret, user };
}

afterEach(async () => {
  await release();
  prompt()?.hide();
  await until(() => !prompt(), 5000, 'prompt gone');
});

describe('<mfa-prompt> opens before the challenge answer', () => {
  it('the 401 names the likely factor; mfaFetch opens the prompt with the input focused before the answer; Enter waits for it, verifies, and the request goes through', async () => {
    await signInNewUser('early');
    const { secret } = await enrollTotpFactor();
    getDefaultClient().likelyFactor = undefined;
    // The app's request meets the real guard: its 401 says what the challenge will ask for.
    const refused = await fetch('/api/statements');
    expect(refused.status).to.equal(401);
    expect((await refused.json()).likely_factor).to.equal('totp');
    await arm();
    const statements = mfaFetch('/api/statements');
    await waitHeld();
    const el = await until(() => prompt(), 5000, 'prompt');
    await until(() => document.activeElement === inputOf(el), 5000, 'code input focused while the start is held');
    expect(await heldNow(), 'the server has not answered yet').to.equal(1);
    expect(dialogOf(el).open).to.equal(true);
    expect(getDefaultClient().likelyFactor, 'hint remembered from the 401').to.equal('totp');
    // The route's title is shown at once: a title alone needs no lazily loaded module.
    expect(shadow(el).querySelector('h2')?.textContent?.trim()).to.equal('See your statements');
    expect(inputOf(el).getAttribute('aria-label')).to.equal('Verification code');

    const code = await totpCode(secret, 1);
    await sendKeys({ type: code });
    expect(inputOf(el).value).to.equal(code);
    await sendKeys({ press: 'Enter' });
    await until(() => statusOf(el) === 'Checking…', 5000, 'checking shown');
    expect(await heldNow(), 'Enter did not skip the challenge').to.equal(1);

    await release();
    expect((await statements).status, 'the request went through with the token').to.equal(200);
  });

  it('a step-up still fresh: the 401 names nothing, the prompt waits for the answer, and no dialog flashes', async () => {
    await signInNewUser('early-fresh');
    const { secret } = await enrollTotpFactor();
    // A step-up for statements in this session, by another client: the page's client has no token for it.
    await arm();
    const outcome = openAuthIdpModal({ resource: 'statements', action: 'read', client: new MfaClient() });
    await waitHeld();
    await release();
    const el = await until(() => prompt(), 5000, 'prompt');
    await until(() => document.activeElement === inputOf(el), 5000, 'input after the answer');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await outcome).success).to.equal(true);
    await until(() => !prompt(), 5000, 'prompt gone');

    const refused = await fetch('/api/statements');
    expect(refused.status).to.equal(401);
    expect('likely_factor' in (await refused.json()), 'a challenge would not ask').to.equal(false);
    const shows: Event[] = [];
    window.addEventListener('mfa-show', (e) => shows.push(e), true);
    getDefaultClient().likelyFactor = 'totp'; // what the page learnt earlier: not enough to open early
    await arm();
    const statements = mfaFetch('/api/statements');
    await waitHeld();
    expect(prompt()?.shadowRoot?.querySelector('dialog')?.open ?? false, 'nothing shown while the start is held').to.equal(false);
    await release();
    expect((await statements).status, 'the earlier step-up answered').to.equal(200);
    expect(shows, 'no dialog was shown').to.deep.equal([]);
  });

  it('a stale hint: the server asks which phone instead; focus moves inside the dialog to the choice, shown and announced once', async () => {
    await signInNewUser('early-phones');
    const client = new MfaClient();
    await enrollPhoneViaApi(client, '+15551234567');
    const before = await newestId();
    const c = (await client.startChallenge({ resource: 'mfa', action: 'manage', force: true })) as { challengeId: string; challenges: { guid: string }[] };
    const sms = await nextMessage(before, '+15551234567');
    await client.resume(c.challengeId, [{ guid: c.challenges[0].guid, value: codeOf(sms) }]);
    await enrollPhoneViaApi(client, '+15559876543');
    // What an earlier user of this page answered with: an app code.
    getDefaultClient().likelyFactor = 'totp';

    const shows: Event[] = [];
    const lostToNothing: FocusEvent[] = [];
    const statusChanges: string[] = [];
    window.addEventListener('mfa-show', (e) => shows.push(e), true);
    await arm();
    const outcome = openAuthIdpModal({ resource: 'statements', action: 'read', forceStepUp: true });
    await waitHeld();
    const el = await until(() => prompt(), 5000, 'prompt');
    await until(() => document.activeElement === inputOf(el), 5000, 'code input focused early');
    inputOf(el).addEventListener('focusout', (e) => !e.relatedTarget && lostToNothing.push(e));
    const status = shadow(el).querySelector('[part~="status"]')!;
    new MutationObserver(() => statusChanges.push(status.textContent!.trim())).observe(status, { childList: true, characterData: true, subtree: true });
    await sendKeys({ type: '12' });

    await release();
    const radio = await until(() => {
      const a = deepActive();
      return a instanceof HTMLInputElement && a.type === 'radio' ? a : null;
    }, 5000, 'first choice focused');
    expect(shadow(el).contains(radio)).to.equal(true);
    expect(lostToNothing, 'focus never fell to <body>').to.deep.equal([]);
    expect(document.activeElement).to.equal(el);
    expect(shows.length, 'the dialog was shown once').to.equal(1);
    expect(statusChanges.filter(Boolean), 'nothing announced in the live region').to.deep.equal([]);
    expect(inputOf(el).value, 'the typed digits belonged to an app code').to.equal('');
    expect(shadow(el).querySelector('fieldset legend')?.textContent?.trim()).to.equal('Which phone should get the code?');
    el.hide();
    expect((await outcome).error).to.equal('cancelled');
  });

  it('a challenge start gone stale (signed out meanwhile) says so, keeps the typed code, and Try again verifies it', async () => {
    const { el, outcome, secret, user } = await openEarly('early-stale');
    const code = await totpCode(secret, 1);
    await sendKeys({ type: code });

    // The session ends while the start is held: the real server refuses it when it arrives.
    await fetch('/demo/logout', { method: 'POST' });
    await release();
    await until(() => statusOf(el) === 'You’re no longer signed in. Sign in again, then try once more.', 5000, 'error shown');
    expect(inputOf(el).value, 'the typed code is kept').to.equal(code);
    const tryAgain = await until(() => [...shadow(el).querySelectorAll('footer button')].find((b) => b.textContent!.trim() === 'Try again') as HTMLButtonElement | undefined, 5000, 'Try again');
    expect(deepActive()?.closest('footer')).to.equal(shadow(el).querySelector('footer'));

    // Signed in again (same user): Try again starts a new challenge; the code is still there.
    await fetch('/demo/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user }) });
    tryAgain.click();
    await until(() => document.activeElement === inputOf(el) && !shadow(el).querySelector<HTMLElement>('.field')!.hidden, 5000, 'code input back');
    expect(inputOf(el).value).to.equal(code);
    await sendKeys({ press: 'Enter' });
    expect((await outcome).success).to.equal(true);
  });

  it('its first frame uses one face at two sizes: each other face or size is one more synchronous font lookup while it opens', async () => {
    const { el, outcome } = await openEarly('early-fonts');
    // Every element that draws text in the first frame (its own text nodes, or the code input), as
    // Chromium keys a font: family, size, weight. The title, the close button and the code share
    // one size, the rest the body's, all regular (docs/architecture.md "Time to open"); a bold
    // anywhere would also be a second font file to load.
    const strikes = new Set<string>();
    const add = (e: Element) => {
      const s = getComputedStyle(e);
      if (e.getClientRects().length) strikes.add(`${s.fontFamily} ${s.fontSize} ${s.fontWeight}`);
    };
    add(inputOf(el));
    for (const e of dialogOf(el).querySelectorAll('*')) {
      if ([...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())) add(e);
    }
    expect([...strikes].sort()).to.have.length(2, [...strikes].join(' | '));
    expect([...strikes].every((k) => k.endsWith(' 400')), [...strikes].join(' | ')).to.equal(true);
    await release();
    el.hide();
    expect((await outcome).success).to.equal(false);
  });

  it("its first frame is in the page's typeface, the font the page has loaded already, or in --mfa-font when the app sets it", async () => {
    /** The font families the first frame's text is drawn in. */
    const familiesOf = (el: MfaPrompt) => {
      const families = new Set([getComputedStyle(inputOf(el)).fontFamily]);
      for (const e of dialogOf(el).querySelectorAll('*')) {
        if ([...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())) families.add(getComputedStyle(e).fontFamily);
      }
      return [...families];
    };
    document.body.style.fontFamily = 'Georgia, serif';
    try {
      const first = await openEarly('early-typeface');
      expect(familiesOf(first.el)).to.deep.equal(['Georgia, serif']);
      await release();
      first.el.hide();
      await first.outcome;
      await until(() => !prompt(), 5000, 'prompt gone');

      document.body.style.setProperty('--mfa-font', '400 1rem/1.5 Verdana, sans-serif');
      const second = await openEarly('early-typeface-set');
      expect(familiesOf(second.el)).to.deep.equal(['Verdana, sans-serif']);
      await release();
      second.el.hide();
      await second.outcome;
    } finally {
      document.body.style.removeProperty('font-family');
      document.body.style.removeProperty('--mfa-font');
    }
  });
});
