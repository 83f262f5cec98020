// A failed send, as a user meets it: the SMS provider is down for one message. The element says
// so clearly, offers "Send a new code" at once, and the flow goes on with the next code — for
// adding a phone and for a step-up. The demo's SMS sender is flaky on purpose for numbers ending
// in 0000 (every other message fails: the 1st, the 3rd, …); everything else is real.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/define.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enSteps } from '../src/i18n/en-steps.js';
import { settled, shadow, typeCode } from './helpers/drive.js';
import { codeOf, newestId, nextMessage, outbox } from './helpers/outbox.js';
import { signInNewUser, until } from './helpers/session.js';

const part = (el: Element, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
/** The status line, '' until the element has rendered one. */
const statusOf = (el: Element) => part(el, 'status')?.textContent?.trim() ?? '';
const resendReady = (el: Element) => until(() => {
  const b = part(el, 'resend-button');
  return b?.getAttribute('aria-disabled') === 'false' && b.textContent!.trim() === enSteps.resend ? b : null;
}, 5000, '"Send a new code" available');

describe('a failed send', () => {
  it('adding a phone: says the code was not sent, resends at once, then confirms', async () => {
    await signInNewUser('flaky');
    const number = `+1555${String(Math.floor(Math.random() * 900) + 100)}0000`;
    const el = await fixture<MfaEnroll>(html`<mfa-enroll type="phone"></mfa-enroll>`);
    el.show();
    const address = await until(() => shadow(el).querySelector<HTMLInputElement>('#address'), 5000, 'phone field');
    await until(() => shadow(el).activeElement === address, 5000, 'phone field focused');
    await sendKeys({ type: number });
    await sendKeys({ press: 'Enter' });
    await until(() => statusOf(el) === enSteps.deliveryFailed, 5000, 'delivery-failed message');
    expect((await outbox()).filter((m) => m.to === number)).to.deep.equal([], 'nothing was delivered');
    await settled(el); // the opening animation is over (axe measures real colors)
    await expect(el).to.be.accessible();

    const before = await newestId();
    (await resendReady(el)).click();
    const code = codeOf(await nextMessage(before, number));
    await until(() => statusOf(el) === enSteps.codeResent, 5000, 'resent message');
    await typeCode(code);
    await until(() => part(el, 'recovery-codes'), 5000, 'recovery codes');
  });

  it('a step-up: the prompt says the code was not sent; "Send a new code" brings one that works', async () => {
    await signInNewUser('flaky');
    const number = `+1555${String(Math.floor(Math.random() * 900) + 100)}0000`;
    // Add the phone through the API (1st message fails, the resend delivers).
    const post = (path: string, body: object) => fetch(`/mfa${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const enrollment = await post('/factors', { type: 'phone', phone: number });
    expect(enrollment.deliveryFailed).to.equal(true);
    const before = await newestId();
    await post(`/factors/${enrollment.factorId}/resend`, {});
    await post(`/factors/${enrollment.factorId}/confirm`, { code: codeOf(await nextMessage(before, number)) });

    // The step-up's code is the 3rd message: it fails.
    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>`);
    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    el.show();
    await until(() => statusOf(el) === enSteps.deliveryFailed, 5000, 'delivery-failed message');
    expect(part(el, 'status')!.getAttribute('role')).to.equal('alert');
    await settled(el); // the opening animation is over (axe measures real colors)
    await expect(el).to.be.accessible();

    const again = await newestId();
    (await resendReady(el)).click();
    const code = codeOf(await nextMessage(again, number));
    el.querySelector('input')!.focus();
    await typeCode(code);
    expect((await resolved).detail.success).to.equal(true);
  });
});
