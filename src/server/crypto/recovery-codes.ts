/**
 * Recovery codes: 10 × 80 bits, base32, shown once as `xxxx-xxxx-xxxx-xxxx`, stored as a keyed
 * MAC bound to their user: HMAC-SHA256 under the SecretBox's MAC key of
 * `recovery:<sub>:<canonical code>`. A stolen database alone then allows no offline check of a
 * guess at all, and a row copied to another user matches nothing.
 *
 * Codes issued before this were stored as unsalted SHA-256 of the canonical form; they keep
 * working (consuming tries the MAC, then the legacy hash) until the user's next new set.
 */
import { createHash, randomBytes } from 'node:crypto';
import { formatRecoveryCode, normalizeRecoveryCode } from '../../core/code-format.js';
import { base32Encode } from '../totp/base32.js';

export const RECOVERY_CODE_COUNT = 10;

/** What computes the MAC: the server's `SecretBox` (`ctx.box`). */
export interface RecoveryCodeKey {
  mac(data: string): string;
}

export function generateRecoveryCodes(random: (n: number) => Buffer = randomBytes): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecoveryCode(base32Encode(random(10))));
}

/**
 * The stored form of a code of user `sub`, or null when the input cannot be a recovery code.
 * The canonical form has no `:`, so `recovery:<sub>:<code>` is unambiguous for any `sub`.
 */
export function recoveryCodeMac(key: RecoveryCodeKey, sub: string, input: string): string | null {
  const canonical = normalizeRecoveryCode(input);
  return canonical === null ? null : key.mac(`recovery:${sub}:${canonical}`);
}

/** The legacy stored form (unsalted SHA-256 of the canonical form): only checked, never written. */
export function legacyRecoveryCodeHash(input: string): string | null {
  const canonical = normalizeRecoveryCode(input);
  return canonical === null ? null : createHash('sha256').update(canonical).digest('hex');
}
