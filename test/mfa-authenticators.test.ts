import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { MfaAuthenticators } from '../src/elements/mfa-authenticators/mfa-authenticators.js';
import { settled, shadow, typeCode } from './helpers/drive.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { enrollPhoneViaApi } from './helpers/outbox.js';
import { MfaClient } from '../src/client/mfa-client.js';
import { enAll } from '../src/i18n/en-all.js';

const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);

async function openConsole(): Promise<MfaAuthenticators> {
  const el = await fixture<MfaAuthenticators>(html`<mfa-authenticators></mfa-authenticators>`);
  el.show();
  // The list itself (the footer's Add button renders before the factors arrive).
  await until(() => part(el, 'factor') || (part(el, 'add-button') && !shadow(el).textContent!.includes('Loading…')), 5000, `console loaded (${shadow(el).querySelector('[part~=status]')?.textContent})`);
  await settled(el);
  return el;
}

/** Answers the step-up prompt that the console opens by itself for mfa/manage. */
async function stepUp(code: string): Promise<void> {
  await until(() => document.querySelector('mfa-prompt')?.querySelector('input') === document.activeElement, 5000, 'step-up prompt');
  await typeCode(code);
}

describe('<mfa-authenticators>', () => {
  it('lists the factor with its dates and the recovery codes left, accessibly', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await openConsole();
    const factor = part(el, 'factor')!;
    expect(factor.querySelector('h3')!.textContent).to.equal('Authenticator app');
    expect(factor.textContent).to.match(/Added \w{3} \d{1,2}, \d{4}/);
    // Named after its kind: the kind is not said twice ("Authenticator app · Authenticator app").
    expect(factor.querySelector('.muted')!.textContent).to.match(/^Added /);
    expect(shadow(el).textContent).to.contain('10 recovery codes left');
    await expect(el).to.be.accessible();
  });

  for (const [name, attrs] of [['dark', { theme: 'dark' }], ['RTL (he)', { locale: 'he' }]] as const) {
    it(`is accessible in the list and the removal confirmation — ${name}`, async () => {
      await signInNewUser();
      await enrollTotpFactor();
      const el = await fixture<MfaAuthenticators>(html`<mfa-authenticators theme=${'theme' in attrs ? attrs.theme : 'light'} locale=${'locale' in attrs ? attrs.locale : 'en'}></mfa-authenticators>`);
      el.show();
      await until(() => part(el, 'factor'), 5000, 'console loaded');
      await settled(el);
      await expect(el).to.be.accessible();
      part(el, 'remove-button')!.click();
      await until(() => part(el, 'warning'), 5000, 'confirmation');
      await expect(el).to.be.accessible();
    });
  }

  it('renames a factor; the new name is rendered as text', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await openConsole();
    part(el, 'rename-button')!.click();
    await until(() => shadow(el).activeElement?.matches('input.name'), 5000, 'name field focused');
    await expect(el).to.be.accessible();
    await sendKeys({ type: '<b>Work</b> phone' });
    await sendKeys({ press: 'Enter' });
    await until(() => part(el, 'factor')?.querySelector('h3')?.textContent === '<b>Work</b> phone', 5000, 'renamed');
    expect(part(el, 'factor')!.querySelector('b')).to.equal(null);
    // Named otherwise: the kind is said beside the name.
    expect(part(el, 'factor')!.querySelector('.muted')!.textContent).to.match(/^Authenticator app · Added /);
    expect((await getDefaultClient().listFactors()).factors[0].label).to.equal('<b>Work</b> phone');
  });

  it('regenerates recovery codes after a confirmation and a step-up it asks for itself; the old ones stop working', async () => {
    await signInNewUser();
    const { secret, recoveryCodes } = await enrollTotpFactor();
    const el = await openConsole();
    part(el, 'regenerate-button')!.click();
    (await until(() => part(el, 'confirm-regenerate-button'), 5000, 'confirmation')).click();
    await stepUp(await totpCode(secret, 1));
    const list = await until(() => part(el, 'recovery-codes'), 5000, 'new codes');
    const fresh = [...list.querySelectorAll('li')].map((li) => li.textContent!.trim());
    expect(fresh).to.have.length(10);
    expect(fresh).to.not.include(recoveryCodes[0]);
    await expect(el).to.be.accessible();
    part(el, 'done-button')!.click();
    // An old code is now refused like any wrong code.
    const challenge = await getDefaultClient().startChallenge({ resource: 'payee', action: 'add', factorType: 'recovery', force: true });
    if (challenge.status !== 'CHALLENGED') throw new Error('expected a challenge');
    const old = await getDefaultClient().resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: recoveryCodes[0] }]).catch((e) => e);
    expect(old.code).to.equal('invalid_code');
  });

  it('lists a phone by its kind and masked number, and warns when only a phone protects the account', async () => {
    await signInNewUser();
    await enrollPhoneViaApi(new MfaClient(), '+15550004444');
    const el = await openConsole();
    const factor = part(el, 'factor')!;
    expect(factor.querySelector('h3')!.textContent).to.equal('+1 ••• 4444');
    expect(factor.textContent).to.contain('Text message');
    expect(part(el, 'remove-button')!.getAttribute('aria-label')).to.equal('Remove: +1 ••• 4444');
    expect([...shadow(el).querySelectorAll('[part~="warning"]')].map((w) => w.textContent)).to.deep.equal([enAll.phoneRestricted]);
    await expect(el).to.be.accessible();
  });

  it('removing the last app while a phone stays warns that only weaker methods would be left', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const client = getDefaultClient();
    // The phone is a second factor: adding it needs a step-up (mfa/manage) with the app.
    const ch = await client.startChallenge({ resource: 'mfa', action: 'manage' });
    if (ch.status !== 'CHALLENGED') throw new Error('expected a challenge');
    await client.resume(ch.challengeId, [{ guid: ch.challenges[0].guid, value: await totpCode(secret, 1) }]);
    await enrollPhoneViaApi(client, '+15550005555');
    const el = await openConsole();
    const app = [...shadow(el).querySelectorAll<HTMLElement>('[part~="factor"]')].find((f) => f.querySelector('h3')!.textContent === 'Authenticator app')!;
    app.querySelector<HTMLButtonElement>('[part~="remove-button"]')!.click();
    await until(() => part(el, 'warning'), 5000, 'last-strong-factor warning');
    expect(part(el, 'warning')!.textContent).to.equal(enAll.removeLastStrong);
    await expect(el).to.be.accessible();
  });

  it('removing the last factor warns first, needs a step-up, and turns MFA off', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const el = await openConsole();
    part(el, 'remove-button')!.click();
    await until(() => part(el, 'warning'), 5000, 'last-factor warning');
    expect(part(el, 'warning')!.textContent).to.contain('only second factor');
    await expect(el).to.be.accessible();
    part(el, 'confirm-remove-button')!.click();
    await stepUp(await totpCode(secret, 1));
    await until(() => shadow(el).textContent?.includes('Two-step verification is off'), 5000, 'off');
    const { factors, recoveryCodesLeft } = await getDefaultClient().listFactors();
    expect(factors).to.deep.equal([]);
    expect(recoveryCodesLeft).to.equal(0);
  });

  it('a cancelled step-up changes nothing and the console stays usable', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const el = await openConsole();
    part(el, 'remove-button')!.click();
    (await until(() => part(el, 'confirm-remove-button'), 5000, 'confirmation')).click();
    await until(() => document.querySelector('mfa-prompt')?.querySelector('input') === document.activeElement, 5000, 'step-up prompt');
    await sendKeys({ press: 'Escape' });
    await until(() => !document.querySelector('mfa-prompt'), 5000, 'prompt closed');
    await until(() => part(el, 'confirm-remove-button')?.getAttribute('aria-disabled') === 'false', 5000, 'usable again');
    expect((await getDefaultClient().listFactors()).factors).to.have.length(1);
  });
});
