/**
 * enroll-if-missing: a user without any factor sets one up in the same dialog (the embedded
 * `<mfa-enroll>`), then steps up with it. `<mfa-enroll>` is not imported here (it would weigh on
 * every prompt): it must be registered — `mfa-elements/define.js`, the script-tag bundle, or the
 * app's own `customElements.define` — otherwise the outcome stays `not_enrolled`, with a warning.
 */
import type { PromptHost } from '../prompt-host.js';
import { kit, stateOf, stringsOf } from './kit.js';

/** This opening's enrollment: `done` once the factor exists (then the prompt asks for a code); `type`: what to add. */
const enrollments = new WeakMap<PromptHost, { done?: boolean; type?: string }>();

/** Just enrolled: the code used to confirm is spent, so the user needs the app's next one. */
export const justEnrolled = (h: PromptHost): boolean => !!enrollments.get(h)?.done;

/** The user has no factor yet: enroll one here with `enroll-if-missing`, else report `not_enrolled`. */
export function notEnrolled(h: PromptHost): void {
  // At the start (the early code input may show then), not a factor removed meanwhile.
  const atStart = h.phase === 'loading' || !h.challenge;
  if (h.acr === 'phr' && atStart) return passkeyRequired(h);
  const wanted = h.enrollIfMissing && atStart;
  if (!wanted || !canEnroll()) {
    if (wanted) console.warn('[mfa-elements] enrollIfMissing needs <mfa-enroll> registered: import "mfa-elements/define.js".');
    h.finish({ success: false, error: 'not_enrolled', timestamp: Date.now(), ...h.outcomeScope() });
    return;
  }
  enroll(h);
}

const canEnroll = () => !!customElements.get('mfa-enroll');

function enroll(h: PromptHost, type?: string): void {
  enrollments.set(h, { type });
  h.addEventListener('mfa-hide', () => enrollments.delete(h), { once: true }); // the next opening starts afresh
  h.report('not_enrolled');
  h.enter('enroll');
  h.present();
}

/**
 * A step-up at the phishing-resistant level (`acr="phr"`, docs/server.md "Assurance levels") and
 * no passkey on the account: say so in plain words — it is the account, not an error — and, with
 * `enroll-if-missing`, offer to add a passkey right here (then the step-up starts again and asks
 * for it). Otherwise the outcome is `not_enrolled`.
 */
function passkeyRequired(h: PromptHost): void {
  const s = stringsOf(h);
  const offer = h.enrollIfMissing && canEnroll();
  const st = stateOf(h);
  st.retryLabel = offer ? s.addPasskey : undefined;
  h.addEventListener('mfa-hide', () => (st.retryLabel = undefined), { once: true });
  h.block('not_enrolled', '', offer ? () => ((st.retryLabel = undefined), enroll(h, 'webauthn')) : null);
  h.setStatus(s.passkeyRequired, false, true);
}

export function renderEnroll(h: PromptHost) {
  const state = enrollments.get(h) ?? {};
  /** The embedded `<mfa-enroll>` speaks for itself only to us: its events must not reach the page. */
  const onEvent = (event: Event) => {
    event.stopPropagation();
    if (event.type === 'resolve') state.done = true;
    if (event.type === 'reject') h.report((event as CustomEvent<{ error?: PromptHostReason }>).detail.error);
  };
  /** The embedded enrollment closed (after the recovery codes, or cancelled). */
  const onHide = (event: Event) => {
    event.stopPropagation();
    if (!state.done) return h.hide();
    h.report('cancelled');
    void h.start(h.factor);
  };
  return kit.html`
    <p id="intro">${state.type === 'webauthn' ? stringsOf(h).passkeyRequired : stringsOf(h).enrollFirst}</p>
    <mfa-enroll
      inline
      open
      .type=${state.type ?? 'totp'}
      part="enroll"
      locale=${h.resolvedLocale}
      .client=${h.api}
      @resolve=${onEvent}
      @reject=${onEvent}
      @mfa-show=${onEvent}
      @mfa-error=${onEvent}
      @mfa-request-close=${onEvent}
      @mfa-hide=${onHide}
    ></mfa-enroll>
  `;
}

type PromptHostReason = Parameters<PromptHost['report']>[0];
