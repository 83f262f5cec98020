/**
 * The decoy: a challenge on an unknown, pending or someone else's factor id looks like a real
 * TOTP challenge and answers every code exactly as a wrong code (same parsing, status, body and
 * lockout), so factor ids cannot be probed (docs/security.md "Enumeration"). Not a factor a
 * client can ask for: the registry knows it only as the answerer of `kind: 'decoy'`.
 */
import { MfaError } from '../../core/errors.js';
import { saveStep } from '../challenge-state.js';
import { assertNotLocked, attemptCode } from './attempt.js';
import type { ChallengeStart, FactorEnv, ServerFactor, Started } from './server-factor.js';
import { DEFAULT_TOTP_LABEL, codeStep, parseTotpCode } from './totp-factor.js';

interface DecoyState {
  kind: 'decoy';
  /** Failures are counted per asked-for id, as for a real factor. */
  lockKey: string;
}

/** Every decoy lock key starts with this (admin unlock clears them with the real ones). */
export const DECOY_LOCK_PREFIX = 'decoy:';

/** Starts a decoy for the id the client named. */
export async function startDecoy({ ctx }: FactorEnv, { draft }: ChallengeStart, factorId: string): Promise<Started> {
  const state: DecoyState = { kind: 'decoy', lockKey: `${DECOY_LOCK_PREFIX}${factorId}` };
  await assertNotLocked(ctx, draft.sub, state.lockKey); // a decoy locks like a real factor
  const challenge = await saveStep(ctx, draft, state);
  return { challenge, ref: { id: factorId, type: 'totp', label: DEFAULT_TOTP_LABEL }, step: codeStep(ctx.factorOptions.totp.digits, draft.stepGuid) };
}

export const decoyFactor: ServerFactor = {
  type: 'decoy',
  amr: 'otp',
  strength: 'strong',
  challenge: () => Promise.reject(new Error('a decoy starts through startDecoy')),
  async verify({ ctx }, challenge, state, value) {
    // Same parsing, same counting, never a success: indistinguishable from a wrong code.
    parseTotpCode(value, ctx.factorOptions.totp.digits);
    await attemptCode(ctx, challenge.sub, (state as DecoyState).lockKey, async () => false, 'totp');
    throw new MfaError('invalid_code', 'That code is not valid.');
  },
};
