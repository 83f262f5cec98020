/**
 * One place for the lockout rule (DESIGN §7): refuse while locked, count a failure on a wrong
 * or replayed code, lock at the limit, reset on success. Malformed input never gets here, so it
 * never counts. Every factor's verification runs through `attemptCode`.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';

const secondsUntil = (ms: number, now: number) => Math.max(1, Math.ceil((ms - now) / 1000));

export async function assertNotLocked(ctx: MfaContext, sub: string, key: string): Promise<void> {
  const state = await ctx.store.getFailureState(sub, key);
  const now = ctx.now();
  if (state.lockedUntil > now) {
    throw new MfaError('locked', 'Too many wrong codes. Try again later.', { retryAfter: secondsUntil(state.lockedUntil, now) });
  }
}

/**
 * Runs `verify` (true = accepted) for (sub, key). Throws `invalid_code` with `attemptsLeft`
 * or `locked` with `retryAfter`; both answers are the same for a wrong and a replayed code.
 */
export async function attemptCode(
  ctx: MfaContext,
  sub: string,
  key: string,
  verify: () => Promise<boolean>,
  auditFactor: string,
  /** False for an intermediate step of a multi-step flow (KBA): only the final success resets the count. */
  resetOnSuccess = true,
): Promise<void> {
  await assertNotLocked(ctx, sub, key);
  if (await verify()) {
    if (resetOnSuccess) await ctx.store.resetFailures(sub, key);
    return;
  }
  const now = ctx.now();
  const state = await ctx.store.recordFailure(sub, key, now, ctx.lockout);
  await ctx.audit.record({ type: 'verify.failure', sub, factor: auditFactor, status: 'failure', severity: 'warning' });
  if (state.lockedUntil > now) {
    await ctx.audit.record({ type: 'factor.locked', sub, factor: auditFactor, status: 'failure', severity: 'critical', metadata: { lockCount: state.lockCount } });
    throw new MfaError('locked', 'Too many wrong codes. Try again later.', { retryAfter: secondsUntil(state.lockedUntil, now) });
  }
  throw new MfaError('invalid_code', 'That code is not valid.', { attemptsLeft: ctx.lockout.maxFailures - state.failures });
}
