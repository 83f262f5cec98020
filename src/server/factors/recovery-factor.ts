/**
 * Recovery codes as a way through a challenge: single use, stored as a keyed MAC, and counted
 * toward their own lockout key ('recovery') so guessing them is as limited as guessing TOTP
 * codes. A virtual factor: no stored factor, listed while the user has unused codes.
 */
import { MfaError } from '../../core/errors.js';
import type { ChallengeFactorRef } from '../../core/types.js';
import { normalizeRecoveryCode } from '../../core/code-format.js';
import { saveStep } from '../challenge-state.js';
import type { MfaContext } from '../config.js';
import { generateRecoveryCodes, legacyRecoveryCodeHash, recoveryCodeMac } from '../crypto/recovery-codes.js';
import { assertNotLocked, attemptCode } from './attempt.js';
import { notifyUser } from './notices.js';
import type { ServerFactor } from './server-factor.js';

/** The failure key of recovery codes, and their id in a challenge's list of factors. */
export const RECOVERY_KEY = 'recovery';
/** Our own amr value for recovery codes, documented in docs/server.md. */
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

const REF: ChallengeFactorRef = { id: RECOVERY_KEY, type: 'recovery', label: RECOVERY_LABEL };

export const recoveryFactor: ServerFactor = {
  type: 'recovery',
  amr: RECOVERY_AMR,
  strength: 'standard',
  virtual: true,
  listed: async (ctx, sub) => ((await ctx.store.countRecoveryCodes(sub)) > 0 ? REF : null),
  async challenge({ ctx }, { draft }) {
    if ((await ctx.store.countRecoveryCodes(draft.sub)) === 0) throw new MfaError('not_enrolled', 'No recovery codes are left.');
    await assertNotLocked(ctx, draft.sub, RECOVERY_KEY);
    const challenge = await saveStep(ctx, draft, { kind: 'recovery' });
    return {
      challenge,
      ref: REF,
      step: { guid: draft.stepGuid, type: 'code', label: 'Enter one of your recovery codes', fieldName: 'recoveryCode', inputMode: 'text' },
    };
  },
  async verify({ ctx }, challenge, _state, value) {
    const { sub } = challenge;
    const hash = parseRecoveryCode(value);
    await attemptCode(ctx, sub, RECOVERY_KEY, () => consumeRecoveryCode(ctx, sub, hash), 'recovery');
    const left = await ctx.store.countRecoveryCodes(sub);
    await ctx.audit.record({ type: 'recovery.used', sub, resource: challenge.resource, action: challenge.action, factor: 'recovery', severity: 'warning', metadata: { left } });
    // In the background: a slow mail provider must not hold up (or time out) the step-up.
    notifyUser(ctx, { type: 'recovery.used', sub, left });
    return { amr: RECOVERY_AMR };
  },
};
