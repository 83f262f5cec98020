/**
 * Too many wrong answers for this method: say until when, and offer the user's other methods
 * (a recovery code among them) — the lock is per method, so they still work.
 */
import type { MfaError } from '../../../core/errors.js';
import type { PromptHost } from '../prompt-host.js';
import { describeError, stateOf, stringsOf } from './kit.js';
import { methods, showMethods } from './methods.js';

/** When the lockout of `e` ends, as a time of day ("14:05"). */
const lockedUntil = (e: MfaError, locale: string): string =>
  new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(Date.now() + (e.retryAfter ?? 60) * 1000);

export function lockedOut(h: PromptHost, e: MfaError): void {
  const { text } = describeError(e, stringsOf(h), h.resolvedLocale, { until: lockedUntil(e, h.resolvedLocale) });
  stateOf(h).locked = true;
  if (!h.challenge || methods(h.challenge).length < 2) return h.block('locked', text, null, true);
  showMethods(h, false);
  h.present();
  h.report('locked');
  h.setStatus(text, true); // the list's own intro says to choose one
}
