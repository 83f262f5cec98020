import type Database from 'better-sqlite3';
import { requirePeer, resolvePeer } from '../peers.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { nextFailureState, reserveAttempt, settleAttemptState, type AttemptOutcome, type AttemptState } from './failure-math.js';
import type {
  AttemptGrant, AuditEvent, FailurePolicy, FailureState, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor, TotpAlgorithm,
} from './store.js';
import { challengeColumns, toAttempt, toAuditEvent, toChallenge, toFactor, toFailure, toSigningKey } from './sqlite-rows.js';
import { migrate } from './sqlite-schema.js';
import { prepareAll, type Statements } from './sqlite-statements.js';

/**
 * Stores of this process with a write group open. Before one opens its group it commits the
 * others': two stores on one file in one process (two instances, tests) would otherwise wait on
 * each other's lock with the only thread that could release it.
 */
const openGroups = new Set<SqliteStore>();

/** How many new rate-limit windows share one sweep of finished ones (at most SWEEP_BATCH rows). */
const HIT_SWEEP_EVERY = 16;

/**
 * Durable store for a single host; WAL lets several processes on that host share the file.
 *
 * Writes are grouped: the first write opens one IMMEDIATE transaction, and everything written
 * until it commits joins it — the commit comes on the next turn of the event loop, and `flush()`
 * (which the HTTP app awaits before each answer leaves) waits for it: one commit for every
 * request that wrote in that turn instead of one per statement (docs/performance.md). Each
 * operation stays exactly as atomic as before: better-sqlite3 runs one statement at a time on
 * one connection, the compare-and-set statements are unchanged, the read-then-write operations
 * still run as one (nested) transaction, and another process waits on the write lock as it
 * did for a single statement.
 */
export class SqliteStore implements MfaStore {
  private readonly db: Database.Database;
  private readonly q: Statements;
  /** The scheduled commit of the open write group: what `flush` waits for. */
  private groupCommitted: Promise<void> | undefined;
  private readonly control: Record<'begin' | 'commit' | 'rollback', Database.Statement>;
  /** Rate-limit windows this store opened (hitRateLimit): every HIT_SWEEP_EVERY-th sweeps. */
  private newWindows = 0;
  /** Checkpoints the WAL in a worker thread (sqlite-checkpointer.ts); none for an in-memory database. */
  private readonly checkpointer: Checkpointer | undefined;

