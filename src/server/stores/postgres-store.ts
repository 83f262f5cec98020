/**
 * Postgres store (node-postgres) for durable data at scale: many app instances over one database.
 * Every rule that must hold across instances is one statement or one short transaction:
 *  - compare-and-set rules (replay marks, single-use codes and challenges, one-time tokens,
 *    challenge state) are a single `UPDATE … WHERE` / `INSERT … ON CONFLICT` whose row count
 *    says who won;
 *  - read-compute-write rules (failures, attempts) are one call of a SQL function that locks the
 *    row only while it runs (postgres-schema.ts, mirroring failure-math.ts);
 *  - the first signing key is chosen under a transaction-scoped advisory lock.
 * Audit events and freshness records, whose answer nobody waits for, are written in groups
 * (postgres-write-behind.ts) that `flush()` waits for before an answer leaves.
 *
 * Fail closed (postgres-pool.ts): an outage makes calls throw promptly (→ 503) instead of
 * hanging, and service resumes by itself once Postgres is back. No session state is used (no SET,
 * only transaction-scoped advisory locks; named prepared statements only with
 * `preparedStatements`), so PgBouncer in transaction mode works (docs/operating.md "Postgres").
 */
import type pg from 'pg';
import { ATTEMPT_HOLD_MS, type AttemptOutcome } from './failure-math.js';
import { LOCK_SIGNING_KEYS, migrate } from './postgres-schema.js';
import { createPool, query, transaction, type PostgresStoreOptions, type Q } from './postgres-pool.js';
import { PostgresWriteBehind } from './postgres-write-behind.js';
import { challengeColumns, keyParams, toAuditEvent, toChallenge, toFactor, toFailure, toSigningKey, type Row } from './postgres-rows.js';
export type { PostgresStoreOptions } from './postgres-pool.js';
import type {
  AttemptGrant, AuditEvent, FailurePolicy, FailureState, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor,
} from './store.js';

/** Expired rows of ephemeral tables are swept at most this often per instance, off the hot path. */
const SWEEP_EVERY_MS = 60_000;
/** Rows one sweep statement deletes at most. */
const SWEEP_BATCH = 1_000;
/** As failure-math.ts reads the policy: a limit of 0 or less locks on the first failure. */
const maxFailures = (policy: FailurePolicy) => Math.max(1, Math.floor(policy.maxFailures));

export class PostgresStore implements MfaStore {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  #lastSweep = 0;
  #sweeping: Promise<void> | undefined;
  #closing = false;
  readonly #later: PostgresWriteBehind;
  /** Named prepared statements (`preparedStatements`, postgres-pool.ts). */
  readonly #prepared: boolean;

  private constructor(pool: pg.Pool, owned: boolean, prepared: boolean) {
    this.#pool = pool;
    this.#owned = owned;
    this.#prepared = prepared;
    this.#later = new PostgresWriteBehind((sql, params) => this.#q(sql, params));
  }

