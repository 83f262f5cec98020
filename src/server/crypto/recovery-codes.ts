/**
 * Recovery codes: 10 × 80 bits, base32, shown once as `xxxx-xxxx-xxxx-xxxx`, stored as SHA-256.
 * 80 random bits make a salted slow hash unnecessary: the hash cannot be brute-forced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { formatRecoveryCode, normalizeRecoveryCode } from '../../core/code-format.js';
import { base32Encode } from '../totp/base32.js';

export const RECOVERY_CODE_COUNT = 10;

export function generateRecoveryCodes(random: (n: number) => Buffer = randomBytes): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecoveryCode(base32Encode(random(10))));
}

/** Hash of the canonical form, or null when the input cannot be a recovery code. */
export function hashRecoveryCode(input: string): string | null {
  const canonical = normalizeRecoveryCode(input);
  return canonical === null ? null : createHash('sha256').update(canonical).digest('hex');
}
