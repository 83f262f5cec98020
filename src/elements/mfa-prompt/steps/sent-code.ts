/**
 * A code the server sent by SMS, voice or email: "We sent a code to …", the resend countdown,
 * and WebOTP (the browser offers the SMS code: filled in and verified).
 */
import type { MfaError } from '../../../core/errors.js';
import type { ChallengeStep } from '../../../core/types.js';
import { clock, resendButton, tickUntil } from '../../shared/resend.js';
import type { PromptHost } from '../prompt-host.js';
import { format, kit, stateOf, stepOf, stringsOf, type StepRenderer } from './kit.js';

async function resend(h: PromptHost): Promise<void> {
  const st = stateOf(h);
  const s = stringsOf(h);
  if (!h.challenge || !st.resendAt || st.resendAt > Date.now()) return;
  try {
    h.handleAnswer(await h.fresh(h.api.resend(h.challenge.challengeId)));
    const failed = !!stepOf(h)?.deliveryFailed;
    h.setStatus(failed ? s.deliveryFailed : s.codeResent, failed, !failed); // a failed send is an error, not news
  } catch (err) {
    const e = err as MfaError;
    if (e.code === 'conflict') return; // another tab sent a new code just now: it is on its way
    if (e.code === 'rate_limited') {
      // Out of codes for this challenge (or asked too early by another tab): say so, keep typing possible.
      st.resendAt = e.retryAfter && e.retryAfter < 60 ? Date.now() + e.retryAfter * 1000 : null;
      h.setStatus(st.resendAt ? format(s.resendIn, { time: clock(e.retryAfter!) }) : s.noMoreCodes, true);
      if (st.resendAt) tickUntil(h, st.resendAt, () => h.open && stateOf(h) === st);
      h.requestUpdate();
      return;
    }
    // Locked, expired, offline…: the prompt's own handling (with "Try again" where it helps).
    h.handleError(e, () => void h.start(h.challenge?.factor.type));
  }
}

/** WebOTP: where the browser offers the SMS code (`@host #code`), fill it in and verify. */
function listenForSms(h: PromptHost, guid: string): void {
  if (!('OTPCredential' in window)) return;
  const abort = new AbortController();
  const stop = () => (stateOf(h).guid !== guid || !h.open) && abort.abort();
  h.addEventListener('mfa-hide', () => abort.abort(), { once: true });
  navigator.credentials
    .get({ otp: { transport: ['sms'] }, signal: abort.signal } as CredentialRequestOptions)
    .then((cred) => {
      const code = (cred as { code?: string } | null)?.code;
      stop();
      if (!code || abort.signal.aborted) return;
      h.codeInput.input.value = code;
      void h.verify();
    })
    .catch(() => {}); // no SMS, dismissed or aborted: typing still works
}

export const sentCode: StepRenderer = {
  shown(h, step) {
    const st = stateOf(h);
    st.resendAt = step.resendAfter === undefined ? null : Date.now() + step.resendAfter * 1000;
    if (step.deliveryFailed) h.setStatus(stringsOf(h).deliveryFailed, true);
    if (st.resendAt) tickUntil(h, st.resendAt, () => h.open && stateOf(h) === st);
    listenForSms(h, step.guid);
  },
  intro: (h, step: ChallengeStep) => format(stringsOf(h).codeSentTo, { to: step.sentTo! }),
  // Only the step that sent a code has a resend button (not an app code chosen afterwards).
  render: (h, step) =>
    stateOf(h).guid === step.guid ? resendButton(kit.html, stringsOf(h), stateOf(h).resendAt, () => void resend(h)) : '',
};
