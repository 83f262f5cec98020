// Passkeys end to end in real Chromium with a virtual authenticator (test/helpers/webauthn-plugin.mjs):
// register through <mfa-enroll type="webauthn">, step up through <mfa-prompt> (the ceremony starts
// by itself), a cancelled ceremony, assertions for another challenge / another origin, user
// verification required, and the passkey phase in dark and right-to-left.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import '../src/define.js';
import { MfaClient } from '../src/client/mfa-client.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { ChallengedResponse, ChallengeResponse, FactorList, IdpAuthResponse } from '../src/core/types.js';
import type { MfaError } from '../src/core/errors.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enEnroll } from '../src/i18n/en-enroll.js';
import { enSteps } from '../src/i18n/en-steps.js';
import he from '../src/i18n/locales/he.js';
import { checkNamesAndTargets } from './helpers/a11y-checks.js';
import { deepActive, settled, shadow, statusOf } from './helpers/drive.js';
import { nextEvent, signInNewUser, until } from './helpers/session.js';
import {
  addVirtualAuthenticator, removeVirtualAuthenticator, setUserVerified, virtualCredentials,
} from './helpers/virtual-authenticator.js';

/** The status text, '' until it is rendered. */
const status = (el: Element) => part(el, 'status')?.textContent?.trim() ?? '';
const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);

/** Opens `<mfa-enroll type="webauthn">` and waits for the passkey phase ("Create passkey" focused, dialog settled). */
async function openPasskeyEnroll(el: MfaEnroll, buttonText: string = enEnroll.createPasskey): Promise<MfaEnroll> {
  el.show();
  await until(() => part(el, 'confirm-button')?.textContent?.trim() === buttonText, 5000, `"${buttonText}" button`);
  await until(() => deepActive() === part(el, 'confirm-button'), 5000, 'create button focused');
  await settled(el);
  return el;
}

/** Registers a passkey through the HTTP API, as an earlier visit would have (first factor: recovery codes too). */
async function registerPasskey(): Promise<void> {
  const client = new MfaClient();
  const enrollment = await client.enroll('webauthn');
  const credential = await startRegistration({ optionsJSON: enrollment.publicKey as never });
  const confirmed = await client.confirmEnrollment(enrollment.factorId, { credential });
  expect(confirmed.factor.type).to.equal('webauthn');
}

async function rejection(p: Promise<unknown>): Promise<MfaError> {
  try {
    await p;
  } catch (e) {
    return e as MfaError;
  }
  throw new Error('expected the call to fail');
}

