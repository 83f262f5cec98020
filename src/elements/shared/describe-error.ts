/**
 * The one rule from a failure to what the user reads and what the element reports, shared by
 * `<mfa-prompt>`, `<mfa-enroll>` and `<mfa-authenticators>` (docs/elements.md "Errors"). The
 * elements decide only where the message goes and what the user can do next.
 */
import type { MfaError } from '../../core/errors.js';
import type { IdpErrorReason } from '../../core/types.js';
import { format, plural, type MfaStrings } from '../../i18n/localize.js';

export interface ErrorView {
  /** What the user reads ('' when there is nothing to say, e.g. they cancelled). */
  text: string;
  /**
   * The `reject` reason when the flow cannot go on from here; absent when the user can simply
   * answer again (a wrong, malformed or already used code).
   */
  outcome?: IdpErrorReason;
}

export interface ErrorContext {
  /** Length of the code asked (default 6); `0` for a recovery code. */
  digits?: number;
  /**
   * The time of day a lockout ends, when the element says it (the prompt, which offers other
   * methods meanwhile); computed by the caller, so the prompt path does not carry it.
   */
  until?: string;
}

/** Refusals of who is asking, not of what they answered. */
const DENIED = /^(unauthenticated|forbidden_origin|insufficient_user_authentication)$/;

export function describeError(e: MfaError, s: MfaStrings, locale: string, { digits = 6, until }: ErrorContext = {}): ErrorView {
  const c = e.code;
  if (c == 'locked') {
    const seconds = e.retryAfter ?? 60;
    const minutes = plural(locale, s.minutes, Math.max(1, Math.ceil(seconds / 60)));
    return { text: until ? format(s.lockedUntil, { minutes, time: until }) : format(s.locked, { minutes }), outcome: c };
  }
  return c == 'invalid_code' ? { text: plural(locale, s.wrongCode, e.attemptsLeft ?? 0) }
    : c == 'malformed_code' ? { text: digits ? format(s.malformedCode, { digits }) : s.malformedRecoveryCode }
    : c == 'code_used' ? { text: s.codeUsed }
    : c == 'cancelled' || c == 'not_enrolled' ? { text: '', outcome: c }
    : c == 'expired' || c == 'not_found' ? { text: s.expired, outcome: 'expired' }
    : c == 'network' ? { text: s.networkError, outcome: c }
    // The app session ended (signed out in another tab, expired): not a fault of ours to retry.
    : c == 'unauthenticated' ? { text: s.signedOut, outcome: 'denied' }
    : { text: s.serverError, outcome: DENIED.test(c) ? 'denied' : 'server' };
}