  constructor(opts: {
    path: string;
    /** WAL frames after which the WAL starts over (default 16,384 = 64 MiB; sqlite-checkpointer.ts). */
    walRestartPages?: number;
    /** How often the checkpoint worker looks for new commits (default 200 ms). */
    walCheckpointMs?: number;
  }) {
    const Sqlite = requirePeer<typeof Database>('better-sqlite3', 'SqliteStore'); // loaded on first use: docs/packaging.md
    for (const other of openGroups) other.commit(); // migrate() below may need the write lock
    this.db = new Sqlite(opts.path);
    try {
      // busy_timeout first: switching to WAL itself needs a lock another process may hold.
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('synchronous = NORMAL');
      // A small page cache (2 MiB, not better-sqlite3's 16 MB) and the file memory-mapped. Small,
      // because SQLite walks its whole page cache at the end of many write transactions: a B-tree
      // split parks a page under the pending-byte page number (1 GiB / page size), and the commit's
      // truncation then scans every cached page; with 64 MiB cached on a 100,000-user file that
      // was most of the commit (docs/performance.md "The commit walks the page cache"). Misses
      // cost little: pages come from the memory map or the OS page cache (docs/operating.md).
      this.db.pragma('cache_size = -2048');
      this.db.pragma('mmap_size = 1073741824');
      migrate(this.db);
      this.q = prepareAll(this.db, () => this.begin(), () => this.seeOthers());
      const ctl = (sql: string) => this.db.prepare(sql);
      this.control = { begin: ctl('BEGIN IMMEDIATE'), commit: ctl('COMMIT'), rollback: ctl('ROLLBACK') };
      if (this.db.pragma('journal_mode', { simple: true }) === 'wal') {
        this.db.pragma('wal_autocheckpoint = 0');
        this.checkpointer = startCheckpointer({
          path: opts.path,
          driver: resolvePeer('better-sqlite3'),
          restartPages: opts.walRestartPages,
          intervalMs: opts.walCheckpointMs,
          onFailure: (reason) => {
            console.error(`[mfa] SQLite checkpoints are back in the commits: the checkpoint worker failed (${reason})`);
            if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
          },
        });
      }
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** Joins the open write group, or opens one (committed on the next turn of the event loop). */
  private begin(): void {
    if (this.db.inTransaction) return;
    this.seeOthers();
    if (this.checkpointer?.takeRestart()) this.db.pragma('wal_checkpoint(RESTART)');
    this.control.begin.run();
    openGroups.add(this);
    if (!this.groupCommitted) {
      this.groupCommitted = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.groupCommitted = undefined;
          try {
            this.commit();
            resolve();
          } catch (err) {
            console.error('[mfa] SQLite commit failed:', err instanceof Error ? err.message : err);
            reject(err);
          }
        });
      });
      // Nobody may be waiting (a write outside a request): the failure is logged above.
      this.groupCommitted.catch(() => {});
    }
  }

  private seeOthers(): void {
    if (openGroups.size === 0) return;
    for (const other of openGroups) if (other !== this) other.commit();
  }

  private commit(): void {
    openGroups.delete(this);
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.control.commit.run();
      this.checkpointer?.noteCommit();
    } catch (err) {
      if (this.db.inTransaction) this.control.rollback.run();
      throw err;
    }
  }

  /** A transaction function run inside the write group (nested: a savepoint of it). */
  private tx<T>(fn: () => T): T {
    this.begin();
    return this.db.transaction(fn).immediate();
  }

  /**
   * A read and the one write it decides, in the write group without a savepoint of their own:
   * the group's BEGIN IMMEDIATE holds the file's write lock, so no other process writes between
   * them; better-sqlite3 runs both on this thread with nothing in between; and with one write
   * there is no half to roll back. As `tx`, that was two more statements and a new transaction
   * wrapper on every verification (docs/performance.md "Statements and WAL frames").
   */
  private readThenWrite<T>(fn: () => T): T {
    this.begin();
    return fn();
  }

  /**
   * Waits for the commit of the group its writes joined, shared by every request that wrote in
   * the same turn of the event loop (a group commit): one WAL commit for all of them instead of
   * one each, and still none of them answered before its writes are durable.
   */
  async flush(): Promise<void> {
    if (this.groupCommitted) await this.groupCommitted;
  }

  // Factors

  async insertFactor(f: StoredFactor): Promise<void> {
    this.q.insertFactor.run({
      sub: f.sub, id: f.id, type: f.type, label: f.label, secret_enc: f.secretEnc, algorithm: f.algorithm,
      digits: f.digits, period: f.period, confirmed: f.confirmed ? 1 : 0, created_at: f.createdAt,
      last_used_at: f.lastUsedAt, last_step: f.lastStep,
    });
  }

  async getFactor(sub: string, id: string): Promise<StoredFactor | null> {
    const row = this.q.getFactor.get(sub, id);
    return row ? toFactor(row) : null;
  }

  async listFactors(sub: string): Promise<StoredFactor[]> {
    return this.q.listFactors.all(sub).map(toFactor);
  }

  async confirmFactor(sub: string, id: string, recoveryHashes?: string[]): Promise<boolean> {
    return this.tx(() => {
      if (this.q.confirmFactor.run(sub, id).changes !== 1) return false;
      if (recoveryHashes) this.replaceCodes(sub, recoveryHashes);
      return true;
    });
  }

  async renameFactor(sub: string, id: string, label: string): Promise<boolean> {
    return this.q.renameFactor.run(label, sub, id).changes === 1;
  }

  async touchFactor(sub: string, id: string, at: number): Promise<boolean> {
    return this.q.touchFactor.run(at, sub, id).changes === 1;
  }

  async deleteFactor(sub: string, id: string): Promise<boolean> {
    return this.q.deleteFactor.run(sub, id).changes === 1;
  }

  async deletePendingFactors(sub: string, olderThan: number): Promise<number> {
    return this.q.deletePending.run(sub, olderThan).changes;
  }

  async advanceLastStep(sub: string, id: string, step: number, at: number): Promise<boolean> {
    // Not filtered on `confirmed`: the enrollment confirmation code burns its step too.
    return this.q.advanceLastStep.run(step, at, sub, id, step).changes === 1;
  }

  // Failures and lockout

  async getFailureState(sub: string, key: string): Promise<FailureState> {
    return toFailure(this.q.getFailure.get(sub, key));
  }

  async recordFailure(sub: string, key: string, now: number, policy: FailurePolicy): Promise<FailureState> {
    // IMMEDIATE takes the write lock before the read, so two instances cannot both read N and write N+1.
    return this.readThenWrite(() => {
      const next = nextFailureState(toFailure(this.q.getFailure.get(sub, key)), now, policy);
      this.q.putFailure.run(sub, key, next.failures, next.lockedUntil, next.lockCount);
      return next;
    });
  }

  async resetFailures(sub: string, key: string): Promise<void> {
    this.q.resetFailures.run(sub, key);
  }

  async resetFailuresByPrefix(sub: string, prefix: string): Promise<number> {
    return this.q.resetFailuresByPrefix.run(sub, prefix, prefix).changes;
  }

  // IMMEDIATE: the write lock is taken before the read, so processes sharing the file (WAL)
  // serialize on it and no two can reserve the last allowed answer.
  async beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant> {
    return this.readThenWrite((): AttemptGrant => {
      const r = reserveAttempt(toAttempt(this.q.getFailure.get(sub, key)), now, policy);
      if (!r.ok) return { ok: false, reason: r.reason, retryAt: r.retryAt };
      this.putAttempt(sub, key, r.state);
      return { ok: true };
    });
  }

  async settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome): Promise<FailureState> {
    return this.readThenWrite(() => {
      const next = settleAttemptState(toAttempt(this.q.getFailure.get(sub, key)), now, policy, outcome);
      this.putAttempt(sub, key, next);
      return { failures: next.failures, lockedUntil: next.lockedUntil, lockCount: next.lockCount };
    });
  }

  private putAttempt(sub: string, key: string, s: AttemptState): void {
    this.q.putAttempt.run(sub, key, s.failures, s.lockedUntil, s.lockCount, s.pending, s.pendingUntil);
  }

  async revokeSession(sub: string, session: string, at: number, expiresAt: number): Promise<void> {
    this.q.revokeSession.run(sub, session, at, expiresAt);
    this.q.purgeRevocations.run(at);
  }

  async sessionRevokedAt(sub: string, session: string, now: number): Promise<number> {
    return this.q.sessionRevokedAt.get(sub, session, now)?.revoked_at ?? 0;
  }

  // Recovery codes

  async replaceRecoveryCodes(sub: string, hashes: string[]): Promise<void> {
    // One transaction: no moment where the user has no codes, or old and new at once.
    this.tx(() => this.replaceCodes(sub, hashes));
  }

  /** Inside a transaction only (nested ones become savepoints). */
  private replaceCodes(sub: string, hashes: string[]): void {
    this.q.deleteCodes.run(sub);
    for (const h of hashes) this.q.insertCode.run(sub, h);
  }

  async consumeRecoveryCode(sub: string, hash: string, at: number): Promise<boolean> {
    return this.q.consumeCode.run(at, sub, hash).changes === 1;
  }

  async countRecoveryCodes(sub: string): Promise<number> {
    return this.q.countCodes.get(sub)?.n ?? 0;
  }

  async deleteRecoveryCodes(sub: string): Promise<void> {
    this.q.deleteCodes.run(sub);
  }

  // Challenges

  async insertChallenge(c: StoredChallenge): Promise<void> {
    this.q.insertChallenge.run(challengeColumns(c));
  }

  async updateChallenge(next: StoredChallenge, expectedState: string | undefined): Promise<boolean> {
    return this.q.updateChallenge.run({
      id: next.id, factor_id: next.factorId, step_guid: next.stepGuid, state: next.state ?? null, expected: expectedState ?? null,
    }).changes === 1;
  }

  async getChallenge(id: string): Promise<StoredChallenge | null> {
    const row = this.q.getChallenge.get(id);
    return row ? toChallenge(row) : null;
  }

  async deleteChallenge(id: string): Promise<boolean> {
    return this.q.deleteChallenge.run(id).changes === 1;
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    return this.q.deleteExpired.run(now).changes;
  }

  // Signing keys

  async getOrInsertSigningKey(k: SigningKeyRecord): Promise<SigningKeyRecord> {
    return this.tx(() => {
      this.q.insertFirstKey.run(k.kid, k.alg, k.publicJwk, k.privateJwkEnc, k.createdAt);
      return toSigningKey(this.q.firstKey.get()!);
    });
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.q.listKeys.all().map(toSigningKey);
  }

  async insertSigningKey(k: SigningKeyRecord): Promise<void> {
    this.q.insertKey.run(k.kid, k.alg, k.publicJwk, k.privateJwkEnc, k.createdAt, k.activateAt ?? null, k.retireAt ?? null);
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<boolean> {
    return this.q.retireKey.run(retireAt, retireAt, kid).changes === 1;
  }

  // Audit

  async appendAuditEvent(e: AuditEvent): Promise<void> {
    this.q.insertAudit.run({
      id: e.id, at: e.at, type: e.type, sub: e.sub, resource: e.resource ?? null, action: e.action ?? null,
      factor: e.factor ?? null, severity: e.severity, status: e.status,
      metadata: e.metadata === undefined ? null : JSON.stringify(e.metadata), ip: e.ip ?? null,
    });
  }

  async hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
    const { count } = this.q.hit.get(key, resetAt)!;
    // Every HIT_SWEEP_EVERY-th new window forgets up to SWEEP_BATCH finished ones: still more
    // than the new windows add, without a sweep statement on every user's first challenge.
    if (count === 1 && ++this.newWindows % HIT_SWEEP_EVERY === 0) this.q.purgeHits.run(now);
    return { count, resetAt };
  }

  async useTokenOnce(jti: string, expiresAt: number, now: number): Promise<boolean> {
    this.q.purgeTokens.run(now);
    return this.q.useToken.run(jti, expiresAt, now).changes === 1;
  }

  async isTokenUsed(jti: string, now: number): Promise<boolean> {
    return this.q.tokenUsed.get(jti, now) !== undefined;
  }

  async putFreshness(sub: string, session: string, r: FreshnessRecord, expiresAt: number): Promise<void> {
    this.q.putFreshness.run(sub, session, r.resource, r.action, r.authTime, r.acr, JSON.stringify(r.amr), expiresAt);
  }

  async listFreshness(sub: string, session: string, now: number): Promise<FreshnessRecord[]> {
    this.q.purgeFreshness.run(sub, session, now);
    return this.q.listFreshness.all(sub, session, now).map((row) => ({
      resource: row.resource, action: row.action, authTime: row.auth_time, acr: row.acr, amr: JSON.parse(row.amr) as string[],
    }));
  }

  async clearFreshness(sub: string, session?: string): Promise<void> {
    if (session === undefined) this.q.clearFreshnessUser.run(sub);
    else this.q.clearFreshnessSession.run(sub, session);
  }

  async listAuditEvents(sub: string, limit: number): Promise<AuditEvent[]> {
    // Clamp: SQLite reads a negative LIMIT as "no limit".
    const n = Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.trunc(limit), Number.MAX_SAFE_INTEGER));
    return this.q.listAudit.all(sub, n).map(toAuditEvent);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.commit();
    // The worker's connection first: the last one to close checkpoints and removes the WAL.
    await this.checkpointer?.close();
    this.db.close();
  }
}
