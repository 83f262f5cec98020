/**
 * Recovery codes as a way through a challenge: single use, hashed, and counted toward their
 * own lockout key ('recovery') so guessing them is as limited as guessing TOTP codes.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import { generateRecoveryCodes, hashRecoveryCode } from '../crypto/recovery-codes.js';

export const RECOVERY_KEY = 'recovery';
/** DESIGN §5: our own amr value for recovery codes, documented in docs/server.md. */
export const RECOVERY_AMR = 'rec';
export const RECOVERY_LABEL = 'Recovery code';

export function parseRecoveryCode(value: string): string {
  const hash = hashRecoveryCode(value);
  if (hash === null) throw new MfaError('malformed_code', 'Enter a recovery code like abcd-efgh-ijkl-mnop.');
  return hash;
}

export function consumeRecoveryCode(ctx: MfaContext, sub: string, hash: string): Promise<boolean> {
  return ctx.store.consumeRecoveryCode(sub, hash, ctx.now());
}

/** A fresh set replaces the old one; returns the codes in clear, to be shown once. */
export async function issueRecoveryCodes(ctx: MfaContext, sub: string): Promise<string[]> {
  const codes = generateRecoveryCodes(ctx.random);
  await ctx.store.replaceRecoveryCodes(sub, codes.map((c) => hashRecoveryCode(c)!));
  return codes;
}