/** `p`, or a failure naming what did not happen (and the state at that moment). */
function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what()}`)), ms))]);
}

const challenged = (a: ChallengeResponse): ChallengedResponse => {
  expect(a.status).to.equal('CHALLENGED');
  return a as ChallengedResponse;
};

/** A genuine assertion (as JSON, the way a challenge answer carries it) for challenge `c`. */
async function assertionFor(c: ChallengedResponse, tweak: Record<string, unknown> = {}) {
  return startAuthentication({ optionsJSON: { ...c.challenges[0].publicKey, ...tweak } as never });
}

const bytesOf = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
const fromB64url = (s: string) => new TextDecoder().decode(bytesOf(s));
const toB64url = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('passkeys', () => {
  let authenticatorId: string | undefined;

  beforeEach(() => getDefaultClient().tokens.clear());
  afterEach(async () => {
    if (authenticatorId) await removeVirtualAuthenticator(authenticatorId);
    authenticatorId = undefined;
  });

  it('registers a passkey with <mfa-enroll type="webauthn">: accessible, recovery codes, resolve, listed as "Passkey"', async () => {
    await signInNewUser();
    authenticatorId = await addVirtualAuthenticator();
    const el = await openPasskeyEnroll(await fixture<MfaEnroll>(html`<mfa-enroll type="webauthn"></mfa-enroll>`));
    expect(part(el, 'title')!.textContent!.trim()).to.equal(enEnroll.enrollPasskeyTitle);
    expect(shadow(el).querySelector('#intro')!.textContent!.trim()).to.equal(enEnroll.enrollPasskeyIntro);
    // No code input in this phase: nothing in the light DOM is shown.
    expect(el.querySelector('input')?.getClientRects().length ?? 0).to.equal(0);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    part(el, 'confirm-button')!.click();
    const list = await until(() => part(el, 'recovery-codes'), 8000, 'recovery codes');
    expect(list.querySelectorAll('li')).to.have.length(10);
    const { detail } = await resolved;
    expect(detail).to.include({ success: true, resource: 'mfa', action: 'enroll', factorType: 'webauthn' });
    await expect(el).to.be.accessible();

    const factors = (await (await fetch('/mfa/factors')).json()) as FactorList;
    expect(factors.factors.map((f) => [f.type, f.label])).to.deep.equal([['webauthn', 'Passkey']]);
    expect(factors.recoveryCodesLeft).to.equal(10);
    const creds = await virtualCredentials(authenticatorId);
    expect(creds).to.have.length(1);
    expect(creds[0].rpId).to.equal('localhost');

    part(el, 'done-button')!.click();
    await until(() => !el.open, 5000, 'closed');
  });

  it('steps up with the passkey: <mfa-prompt> runs the ceremony by itself; the token opens /api/statements; signCount grows', async () => {
    await signInNewUser();
    authenticatorId = await addVirtualAuthenticator();
    await registerPasskey();
    const before = (await virtualCredentials(authenticatorId))[0].signCount;

    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="statements" action="read"></mfa-prompt>`);
    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    el.show();
    const { detail } = await resolved;
    expect(detail).to.include({ success: true, resource: 'statements', action: 'read' });
    expect(el.open).to.equal(false);

    const token = getDefaultClient().token.getAccessToken({ resource: 'statements', action: 'read' });
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const statements = await fetch('/api/statements', { headers: { 'Step-Up-Token': token! } });
    expect(statements.status).to.equal(200);
    const after = (await virtualCredentials(authenticatorId))[0].signCount;
    expect(after).to.be.greaterThan(before);
  });

  it('a cancelled ceremony says so, keeps the prompt open and accessible, and Verify tries again', async function () {
    this.timeout(20000);
    await signInNewUser();
    authenticatorId = await addVirtualAuthenticator();
    await registerPasskey();
    await setUserVerified(authenticatorId, false);

    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>`);
    let outcome = '';
    el.addEventListener('resolve', () => (outcome ||= 'resolve'));
    el.addEventListener('reject', () => (outcome ||= 'reject'));
    el.show();
    await until(() => status(el) === enSteps.passkeyCancelled, 8000, 'cancelled message');
    await settled(el);
    expect(el.open).to.equal(true);
    expect(shadow(el).querySelector('dialog')!.open).to.equal(true);
    expect(outcome).to.equal('');
    expect(shadow(el).querySelector('#intro')!.textContent!.trim()).to.equal(enSteps.passkeyIntro);
    const verify = part(el, 'verify-button') as HTMLButtonElement;
    expect(verify.disabled, '"Use passkey" usable after a cancel').to.equal(false);
    expect(verify.textContent!.trim(), 'the button says what it does').to.equal(enSteps.usePasskey);
    await expect(el).to.be.accessible();
    checkNamesAndTargets(el);

    await setUserVerified(authenticatorId, true);
    const resolved = nextEvent<IdpAuthResponse>(el, 'resolve');
    // Verify on a passkey step must run the ceremony again. (Product bug at the time of writing:
    // mfa-prompt.ts binds `@click=${this.verify}`, so the click event arrives as `given` and is sent
    // as the answer — `{"isTrusted":true}` → 400 malformed_request → "Something went wrong on our side.")
    verify.focus();
    await sendKeys({ press: 'Enter' });
    const { detail } = await within(resolved, 8000, () => `resolve after Verify (status: "${statusOf(el)}")`);
    expect(detail).to.include({ success: true, resource: 'payments', action: 'transfer' });
    expect(getDefaultClient().token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.be.a('string');
  });

  it('refuses an assertion made for another challenge or another origin (400 invalid_credential) and changes nothing', async function () {
    this.timeout(20000);
    await signInNewUser();
    authenticatorId = await addVirtualAuthenticator();
    await registerPasskey();
    const client = new MfaClient();
    const scope = { resource: 'payments', action: 'transfer', force: true };
    const a = challenged(await client.startChallenge(scope));
    const b = challenged(await client.startChallenge(scope));
    expect(a.challenges[0].type).to.equal('webauthn');
    expect(a.challengeId).to.not.equal(b.challengeId);
    expect(a.challenges[0].publicKey!.challenge).to.not.equal(b.challenges[0].publicKey!.challenge);

    // A's assertion answered to B.
    const forA = await assertionFor(a);
    const wrongChallenge = await rejection(client.resume(b.challengeId, [{ guid: b.challenges[0].guid, value: JSON.stringify(forA) }]));
    expect(wrongChallenge).to.include({ name: 'MfaError', code: 'invalid_credential', status: 400 });
    // B is unharmed: its own assertion works.
    const okB = await client.resume(b.challengeId, [{ guid: b.challenges[0].guid, value: JSON.stringify(await assertionFor(b)) }]);
    expect(okB.status).to.equal('VERIFIED');

    // An assertion for A whose client data names another origin.
    const genuine = await assertionFor(a);
    const clientData = JSON.parse(fromB64url(genuine.response.clientDataJSON)) as { origin: string; challenge: string; type: string };
    expect(clientData.origin).to.equal(location.origin);
    expect(clientData.type).to.equal('webauthn.get');
    const tampered = { ...genuine, response: { ...genuine.response, clientDataJSON: toB64url(JSON.stringify({ ...clientData, origin: 'https://evil.example' })) } };
    const wrongOrigin = await rejection(client.resume(a.challengeId, [{ guid: a.challenges[0].guid, value: JSON.stringify(tampered) }]));
    expect(wrongOrigin).to.include({ name: 'MfaError', code: 'invalid_credential', status: 400 });

    // A challenge is used up only by a success: A still verifies with a fresh genuine assertion.
    const okA = await client.resume(a.challengeId, [{ guid: a.challenges[0].guid, value: JSON.stringify(await assertionFor(a)) }]);
    expect(okA.status).to.equal('VERIFIED');
    // …and then it is gone.
    const again = await rejection(client.resume(a.challengeId, [{ guid: a.challenges[0].guid, value: JSON.stringify(await assertionFor(a)) }]));
    expect(again.status).to.equal(404);
  });

  it('requires user verification: the elements say the ceremony failed; the server refuses an assertion without UV', async function () {
    this.timeout(20000);
    await signInNewUser();
    authenticatorId = await addVirtualAuthenticator({ userVerified: false });

    // The element: Chromium refuses the ceremony (UV required, not given); the user reads why, nothing is added.
    const el = await openPasskeyEnroll(await fixture<MfaEnroll>(html`<mfa-enroll type="webauthn"></mfa-enroll>`));
    const error = nextEvent<{ code: string }>(el, 'mfa-error');
    part(el, 'confirm-button')!.click();
    expect((await error).detail.code).to.equal('cancelled');
    await until(() => status(el) === enEnroll.passkeyFailed, 5000, 'passkey failed message');
    expect(part(el, 'confirm-button')!.getAttribute('aria-disabled'), 'Create passkey usable again').to.equal('false');
    await expect(el).to.be.accessible();
    el.hide();
    expect((await getDefaultClient().listFactors()).factors).to.deep.equal([]);
    expect(await virtualCredentials(authenticatorId)).to.have.length(0);

    // Registered properly (UV on), then a client that asks the authenticator for no verification
    // (Chromium then signs with UP only): the genuine, correctly signed assertion is still refused.
    await removeVirtualAuthenticator(authenticatorId);
    authenticatorId = await addVirtualAuthenticator();
    await registerPasskey();
    const client = new MfaClient();
    const c = challenged(await client.startChallenge({ resource: 'payments', action: 'transfer', force: true }));
    expect(c.challenges[0].publicKey!.userVerification).to.equal('required');
    const weak = await assertionFor(c, { userVerification: 'discouraged' });
    const flags = bytesOf(weak.response.authenticatorData)[32]; // rpIdHash (32 bytes), then flags
    expect(flags & 0x01, 'user present').to.equal(0x01);
    expect(flags & 0x04, 'user not verified').to.equal(0);
    const refused = await rejection(client.resume(c.challengeId, [{ guid: c.challenges[0].guid, value: JSON.stringify(weak) }]));
    expect(refused).to.include({ code: 'invalid_credential', status: 400 });
    // The same challenge still verifies with user verification (nothing changed).
    const good = await client.resume(c.challengeId, [{ guid: c.challenges[0].guid, value: JSON.stringify(await assertionFor(c)) }]);
    expect(good.status).to.equal('VERIFIED');

    // The prompt with an authenticator that fails verification: the ceremony itself fails, and the user is told.
    await setUserVerified(authenticatorId, false);
    const prompt = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" force></mfa-prompt>`);
    prompt.show();
    await until(() => status(prompt) === enSteps.passkeyCancelled, 8000, 'cancelled message');
    expect(prompt.open).to.equal(true);
    prompt.hide();
  });

  for (const v of [{ name: 'dark', theme: 'dark', locale: 'en' }, { name: 'RTL (he)', theme: 'light', locale: 'he' }]) {
    it(`<mfa-enroll type="webauthn"> passkey phase is accessible — ${v.name}`, async () => {
      await signInNewUser();
      const el = await fixture<MfaEnroll>(html`<mfa-enroll type="webauthn" theme=${v.theme} locale=${v.locale}></mfa-enroll>`);
      await openPasskeyEnroll(el, v.locale === 'he' ? he.createPasskey : enEnroll.createPasskey);
      const dialog = shadow(el).querySelector('dialog')!;
      expect(dialog.getAttribute('dir')).to.equal(v.locale === 'he' ? 'rtl' : 'ltr');
      if (v.locale === 'he') expect(part(el, 'title')!.textContent!.trim()).to.equal(he.enrollPasskeyTitle);
      await expect(el).to.be.accessible();
      checkNamesAndTargets(el);
    });
  }
});
