import { EMPTY_ATTEMPT_STATE, nextFailureState, reserveAttempt, settleAttemptState, type AttemptOutcome, type AttemptState } from './failure-math.js';
import type {
  AttemptGrant, AuditEvent, FailurePolicy, FailureState, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor,
} from './store.js';

/**
 * Single-process store for tests and demos. Each check-and-set runs synchronously before the
 * method's promise settles, so concurrent calls in one process cannot interleave inside it.
 */
export class MemoryStore implements MfaStore {
  /** sub -> factor id -> factor; Map order is insertion order, the tie-break for "oldest first". */
  private readonly factors = new Map<string, Map<string, StoredFactor>>();
  private readonly failures = new Map<string, AttemptState>();
  /** sub -> hash -> usedAt (null while unused). */
  private readonly recoveryCodes = new Map<string, Map<string, number | null>>();
  private readonly challenges = new Map<string, StoredChallenge>();
  private readonly signingKeys: SigningKeyRecord[] = [];
  /** `sub \0 session` -> `resource \0 action` -> record and expiry. */
  private readonly freshness = new Map<string, Map<string, { record: FreshnessRecord; expiresAt: number }>>();
  private readonly auditEvents: AuditEvent[] = [];
  private readonly auditIds = new Set<string>();

  // Factors

  async insertFactor(factor: StoredFactor): Promise<void> {
    const mine = this.userFactors(factor.sub, true);
    // Overwriting would reset lastStep and re-open replay; refuse like a primary key would.
    if (mine.has(factor.id)) throw new Error(`factor ${factor.id} already exists`);
    mine.set(factor.id, copy(factor));
  }

  async getFactor(sub: string, id: string): Promise<StoredFactor | null> {
    const f = this.userFactors(sub)?.get(id);
    return f ? copy(f) : null;
  }

  async listFactors(sub: string): Promise<StoredFactor[]> {
    const all = [...(this.userFactors(sub)?.values() ?? [])];
    // Array.prototype.sort is stable, so equal createdAt keeps insertion order.
    return all.sort((a, b) => a.createdAt - b.createdAt).map(copy);
  }

  async confirmFactor(sub: string, id: string, recoveryHashes?: string[]): Promise<boolean> {
    const f = this.userFactors(sub)?.get(id);
    if (!f || f.confirmed) return false;
    f.confirmed = true;
    if (recoveryHashes) await this.replaceRecoveryCodes(sub, recoveryHashes);
    return true;
  }

  async touchFactor(sub: string, id: string, at: number): Promise<boolean> {
    const f = this.userFactors(sub)?.get(id);
    if (!f) return false;
    f.lastUsedAt = at;
    return true;
  }

  async renameFactor(sub: string, id: string, label: string): Promise<boolean> {
    const f = this.userFactors(sub)?.get(id);
    if (!f) return false;
    f.label = label;
    return true;
  }

  async deleteFactor(sub: string, id: string): Promise<boolean> {
    return this.userFactors(sub)?.delete(id) ?? false;
  }

  async deletePendingFactors(sub: string, olderThan: number): Promise<number> {
    const mine = this.userFactors(sub);
    if (!mine) return 0;
    let n = 0;
    for (const [id, f] of mine) {
      if (!f.confirmed && f.createdAt < olderThan) {
        mine.delete(id);
        n++;
      }
    }
    return n;
  }

  async advanceLastStep(sub: string, id: string, step: number, at: number): Promise<boolean> {
    const f = this.userFactors(sub)?.get(id);
    // Not filtered on `confirmed`: the enrollment confirmation code burns its step too.
    if (!f || !(step > f.lastStep)) return false;
    f.lastStep = step;
    f.lastUsedAt = at;
    return true;
  }

  // Failures and lockout

  async getFailureState(sub: string, key: string): Promise<FailureState> {
    const s = this.failures.get(failureKey(sub, key)) ?? EMPTY_ATTEMPT_STATE;
    return { failures: s.failures, lockedUntil: s.lockedUntil, lockCount: s.lockCount };
  }

  async recordFailure(sub: string, key: string, now: number, policy: FailurePolicy): Promise<FailureState> {
    const k = failureKey(sub, key);
    const prev = this.failures.get(k) ?? EMPTY_ATTEMPT_STATE;
    const next = nextFailureState(prev, now, policy);
    this.failures.set(k, { ...prev, ...next });
    return { ...next };
  }

