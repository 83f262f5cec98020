/**
 * One place for the lockout rule (docs/security.md "Attempts"): an answer is counted before it
 * is checked. `attemptCode` reserves the attempt in one atomic store step (refused while the
 * factor is locked or while failures plus answers in flight reach the limit), verifies, then
 * settles it: a failure counts and may lock; a success resets — but never clears an active lock.
 * So however many answers arrive at once, over however many instances, at most `maxFailures`
 * are checked per lock window. Malformed input never gets here, so it never counts.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import { notifyUser } from './notices.js';

const secondsUntil = (ms: number, now: number) => Math.max(1, Math.ceil((ms - now) / 1000));

const lockedError = (until: number, now: number) =>
  new MfaError('locked', 'Too many wrong codes. Try again later.', { retryAfter: secondsUntil(until, now) });

/** A cheap early refusal (no code is sent to, or asked of, a locked factor); `attemptCode` is the real gate. */
export async function assertNotLocked(ctx: MfaContext, sub: string, key: string): Promise<void> {
  const state = await ctx.store.getFailureState(sub, key);
  const now = ctx.now();
  if (state.lockedUntil > now) throw lockedError(state.lockedUntil, now);
}

/**
 * Runs `verify` (true = accepted, 'used' = a right code already used) for (sub, key). Throws
 * `invalid_code` (or `code_used`) with `attemptsLeft`, or `locked` with `retryAfter`; both count.
 * While the limit is spoken for by answers still being checked, the answer is `locked` too
 * (retry when they settle): it was not checked.
 */
export async function attemptCode(
  ctx: MfaContext,
  sub: string,
  key: string,
  verify: () => Promise<boolean | 'used'>,
  auditFactor: string,
  /**
   * False for an intermediate step of a multi-step flow (KBA): only the final success resets the
   * count. A function when `verify` itself finds out which kind of success it was.
   */
  resetOnSuccess: boolean | (() => boolean) = true,
): Promise<void> {
  const grant = await ctx.store.beginAttempt(sub, key, ctx.now(), ctx.policy.lockout);
  if (!grant.ok) throw lockedError(grant.retryAt, ctx.now());
  let ok: boolean | 'used';
  try {
    ok = await verify();
  } catch (err) {
    // The check itself failed (store or plugin outage): it proved nothing, so it frees the slot.
    await ctx.store.settleAttempt(sub, key, ctx.now(), ctx.policy.lockout, 'release').catch(() => {});
    throw err;
  }
  const now = ctx.now();
  if (ok === true) {
    const reset = typeof resetOnSuccess === 'function' ? resetOnSuccess() : resetOnSuccess;
    const state = await ctx.store.settleAttempt(sub, key, now, ctx.policy.lockout, reset ? 'success' : 'release');
    // A lock set meanwhile (the reservation outlived its hold) wins over the right answer.
    if (state.lockedUntil > now) throw lockedError(state.lockedUntil, now);
    return;
  }
  const state = await ctx.store.settleAttempt(sub, key, now, ctx.policy.lockout, 'failure');
  await ctx.audit.record({ type: 'verify.failure', sub, factor: auditFactor, status: 'failure', severity: 'warning' });
  if (state.lockedUntil > now) {
    // Only the answer that set the lock reports it (lockCount went up with failures back at 0).
    if (state.failures === 0) {
      await ctx.audit.record({ type: 'factor.locked', sub, factor: auditFactor, status: 'failure', severity: 'critical', metadata: { lockCount: state.lockCount } });
      notifyUser(ctx, { type: 'factor.locked', sub, factor: { type: auditFactor } });
    }
    throw lockedError(state.lockedUntil, now);
  }
  const attemptsLeft = ctx.policy.lockout.maxFailures - state.failures;
  // A right code already used still counts as a failure; saying so tells the user to wait for the
  // next code and tells an attacker nothing they did not have (they held that code already).
  if (ok === 'used') throw new MfaError('code_used', 'That code was already used. Wait for a new one.', { attemptsLeft });
  throw new MfaError('invalid_code', 'That code is not valid.', { attemptsLeft });
}
