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

/**
 * Reserve-then-verify (docs/security.md "Attempts"): an answer is counted *before* it is
 * checked, so however many arrive at once — over however many instances — at most
 * `maxFailures` are ever being checked or counted per lock window.
 *
 * `pending` counts reservations in flight. A reservation that is never settled (a crashed
 * process) stops counting after `ATTEMPT_HOLD_MS`, so a crash cannot lock a user out for good.
 */
export const ATTEMPT_HOLD_MS = 30_000;

export interface AttemptState extends FailureState {
  /** Answers reserved and not settled yet. */
  pending: number;
  /** Epoch ms after which `pending` is stale (0 when none). */
  pendingUntil: number;
}

export const EMPTY_ATTEMPT_STATE: AttemptState = { failures: 0, lockedUntil: 0, lockCount: 0, pending: 0, pendingUntil: 0 };

/** Why a reservation was refused: `locked` (a lock is active) or `busy` (the limit is spoken for by answers in flight). */
export type AttemptRefusal = { reason: 'locked' | 'busy'; retryAt: number };
export type Reservation = { ok: true; state: AttemptState } | ({ ok: false; state: AttemptState } & AttemptRefusal);

const livePending = (s: AttemptState, now: number) => (s.pendingUntil > now ? s.pending : 0);

/** Refuses while locked or while failures + answers in flight reach the limit; else counts one more in flight. */
export function reserveAttempt(prev: AttemptState, now: number, policy: FailurePolicy): Reservation {
  if (prev.lockedUntil > now) return { ok: false, state: prev, reason: 'locked', retryAt: prev.lockedUntil };
  const max = Math.max(1, Math.floor(policy.maxFailures));
  const pending = livePending(prev, now);
  if (prev.failures + pending >= max) return { ok: false, state: prev, reason: 'busy', retryAt: prev.pendingUntil };
  return { ok: true, state: { ...prev, pending: pending + 1, pendingUntil: now + ATTEMPT_HOLD_MS } };
}

/**
 * How a reserved answer ended: `failure` counts (and may lock); `success` resets the count and
 * lock history — unless a lock is active, which a success never clears; `release` (a right
 * intermediate answer of a multi-step flow) only frees the reservation.
 */
export type AttemptOutcome = 'success' | 'failure' | 'release';

export function settleAttemptState(prev: AttemptState, now: number, policy: FailurePolicy, outcome: AttemptOutcome): AttemptState {
  const pending = Math.max(0, livePending(prev, now) - 1);
  const pendingUntil = pending > 0 ? prev.pendingUntil : 0;
  if (outcome === 'failure') return { ...nextFailureState(prev, now, policy), pending, pendingUntil };
  if (outcome === 'success' && !(prev.lockedUntil > now)) return { failures: 0, lockedUntil: 0, lockCount: 0, pending, pendingUntil };
  return { ...prev, pending, pendingUntil };
}
