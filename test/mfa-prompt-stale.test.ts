// The prompt's stale-response guard, against the real demo server: an answer that arrives after
// the user moved on (switched method, closed) never changes the step shown now. The client holds
// a real server answer back until the test lets it through, as a slow network would.
import { expect, fixture, html } from '@open-wc/testing';
import '../src/define.js';
import { MfaClient } from '../src/client/mfa-client.js';
import type { ChallengeAnswer, ChallengeResponse } from '../src/core/types.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { inputOf, openAndFocus, settled, shadow, statusOf, wrongCodeFor } from './helpers/drive.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';

/** A client whose next `resume` answers only once `release()` is called (the request goes out at once). */
class SlowClient extends MfaClient {
  #gate?: Promise<void>;
  release = () => {};
  sent = 0;
  /** Settles once the held answer has been handed to the prompt. */
  delivered: Promise<unknown> = Promise.resolve();
  holdNextResume(): void {
    this.#gate = new Promise((resolve) => (this.release = resolve));
  }
  override async resume(challengeId: string, answers: ChallengeAnswer[]): Promise<ChallengeResponse> {
    const gate = this.#gate;
    this.#gate = undefined;
    const answer = super.resume(challengeId, answers);
    this.sent++;
    answer.catch(() => {}); // the prompt observes it, after the gate
    this.delivered = (async () => {
      await gate;
      await answer.catch(() => {});
    })();
    await gate;
    return answer;
  }
}

const methodButtons = (el: MfaPrompt) => [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="method-button"]')];

describe('<mfa-prompt> stale answers', () => {
  it('ignores the answer to a code sent before the user switched to a recovery code', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const client = new SlowClient();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" .client=${client}></mfa-prompt>`);
    await openAndFocus(el);
    await settled(el);

    // A wrong app code goes out; its answer (invalid_code) is held back.
    client.holdNextResume();
    inputOf(el).value = await wrongCodeFor(secret);
    shadow(el).querySelector<HTMLButtonElement>('[part~="verify-button"]')!.click();
    await until(() => client.sent === 1, 5000, 'answer sent');

    // Meanwhile the user switches to a recovery code.
    shadow(el).querySelector<HTMLButtonElement>('[part~="switch-button"]')!.click();
    const recovery = await until(() => methodButtons(el).find((b) => b.textContent!.includes('Recovery code')), 5000, 'method list');
    recovery.click();
    await until(() => inputOf(el).getAttribute('aria-label') === 'Recovery code' && document.activeElement === inputOf(el), 5000, 'recovery step');
    inputOf(el).value = 'abcd';

    // The old answer arrives now: the recovery step stays as the user left it.
    client.release();
    await client.delivered;
    // Every microtask the answer sets off has run by the next frames; then any update has rendered.
    for (let i = 0; i < 3; i++) await new Promise(requestAnimationFrame);
    await el.updateComplete;
    expect(inputOf(el).getAttribute('aria-label')).to.equal('Recovery code');
    expect(statusOf(el)).to.equal('');
    expect(inputOf(el).getAttribute('aria-invalid')).to.not.equal('true');
    expect(inputOf(el).value).to.equal('abcd');
  });
});
