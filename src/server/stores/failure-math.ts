import type { FailurePolicy, FailureState } from './store.js';

/**
 * The lockout rule, shared by every store so the backends cannot drift apart.
 * Pure: each store reads the previous state, calls this and writes the result atomically.
 *
 * - One more consecutive failure; reaching `maxFailures` locks the pair for
 *   `baseLockMs * 2 ** lockCount` and starts a fresh count.
 * - An expired lock keeps its `lockCount`, so the next lock lasts twice as long;
 *   only a success (`resetFailures`) forgets the history.
 */
export function nextFailureState(prev: FailureState, now: number, policy: FailurePolicy): FailureState {
  // A policy of 0 or less would never lock; treat it as "lock on the first failure" instead.
  const max = Math.max(1, Math.floor(policy.maxFailures));
  // Report a lapsed lock as 0 ("not locked") rather than a stale timestamp.
  const lockedUntil = prev.lockedUntil > now ? prev.lockedUntil : 0;
  const failures = prev.failures + 1;
  if (failures < max) return { failures, lockedUntil, lockCount: prev.lockCount };
  // Clamp so a long history cannot produce Infinity or a non-integer timestamp in storage.
  const lockMs = Math.min(policy.baseLockMs * 2 ** prev.lockCount, policy.maxLockMs ?? Infinity);
  const until = Math.min(now + lockMs, Number.MAX_SAFE_INTEGER);
  // Max: failures that still arrive during a lock must never shorten it.
  return { failures: 0, lockedUntil: Math.max(until, lockedUntil), lockCount: prev.lockCount + 1 };
}
