import type { AttemptOutcome } from './failure-math.js';
import type {
  AttemptGrant, AuditEvent, FailurePolicy, FailureState, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor,
} from './store.js';

/**
 * Two stores as one: long-lived records in `durable` (e.g. Postgres), short-lived, high-churn
 * ones in `ephemeral` (e.g. Redis). Every once-only rule stays atomic because each one lives
 * entirely in one store: no rule reads from one and writes to the other.
 *
 * - durable: factors (with the replay mark `advanceLastStep`, a compare-and-set on the factor
 *   row, so it must stay with the factor), recovery codes (a factor's confirmation replaces
 *   them in the same transaction), signing keys, audit events;
 * - ephemeral: challenges (with their state compare-and-set), failure counters, locks and
 *   attempts in flight, freshness, session revocations, rate limits, one-time-token marks.
 *
 * docs/operating.md "Postgres with Redis" explains each choice. A new MfaStore method makes
 * this class fail to type-check until it is given a side here.
 */
export class SplitStore implements MfaStore {
  readonly #d: MfaStore;
  readonly #e: MfaStore;

  constructor(stores: { durable: MfaStore; ephemeral: MfaStore }) {
    this.#d = stores.durable;
    this.#e = stores.ephemeral;
  }

  // Durable: factors, replay marks, recovery codes
  insertFactor(f: StoredFactor) { return this.#d.insertFactor(f); }
  getFactor(sub: string, id: string) { return this.#d.getFactor(sub, id); }
  listFactors(sub: string) { return this.#d.listFactors(sub); }
  confirmFactor(sub: string, id: string, recoveryHashes?: string[]) { return this.#d.confirmFactor(sub, id, recoveryHashes); }
  renameFactor(sub: string, id: string, label: string) { return this.#d.renameFactor(sub, id, label); }
  touchFactor(sub: string, id: string, at: number) { return this.#d.touchFactor(sub, id, at); }
  deleteFactor(sub: string, id: string) { return this.#d.deleteFactor(sub, id); }
  deletePendingFactors(sub: string, olderThan: number) { return this.#d.deletePendingFactors(sub, olderThan); }
  advanceLastStep(sub: string, id: string, step: number, at: number) { return this.#d.advanceLastStep(sub, id, step, at); }
  replaceRecoveryCodes(sub: string, hashes: string[]) { return this.#d.replaceRecoveryCodes(sub, hashes); }
  consumeRecoveryCode(sub: string, hash: string, at: number) { return this.#d.consumeRecoveryCode(sub, hash, at); }
  countRecoveryCodes(sub: string) { return this.#d.countRecoveryCodes(sub); }
  deleteRecoveryCodes(sub: string) { return this.#d.deleteRecoveryCodes(sub); }

  // Durable: signing keys and audit
  getOrInsertSigningKey(candidate: SigningKeyRecord) { return this.#d.getOrInsertSigningKey(candidate); }
  listSigningKeys() { return this.#d.listSigningKeys(); }
  insertSigningKey(record: SigningKeyRecord) { return this.#d.insertSigningKey(record); }
  retireSigningKey(kid: string, retireAt: number) { return this.#d.retireSigningKey(kid, retireAt); }
  appendAuditEvent(event: AuditEvent) { return this.#d.appendAuditEvent(event); }
  listAuditEvents(sub: string, limit: number) { return this.#d.listAuditEvents(sub, limit); }

  // Ephemeral: failures, locks, attempts in flight
  getFailureState(sub: string, key: string): Promise<FailureState> { return this.#e.getFailureState(sub, key); }
  recordFailure(sub: string, key: string, now: number, policy: FailurePolicy) { return this.#e.recordFailure(sub, key, now, policy); }
  resetFailures(sub: string, key: string) { return this.#e.resetFailures(sub, key); }
  resetFailuresByPrefix(sub: string, prefix: string) { return this.#e.resetFailuresByPrefix(sub, prefix); }
  beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant> {
    return this.#e.beginAttempt(sub, key, now, policy);
  }
  settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome) {
    return this.#e.settleAttempt(sub, key, now, policy, outcome);
  }

  // Ephemeral: challenges
  insertChallenge(c: StoredChallenge) { return this.#e.insertChallenge(c); }
  getChallenge(id: string) { return this.#e.getChallenge(id); }
  updateChallenge(next: StoredChallenge, expectedState: string | undefined) { return this.#e.updateChallenge(next, expectedState); }
  deleteChallenge(id: string) { return this.#e.deleteChallenge(id); }
  deleteExpiredChallenges(now: number) { return this.#e.deleteExpiredChallenges(now); }

  // Ephemeral: freshness, session revocation, rate limits, one-time tokens
  putFreshness(sub: string, session: string, record: FreshnessRecord, expiresAt: number) { return this.#e.putFreshness(sub, session, record, expiresAt); }
  listFreshness(sub: string, session: string, now: number) { return this.#e.listFreshness(sub, session, now); }
  clearFreshness(sub: string, session?: string) { return this.#e.clearFreshness(sub, session); }
  revokeSession(sub: string, session: string, at: number, expiresAt: number) { return this.#e.revokeSession(sub, session, at, expiresAt); }
  sessionRevokedAt(sub: string, session: string, now: number) { return this.#e.sessionRevokedAt(sub, session, now); }
  hitRateLimit(key: string, windowMs: number, now: number) { return this.#e.hitRateLimit(key, windowMs, now); }
  // One-time-token marks: taking and asking both on one side, so "used once" has one truth.
  useTokenOnce(jti: string, expiresAt: number, now: number) { return this.#e.useTokenOnce(jti, expiresAt, now); }
  isTokenUsed(jti: string, now: number) { return this.#e.isTokenUsed(jti, now); }

  async flush(): Promise<void> {
    await Promise.all([this.#d.flush?.(), this.#e.flush?.()]);
  }

  /** Closes both, even when one fails to. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([this.#d.close(), this.#e.close()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
