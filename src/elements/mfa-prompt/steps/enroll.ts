/**
 * enroll-if-missing: a user without any factor sets one up in the same dialog (the embedded
 * `<mfa-enroll>`), then steps up with it. `<mfa-enroll>` is not imported here (it would weigh on
 * every prompt): it must be registered — `mfa-elements/define.js`, the script-tag bundle, or the
 * app's own `customElements.define` — otherwise the outcome stays `not_enrolled`, with a warning.
 */
import type { PromptHost } from '../prompt-host.js';
import { kit, stringsOf } from './kit.js';

/** This opening's enrollment: `done` once the factor exists (then the prompt asks for a code). */
const enrollments = new WeakMap<PromptHost, { done?: boolean }>();

/** Just enrolled: the code used to confirm is spent, so the user needs the app's next one. */
export const justEnrolled = (h: PromptHost): boolean => !!enrollments.get(h)?.done;

/** The user has no factor yet: enroll one here with `enroll-if-missing`, else report `not_enrolled`. */
export function notEnrolled(h: PromptHost): void {
  // At the start (the early code input may show then), not a factor removed meanwhile.
  const wanted = h.enrollIfMissing && (h.phase === 'loading' || !h.challenge);
  if (!wanted || !customElements.get('mfa-enroll')) {
    if (wanted) console.warn('[mfa-elements] enrollIfMissing needs <mfa-enroll> registered: import "mfa-elements/define.js".');
    h.finish({ success: false, error: 'not_enrolled', timestamp: Date.now(), ...h.outcomeScope() });
    return;
  }
  enrollments.set(h, {});
  h.addEventListener('mfa-hide', () => enrollments.delete(h), { once: true }); // the next opening starts afresh
  h.report('not_enrolled');
  h.enter('enroll');
  h.present();
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
    <p id="intro">${stringsOf(h).enrollFirst}</p>
    <mfa-enroll
      inline
      open
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
