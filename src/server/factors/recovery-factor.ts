/**
 * Recovery codes as a way through a challenge: single use, stored as a keyed MAC, and counted
 * toward their own lockout key ('recovery') so guessing them is as limited as guessing TOTP codes.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import { normalizeRecoveryCode } from '../../core/code-format.js';
import { generateRecoveryCodes, legacyRecoveryCodeHash, recoveryCodeMac } from '../crypto/recovery-codes.js';

export const RECOVERY_KEY = 'recovery';
/** DESIGN §5: our own amr value for recovery codes, documented in docs/server.md. */
export const RECOVERY_AMR = 'rec';
export const RECOVERY_LABEL = 'Recovery code';

/** The typed code in canonical form (kept in memory only, for `consumeRecoveryCode`). */
export function parseRecoveryCode(value: string): string {
  const canonical = normalizeRecoveryCode(value);
  if (canonical === null) throw new MfaError('malformed_code', 'Enter a recovery code like abcd-efgh-ijkl-mnop.');
  return canonical;
}

/**
 * Marks the code used if it is one of the user's unused codes: first as stored today (keyed MAC
 * bound to the user), then as stored before (unsalted SHA-256), so sets issued earlier keep
 * working until the next regeneration. Each check is the store's atomic single-winner consume.
 */
export async function consumeRecoveryCode(ctx: MfaContext, sub: string, code: string): Promise<boolean> {
  const mac = recoveryCodeMac(ctx.box, sub, code);
  const legacy = legacyRecoveryCodeHash(code);
  if (mac === null || legacy === null) return false;
  if (await ctx.store.consumeRecoveryCode(sub, mac, ctx.now())) return true;
  return ctx.store.consumeRecoveryCode(sub, legacy, ctx.now());
}

/** A fresh set replaces the old one; returns the codes in clear, to be shown once. */
export async function issueRecoveryCodes(ctx: MfaContext, sub: string): Promise<string[]> {
  const codes = generateRecoveryCodes(ctx.random);
  await ctx.store.replaceRecoveryCodes(sub, codes.map((c) => recoveryCodeMac(ctx.box, sub, c)!));
  return codes;
}
