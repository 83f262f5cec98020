/** Browser-test helpers that act like the app and the user, against the real demo server. */
import { MfaClient } from '../../src/client/mfa-client.js';
import { totpCode } from './totp-webcrypto.js';
import './report-progress.js'; // names the running test if the file hangs
import './cloneable-failures.js'; // a failed assertion about an element is reported, not a hang
import './settled-accessibility.js'; // accessibility checks wait for the opening animation

let counter = 0;

/** Signs in a brand-new user (fresh factors, fresh lockout) and returns the name. */
export async function signInNewUser(prefix = 'user'): Promise<string> {
  const username = `${prefix}-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const response = await fetch('/demo/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return username;
}

/**
 * Enrolls and confirms a TOTP factor through the HTTP API (as a previous visit would have),
 * using the current step. The next step-up must use a newer step: `totpCode(secret, 1)`.
 */
export async function enrollTotpFactor(): Promise<{ secret: string; recoveryCodes: string[] }> {
  const client = new MfaClient();
  const enrollment = await client.enroll('totp');
  const confirmed = await client.confirmEnrollment(enrollment.factorId, await totpCode(enrollment.secret, 0));
  return { secret: enrollment.secret, recoveryCodes: confirmed.recoveryCodes ?? [] };
}

/** Resolves on the next occurrence of `type` on `target`. */
export function nextEvent<T = unknown>(target: EventTarget, type: string): Promise<CustomEvent<T>> {
  return new Promise((resolve) => target.addEventListener(type, (e) => resolve(e as CustomEvent<T>), { once: true }));
}

/** Waits until `check` returns truthy (polls each animation frame; fails after `ms`). */
export async function until<T>(check: () => T, ms = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => requestAnimationFrame(r));
  }
}