  async beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant> {
    const k = failureKey(sub, key);
    const r = reserveAttempt(this.failures.get(k) ?? EMPTY_ATTEMPT_STATE, now, policy);
    if (!r.ok) return { ok: false, reason: r.reason, retryAt: r.retryAt };
    this.failures.set(k, r.state);
    return { ok: true };
  }

  async settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome): Promise<FailureState> {
    const k = failureKey(sub, key);
    const next = settleAttemptState(this.failures.get(k) ?? EMPTY_ATTEMPT_STATE, now, policy, outcome);
    this.failures.set(k, next);
    return { failures: next.failures, lockedUntil: next.lockedUntil, lockCount: next.lockCount };
  }

  async resetFailures(sub: string, key: string): Promise<void> {
    this.failures.delete(failureKey(sub, key));
  }

  async resetFailuresByPrefix(sub: string, prefix: string): Promise<number> {
    let n = 0;
    for (const k of [...this.failures.keys()]) {
      const [s, key] = JSON.parse(k) as [string, string];
      if (s === sub && key.startsWith(prefix)) n += Number(this.failures.delete(k));
    }
    return n;
  }

  // Recovery codes

  async replaceRecoveryCodes(sub: string, hashes: string[]): Promise<void> {
    this.recoveryCodes.set(sub, new Map(hashes.map((h) => [h, null])));
  }

  async consumeRecoveryCode(sub: string, hash: string, at: number): Promise<boolean> {
    const codes = this.recoveryCodes.get(sub);
    if (!codes || !codes.has(hash) || codes.get(hash) !== null) return false;
    codes.set(hash, at);
    return true;
  }

  async countRecoveryCodes(sub: string): Promise<number> {
    let n = 0;
    for (const usedAt of this.recoveryCodes.get(sub)?.values() ?? []) if (usedAt === null) n++;
    return n;
  }

  async deleteRecoveryCodes(sub: string): Promise<void> {
    this.recoveryCodes.delete(sub);
  }

  // Challenges

  async insertChallenge(challenge: StoredChallenge): Promise<void> {
    if (this.challenges.has(challenge.id)) throw new Error(`challenge ${challenge.id} already exists`);
    this.challenges.set(challenge.id, copy(challenge));
  }

  async getChallenge(id: string): Promise<StoredChallenge | null> {
    const c = this.challenges.get(id);
    return c ? copy(c) : null;
  }

  async updateChallenge(next: StoredChallenge, expectedState: string | undefined): Promise<boolean> {
    const current = this.challenges.get(next.id);
    if (!current || current.state !== expectedState) return false;
    // The expiry and the bound transaction are set at insert and never change (as in every store).
    this.challenges.set(next.id, copy({ ...next, expiresAt: current.expiresAt, details: current.details, binding: current.binding }));
    return true;
  }

  async deleteChallenge(id: string): Promise<boolean> {
    return this.challenges.delete(id);
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    let n = 0;
    for (const [id, c] of this.challenges) {
      // Expired at expiresAt itself, matching a TTL-based backend.
      if (c.expiresAt <= now) {
        this.challenges.delete(id);
        n++;
      }
    }
    return n;
  }

  // Freshness

  async putFreshness(sub: string, session: string, record: FreshnessRecord, expiresAt: number): Promise<void> {
    const key = `${sub}\0${session}`;
    const mine = this.freshness.get(key) ?? new Map();
    mine.set(`${record.resource}\0${record.action}`, { record: copy(record), expiresAt });
    this.freshness.set(key, mine);
  }

  async listFreshness(sub: string, session: string, now: number): Promise<FreshnessRecord[]> {
    const mine = this.freshness.get(`${sub}\0${session}`);
    if (!mine) return [];
    for (const [k, v] of mine) if (v.expiresAt <= now) mine.delete(k);
    return [...mine.values()].map((v) => copy(v.record));
  }

  private readonly revocations = new Map<string, { at: number; expiresAt: number }>();

  async revokeSession(sub: string, session: string, at: number, expiresAt: number): Promise<void> {
    const k = `${sub}\0${session}`;
    const prev = this.revocations.get(k);
    this.revocations.set(k, { at: Math.max(at, prev?.at ?? 0), expiresAt: Math.max(expiresAt, prev?.expiresAt ?? 0) });
  }

  async sessionRevokedAt(sub: string, session: string, now: number): Promise<number> {
    const r = this.revocations.get(`${sub}\0${session}`);
    return r && r.expiresAt > now ? r.at : 0;
  }

  async clearFreshness(sub: string, session?: string): Promise<void> {
    if (session !== undefined) {
      this.freshness.delete(`${sub}\0${session}`);
      return;
    }
    for (const key of this.freshness.keys()) if (key.startsWith(`${sub}\0`)) this.freshness.delete(key);
  }

  // Rate limits

  private readonly hits = new Map<string, { count: number; resetAt: number }>();

  async hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
    const id = `${key}\0${resetAt}`;
    const entry = this.hits.get(id) ?? { count: 0, resetAt };
    entry.count++;
    this.hits.set(id, entry);
    // Old windows are dropped as new ones start, so the map stays small.
    if (entry.count === 1) for (const [k, v] of this.hits) if (v.resetAt <= now) this.hits.delete(k);
    return { ...entry };
  }

  // One-time tokens

  private readonly usedTokens = new Map<string, number>();

  async useTokenOnce(jti: string, expiresAt: number, now: number): Promise<boolean> {
    for (const [id, until] of this.usedTokens) if (until <= now) this.usedTokens.delete(id);
    if (this.usedTokens.has(jti)) return false;
    this.usedTokens.set(jti, expiresAt);
    return true;
  }

  async isTokenUsed(jti: string, now: number): Promise<boolean> {
    const until = this.usedTokens.get(jti);
    return until !== undefined && until > now;
  }

  // Signing keys

  async getOrInsertSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord> {
    if (this.signingKeys.length === 0) this.signingKeys.push(copy(candidate));
    return copy(this.signingKeys[0]!);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return [...this.signingKeys].sort((a, b) => a.createdAt - b.createdAt).map(copy);
  }

  async insertSigningKey(record: SigningKeyRecord): Promise<void> {
    if (this.signingKeys.some((k) => k.kid === record.kid)) throw new Error(`signing key ${record.kid} already exists`);
    this.signingKeys.push(copy(record));
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<boolean> {
    const key = this.signingKeys.find((k) => k.kid === kid);
    if (!key) return false;
    key.retireAt = Math.min(key.retireAt ?? Infinity, retireAt);
    return true;
  }

  // Audit

  async appendAuditEvent(event: AuditEvent): Promise<void> {
    // Ids are primary keys in SQL; reject duplicates here too so both backends agree.
    if (this.auditIds.has(event.id)) throw new Error(`audit event ${event.id} already exists`);
    this.auditIds.add(event.id);
    this.auditEvents.push(copy(event));
  }

  async listAuditEvents(sub: string, limit: number): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    // Walking backwards gives "later appended first" for events with the same `at`.
    for (let i = this.auditEvents.length - 1; i >= 0; i--) {
      const e = this.auditEvents[i]!;
      if (e.sub === sub) out.push(e);
    }
    // ISO 8601 UTC strings of one format sort chronologically as text (SQLite compares the same way).
    out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    return out.slice(0, normLimit(limit)).map(copy);
  }

  async close(): Promise<void> {
    // Nothing to release; state stays readable so a test can inspect it after close.
  }

  private userFactors(sub: string, create: true): Map<string, StoredFactor>;
  private userFactors(sub: string): Map<string, StoredFactor> | undefined;
  private userFactors(sub: string, create = false): Map<string, StoredFactor> | undefined {
    let m = this.factors.get(sub);
    if (!m && create) this.factors.set(sub, (m = new Map()));
    return m;
  }
}

/** Deep copy (audit metadata is nested) that drops undefined keys, like a round trip through SQL. */
function copy<T extends object>(value: T): T {
  const out = structuredClone(value) as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as T;
}

function failureKey(sub: string, key: string): string {
  // JSON keeps ("a:b","c") and ("a","b:c") apart, unlike plain concatenation.
  return JSON.stringify([sub, key]);
}

function normLimit(limit: number): number {
  if (Number.isNaN(limit)) return 0;
  return Math.max(0, Math.min(Math.trunc(limit), Number.MAX_SAFE_INTEGER));
}