  /** Connects and applies the schema migrations (postgres-schema.ts) before resolving. */
  static async connect(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = options.pool ?? createPool(options);
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, !options.pool, options.preparedStatements === true);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
        client.release();
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  #q(sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    return query(this.#pool, sql, params, this.#prepared);
  }

  async #changed(sql: string, params: unknown[]): Promise<boolean> {
    return (await this.#q(sql, params)).rowCount === 1;
  }

  #tx<T>(fn: (c: Q) => Promise<T>): Promise<T> {
    return transaction(this.#pool, fn);
  }

  /**
   * Deletes expired ephemeral rows at most once a minute (of the callers' clock), without waiting:
   * in batches of SWEEP_BATCH rows found through each table's expiry index, each batch its own
   * short statement, so a backlog (a burst of sign-ins a window ago) never becomes one long
   * DELETE holding locks and a connection while requests wait.
   */
  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS || this.#sweeping) return;
    this.#lastSweep = now;
    this.#sweeping = (async () => {
      for (const [table, column] of [['used_tokens', 'expires_at'], ['session_revocations', 'expires_at'], ['freshness', 'expires_at'], ['rate_limits', 'reset_at']]) {
        for (;;) {
          const { rowCount } = await this.#q(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM ${table} WHERE ${column} <= $1 LIMIT ${SWEEP_BATCH}))`, [now]);
          if ((rowCount ?? 0) < SWEEP_BATCH || this.#closing) break;
        }
      }
    })().catch(() => {}).finally(() => { this.#sweeping = undefined; });
  }

  // Factors

  async insertFactor(f: StoredFactor): Promise<void> {
    await this.#q(`INSERT INTO factors (sub, id, type, label, secret_enc, algorithm, digits, period, confirmed,
      created_at, last_used_at, last_step) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [f.sub, f.id, f.type, f.label, f.secretEnc, f.algorithm, f.digits, f.period, f.confirmed, f.createdAt, f.lastUsedAt, f.lastStep]);
  }

  async getFactor(sub: string, id: string): Promise<StoredFactor | null> {
    const { rows } = await this.#q('SELECT * FROM factors WHERE sub = $1 AND id = $2', [sub, id]);
    return rows[0] ? toFactor(rows[0]) : null;
  }

  async listFactors(sub: string): Promise<StoredFactor[]> {
    return (await this.#q('SELECT * FROM factors WHERE sub = $1 ORDER BY created_at, seq', [sub])).rows.map(toFactor);
  }

  async confirmFactor(sub: string, id: string, recoveryHashes?: string[]): Promise<boolean> {
    const confirm = 'UPDATE factors SET confirmed = true WHERE sub = $1 AND id = $2 AND NOT confirmed';
    if (!recoveryHashes) return this.#changed(confirm, [sub, id]);
    // The confirmation and the first recovery codes commit together or not at all.
    return this.#tx(async (c) => {
      if ((await c.query(confirm, [sub, id])).rowCount !== 1) return false;
      await replaceCodes(c, sub, recoveryHashes);
      return true;
    });
  }

  renameFactor(sub: string, id: string, label: string): Promise<boolean> {
    return this.#changed('UPDATE factors SET label = $3 WHERE sub = $1 AND id = $2', [sub, id, label]);
  }

  touchFactor(sub: string, id: string, at: number): Promise<boolean> {
    return this.#changed('UPDATE factors SET last_used_at = $3 WHERE sub = $1 AND id = $2', [sub, id, at]);
  }

  deleteFactor(sub: string, id: string): Promise<boolean> {
    return this.#changed('DELETE FROM factors WHERE sub = $1 AND id = $2', [sub, id]);
  }

  async deletePendingFactors(sub: string, olderThan: number): Promise<number> {
    return (await this.#q('DELETE FROM factors WHERE sub = $1 AND NOT confirmed AND created_at < $2', [sub, olderThan])).rowCount ?? 0;
  }

  advanceLastStep(sub: string, id: string, step: number, at: number): Promise<boolean> {
    // One compare-and-set: of several instances racing on the same step, exactly one changes the row.
    return this.#changed('UPDATE factors SET last_step = $3, last_used_at = $4 WHERE sub = $1 AND id = $2 AND last_step < $3',
      [sub, id, step, at]);
  }

  // Failures and lockout

  async getFailureState(sub: string, key: string): Promise<FailureState> {
    const { rows } = await this.#q('SELECT failures, locked_until, lock_count FROM failures WHERE sub = $1 AND key = $2', [sub, key]);
    return toFailure(rows[0]);
  }

  recordFailure(sub: string, key: string, now: number, policy: FailurePolicy): Promise<FailureState> {
    return this.#settle(sub, key, now, policy, 'count');
  }

  async resetFailures(sub: string, key: string): Promise<void> {
    await this.#q('DELETE FROM failures WHERE sub = $1 AND key = $2', [sub, key]);
  }

  async resetFailuresByPrefix(sub: string, prefix: string): Promise<number> {
    // starts_with, not LIKE: a prefix is literal text (no % or _ wildcards).
    const { rowCount } = await this.#q('DELETE FROM failures WHERE sub = $1 AND starts_with(key, $2)', [sub, prefix]);
    return rowCount ?? 0;
  }

  async beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant> {
    const { rows } = await this.#q('SELECT * FROM mfa_begin_attempt($1, $2, $3, $4, $5)', [sub, key, now, maxFailures(policy), ATTEMPT_HOLD_MS]);
    const r = rows[0]!;
    return r.o_ok ? { ok: true } : { ok: false, reason: r.o_reason as 'locked' | 'busy', retryAt: r.o_retry_at as number };
  }

  settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome): Promise<FailureState> {
    return this.#settle(sub, key, now, policy, outcome);
  }

  /** The lockout rule runs inside Postgres (postgres-schema.ts `mfa_settle_attempt`, mirroring failure-math.ts). */
  async #settle(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome | 'count'): Promise<FailureState> {
    const { rows } = await this.#q('SELECT * FROM mfa_settle_attempt($1, $2, $3, $4, $5, $6, $7)',
      [sub, key, now, maxFailures(policy), policy.baseLockMs, policy.maxLockMs ?? null, outcome]);
    const r = rows[0]!;
    return { failures: r.o_failures, lockedUntil: r.o_locked_until, lockCount: r.o_lock_count };
  }

  // Recovery codes

  async replaceRecoveryCodes(sub: string, hashes: string[]): Promise<void> {
    // One transaction: no moment where the user has no codes, or old and new at once.
    await this.#tx((c) => replaceCodes(c, sub, hashes));
  }

  consumeRecoveryCode(sub: string, hash: string, at: number): Promise<boolean> {
    return this.#changed('UPDATE recovery_codes SET used_at = $3 WHERE sub = $1 AND hash = $2 AND used_at IS NULL', [sub, hash, at]);
  }

  async countRecoveryCodes(sub: string): Promise<number> {
    const { rows } = await this.#q('SELECT count(*) AS n FROM recovery_codes WHERE sub = $1 AND used_at IS NULL', [sub]);
    return rows[0]!.n as number;
  }

  async deleteRecoveryCodes(sub: string): Promise<void> {
    await this.#q('DELETE FROM recovery_codes WHERE sub = $1', [sub]);
  }

  // Challenges

  async insertChallenge(c: StoredChallenge): Promise<void> {
    const r = challengeColumns(c);
    await this.#q(`INSERT INTO challenges (id, sub, resource, action, factor_id, step_guid, reason, created_at, expires_at, state, details, binding)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [r.id, r.sub, r.resource, r.action, r.factor_id, r.step_guid, r.reason, r.created_at, r.expires_at, r.state, r.details, r.binding]);
  }

  async getChallenge(id: string): Promise<StoredChallenge | null> {
    const { rows } = await this.#q('SELECT * FROM challenges WHERE id = $1', [id]);
    return rows[0] ? toChallenge(rows[0]) : null;
  }

  updateChallenge(next: StoredChallenge, expectedState: string | undefined): Promise<boolean> {
    // Compare-and-set on the verifier's state: of two racing updates exactly one changes the row.
    return this.#changed(`UPDATE challenges SET factor_id = $2, step_guid = $3, state = $4
      WHERE id = $1 AND state IS NOT DISTINCT FROM $5::text`, [next.id, next.factorId, next.stepGuid, next.state ?? null, expectedState ?? null]);
  }

  deleteChallenge(id: string): Promise<boolean> {
    return this.#changed('DELETE FROM challenges WHERE id = $1', [id]);
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    // Expired at expiresAt itself, matching a TTL-based backend.
    return (await this.#q('DELETE FROM challenges WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  // Freshness

  async putFreshness(sub: string, session: string, r: FreshnessRecord, expiresAt: number): Promise<void> {
    // Nobody reads the answer: written in a group before the HTTP answer leaves (`flush`).
    this.#later.freshness(sub, session, r, expiresAt);
  }

  async listFreshness(sub: string, session: string, now: number): Promise<FreshnessRecord[]> {
    this.#maybeSweep(now);
    await this.#later.flushFreshness(sub, session); // this instance reads its own writes
    const { rows } = await this.#q('SELECT * FROM freshness WHERE sub = $1 AND session = $2 AND expires_at > $3', [sub, session, now]);
    return rows.map((row) => ({ resource: row.resource, action: row.action, authTime: row.auth_time, acr: row.acr, amr: row.amr as string[] }));
  }

  async clearFreshness(sub: string, session?: string): Promise<void> {
    await this.#later.flushFreshness(sub, session); // a record queued before the clear must not land after it
    if (session === undefined) await this.#q('DELETE FROM freshness WHERE sub = $1', [sub]);
    else await this.#q('DELETE FROM freshness WHERE sub = $1 AND session = $2', [sub, session]);
  }

  // Session revocation

  async revokeSession(sub: string, session: string, at: number, expiresAt: number): Promise<void> {
    await this.#q(`INSERT INTO session_revocations (sub, session, revoked_at, expires_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (sub, session) DO UPDATE SET revoked_at = GREATEST(session_revocations.revoked_at, excluded.revoked_at),
        expires_at = GREATEST(session_revocations.expires_at, excluded.expires_at)`, [sub, session, at, expiresAt]);
  }

  async sessionRevokedAt(sub: string, session: string, now: number): Promise<number> {
    this.#maybeSweep(now);
    const { rows } = await this.#q('SELECT revoked_at FROM session_revocations WHERE sub = $1 AND session = $2 AND expires_at > $3', [sub, session, now]);
    return (rows[0]?.revoked_at as number | undefined) ?? 0;
  }

  // Rate limits

  async hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
    this.#maybeSweep(now);
    const { rows } = await this.#q(`INSERT INTO rate_limits (key, reset_at, count) VALUES ($1, $2, 1)
      ON CONFLICT (key, reset_at) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`, [key, resetAt]);
    return { count: rows[0]!.count as number, resetAt };
  }

  // One-time tokens

  useTokenOnce(jti: string, expiresAt: number, now: number): Promise<boolean> {
    this.#maybeSweep(now);
    // Inserted, or taking over a mark that has expired: either way this caller is the first.
    return this.#changed(`INSERT INTO used_tokens (jti, expires_at) VALUES ($1, $2)
      ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at WHERE used_tokens.expires_at <= $3`, [jti, expiresAt, now]);
  }

  async isTokenUsed(jti: string, now: number): Promise<boolean> {
    return (await this.#q('SELECT 1 FROM used_tokens WHERE jti = $1 AND expires_at > $2', [jti, now])).rows.length > 0;
  }

  // Signing keys

  getOrInsertSigningKey(k: SigningKeyRecord): Promise<SigningKeyRecord> {
    // Serialized by an advisory lock: under READ COMMITTED, two "insert if empty" could both see an empty table.
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_SIGNING_KEYS]);
      await c.query(`INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at, activate_at, retire_at)
        SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`, keyParams(k));
      // The first key ever inserted (by insertion order): a rotated-in key never takes its place.
      const { rows } = await c.query<Row>('SELECT * FROM signing_keys ORDER BY seq LIMIT 1');
      return toSigningKey(rows[0]!);
    });
  }

  insertSigningKey(k: SigningKeyRecord): Promise<void> {
    // The lock of getOrInsertSigningKey: its "is the table empty" never races this. A duplicate kid throws (primary key).
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_SIGNING_KEYS]);
      await c.query(`INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at, activate_at, retire_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)`, keyParams(k));
    });
  }

  retireSigningKey(kid: string, retireAt: number): Promise<boolean> {
    // Keeps the earlier retirement: a later rotation never extends a key's life. One statement.
    return this.#changed(`UPDATE signing_keys SET retire_at = CASE WHEN retire_at IS NULL OR retire_at > $2 THEN $2 ELSE retire_at END
      WHERE kid = $1`, [kid, retireAt]);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (await this.#q('SELECT * FROM signing_keys ORDER BY created_at, seq')).rows.map(toSigningKey);
  }

  // Audit

  async appendAuditEvent(e: AuditEvent): Promise<void> {
    // Nobody reads the answer: written in a group before the HTTP answer leaves (`flush`).
    this.#later.audit(e);
  }

  async listAuditEvents(sub: string, limit: number): Promise<AuditEvent[]> {
    await this.#later.flush(); // this instance reads its own writes
    const n = Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.trunc(limit), Number.MAX_SAFE_INTEGER));
    const { rows } = await this.#q('SELECT * FROM audit_events WHERE sub = $1 ORDER BY at DESC, seq DESC LIMIT $2', [sub, n]);
    return rows.map(toAuditEvent);
  }

  /** Waits for the grouped writes (audit events, freshness records) queued so far. */
  flush(): Promise<void> {
    return this.#later.flush();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#later.flush().catch(() => {});
    await this.#sweeping;
    if (this.#owned && !this.#pool.ended) await this.#pool.end();
  }
}

/** Inside a transaction only. A duplicate hash in the new set is one code, not an error. */
async function replaceCodes(c: Q, sub: string, hashes: string[]): Promise<void> {
  await c.query('DELETE FROM recovery_codes WHERE sub = $1', [sub]);
  if (hashes.length) {
    await c.query(`INSERT INTO recovery_codes (sub, hash) SELECT $1, h FROM unnest($2::text[]) AS h
      ON CONFLICT DO NOTHING`, [sub, hashes]);
  }
}
