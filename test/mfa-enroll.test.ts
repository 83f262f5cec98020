import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import { nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

async function openEnroll(): Promise<MfaEnroll> {
  const el = await fixture<MfaEnroll>(html`<mfa-enroll></mfa-enroll>`);
  el.show();
  await until(() => part(el, 'qr'), 5000, 'QR code').catch((e) => {
    throw new Error(`${e.message}; status: "${part(el, 'status')?.textContent}"`);
  });
  await Promise.all(el.shadowRoot!.querySelector('dialog')!.getAnimations().map((a) => a.finished));
  return el;
}

/** What a person reads off the screen: the grouped setup key without its spaces. */
const shownSecret = (el: MfaEnroll) => part(el, 'secret')!.textContent!.replace(/\s/g, '');

describe('<mfa-enroll>', () => {
  it('shows a scannable QR, the readable key and an otpauth link, then the recovery codes once', async () => {
    const user = await signInNewUser();
    const el = await openEnroll();
    const qr = part(el, 'qr')!;
    expect(qr.getAttribute('role')).to.equal('img');
    expect(qr.getAttribute('aria-label')).to.equal('QR code to add this account to an authenticator app');
    expect(qr.querySelector('path')!.getAttribute('d')).to.match(/^M\d+ \d+h1v1h-1z/);
    const secret = shownSecret(el);
    expect(secret).to.match(/^[A-Z2-7]{32}$/); // 160 bits
    expect(part(el, 'secret')!.textContent).to.match(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    const link = part(el, 'open-app') as HTMLAnchorElement;
    expect(link.getAttribute('href')).to.equal(`otpauth://totp/mfa-elements%20demo:${user}?secret=${secret}&issuer=mfa-elements%20demo`);
    expect(el.querySelector('input')!.getAttribute('autocomplete')).to.equal('one-time-code');
    expect(document.activeElement).to.equal(el.querySelector('input'));
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await sendKeys({ type: await totpCode(secret) });
    await sendKeys({ press: 'Enter' });
    const { detail } = await resolved;
    expect(detail).to.include({ success: true, resource: 'mfa', action: 'enroll', factorType: 'totp' });
    expect(JSON.stringify(detail)).not.to.contain(secret);

    const list = await until(() => part(el, 'recovery-codes'), 5000, 'recovery codes');
    const codes = [...list.querySelectorAll('li')].map((li) => li.textContent!.trim());
    expect(codes).to.have.length(10);
    for (const code of codes) expect(code).to.match(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(new Set(codes).size).to.equal(10);
    expect(list.getAttribute('aria-label')).to.equal('Recovery codes');
    await expect(el).to.be.accessible();

    const { factors, recoveryCodesLeft } = await getDefaultClient().listFactors();
    expect(factors.map((f) => f.type)).to.deep.equal(['totp']);
    expect(recoveryCodesLeft).to.equal(10);

    part(el, 'done-button')!.click();
    await until(() => !el.open, 5000, 'closed');
  });

  it('says a wrong code is wrong and keeps the same QR for another try', async () => {
    await signInNewUser();
    const el = await openEnroll();
    const secret = shownSecret(el);
    const valid = new Set(await Promise.all([-1, 0, 1].map((o) => totpCode(secret, o))));
    const wrong = ['111111', '222222', '333333'].find((c) => !valid.has(c))!;
    const error = nextEvent<{ code: string; attemptsLeft?: number }>(el, 'mfa-error');
    await sendKeys({ type: wrong });
    await sendKeys({ press: 'Enter' });
    expect((await error).detail).to.deep.equal({ code: 'invalid_code', attemptsLeft: 9 });
    await until(() => part(el, 'status')!.textContent!.includes('9 attempts left'), 5000, 'error message');
    expect(shownSecret(el)).to.equal(secret);
    await expect(el).to.be.accessible();

    const resolved = oneEvent(el, 'resolve');
    await sendKeys({ type: await totpCode(secret) });
    await sendKeys({ press: 'Enter' });
    expect((await resolved).detail.success).to.equal(true);
  });

  it('cancels with reject { error: "cancelled" } and adds nothing', async () => {
    await signInNewUser();
    const el = await openEnroll();
    const rejected = oneEvent(el, 'reject') as Promise<CustomEvent<IdpAuthResponse>>;
    await sendKeys({ press: 'Escape' });
    expect((await rejected).detail.error).to.equal('cancelled');
    expect((await getDefaultClient().listFactors()).factors).to.deep.equal([]);
  });
});
