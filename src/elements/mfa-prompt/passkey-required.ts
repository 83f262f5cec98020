/**
 * A step-up at the phishing-resistant level (`acr="phr"`, docs/server.md "Assurance levels") when
 * the user has no passkey: say so in plain words — it is the account, not an error — and, with
 * `enroll-if-missing`, offer to add a passkey right here (the embedded `<mfa-enroll>` set to
 * passkeys; then the step-up starts again and asks for it). Otherwise the outcome is `not_enrolled`.
 * Loaded with the steps chunk: prompt-steps.ts wraps it and hands it `enterEnrollment` (no import
 * back, so the two modules stay acyclic).
 */
import type { MfaStrings } from '../../i18n/en.js';
import { enSteps } from '../../i18n/en-steps.js';
import type { StepHost } from './prompt-steps.js';

export interface PasskeyHost extends StepHost {
  readonly enrollIfMissing: boolean;
  /** The embedded enrollment's factor type (`webauthn` here). */
  enrollType?: string;
  /** Label of the blocked state's primary button, instead of "Try again". */
  retryLabel?: string;
}

export function passkeyRequired(h: PasskeyHost, enterEnrollment: (h: StepHost) => void): void {
  const s = { ...enSteps, ...h.strings } as MfaStrings & typeof enSteps;
  h.phase = 'blocked';
  h.pendingFailure = 'not_enrolled';
  h.present();
  h.setStatus(s.passkeyRequired, false, true);
  if (h.enrollIfMissing) {
    h.retryLabel = s.addPasskey;
    h.retry = () => {
      h.retryLabel = undefined;
      h.enrollType = 'webauthn';
      enterEnrollment(h);
    };
  } else {
    h.retry = null;
  }
  void h.updateComplete.then(() => h.renderRoot.querySelector<HTMLButtonElement>('footer button.primary, footer button')?.focus());
}
