// WebOTP: where the browser offers the SMS code (Chrome on Android reads the `@host #code` line),
// the prompt fills it in and verifies by itself. Desktop Chromium has no SMS receiver, so this test
// plays the phone's part: it defines `OTPCredential` and answers `navigator.credentials.get({otp})`
// with the code the real server really sent (read from the dev outbox). Everything else is real.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../src/define.js';
import { MfaClient } from '../src/client/mfa-client.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollPhoneViaApi, newestId, waitForMessage } from './helpers/outbox.js';
import { signInNewUser } from './helpers/session.js';

describe('WebOTP', () => {
  const realGet = navigator.credentials.get.bind(navigator.credentials);
  afterEach(() => {
    delete (window as { OTPCredential?: unknown }).OTPCredential;
    navigator.credentials.get = realGet;
  });

  it('fills in the texted code the browser hands over (bound to this host) and verifies', async () => {
    await signInNewUser('webotp');
    await enrollPhoneViaApi(new MfaClient(), '+15550002222');
    const enrolled = await newestId();

    // The "phone": waits for the new SMS, checks its WebOTP line names this host, returns the code.
    const asked: CredentialRequestOptions[] = [];
    (window as { OTPCredential?: unknown }).OTPCredential = class {};
    navigator.credentials.get = async (options?: CredentialRequestOptions) => {
      asked.push(options!);
      const webOtpLine = /@([\w.-]+) #(\d{6})$/;
      const sms = await waitForMessage((m) => m.id > enrolled && webOtpLine.test(m.text), 5000, 'the step-up SMS');
      const line = sms.text.match(webOtpLine)!;
      return line[1] === location.hostname ? ({ code: line[2], type: 'otp' } as unknown as Credential) : null;
    };

    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>`);
    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    el.show();
    expect((await resolved).detail.success).to.equal(true);
    expect(asked).to.have.length(1);
    expect((asked[0] as { otp?: { transport: string[] } }).otp).to.deep.equal({ transport: ['sms'] });
    expect(asked[0].signal).to.be.instanceOf(AbortSignal);
    expect(el.querySelector('input')!.value).to.match(/^\d{6}$/);
  });
});
