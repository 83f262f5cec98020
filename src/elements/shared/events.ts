/**
 * The events of docs/elements.md, in one place. `resolve` / `reject` carry an `MfaOutcome` and
 * nothing else: every script on the page hears them, so no code, secret or token goes in.
 */
import type { MfaOutcome } from '../../core/types.js';

export interface MfaErrorDetail {
  code: string;
  attemptsLeft?: number;
}

export interface MfaEventMap {
  resolve: CustomEvent<MfaOutcome>;
  reject: CustomEvent<MfaOutcome>;
  'mfa-show': CustomEvent<void>;
  'mfa-hide': CustomEvent<void>;
  'mfa-request-close': CustomEvent<void>;
  'mfa-error': CustomEvent<MfaErrorDetail>;
}

/** Bubbling, composed event (crosses shadow roots, so frameworks around the element hear it). */
export function emit<K extends keyof MfaEventMap>(
  target: EventTarget,
  type: K,
  detail: MfaEventMap[K]['detail'],
  options: { cancelable?: boolean } = {},
): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false }));
}

declare global {
  // Typed `addEventListener('resolve', e => e.detail.sid)` for apps and frameworks.
  interface GlobalEventHandlersEventMap extends MfaEventMap {}
}
