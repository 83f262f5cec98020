/**
 * Every statement the SQLite store runs (sqlite-store.ts), with the types of its parameters and
 * rows, and how they are prepared: once per connection, each one wrapped to join the store's
 * write group. Each lookup and sweep has an index (sqlite-schema.ts; docs/operating.md "SQLite").
 */
import type Database from 'better-sqlite3';
import type { AuditRow, ChallengeRow, FactorRow, FailureRow, FreshnessRow, SigningKeyRow } from './sqlite-rows.js';

/** A statement's text, typed with its parameters `P` and row `R` (phantom: nothing at run time). */
export interface Sql<P extends unknown[] = unknown[], R = unknown> {
  readonly text: string;
  readonly types?: [P, R];
}
/** Rows one sweep deletes at most (docs/operating.md "SQLite"). */
export const SWEEP_BATCH = 100;

const sql = <P extends unknown[] = unknown[], R = unknown>(text: string): Sql<P, R> => ({ text });

export const SQL = {
  insertFactor: sql(`INSERT INTO factors (sub, id, type, label, secret_enc, algorithm, digits, period,
    confirmed, created_at, last_used_at, last_step) VALUES (@sub, @id, @type, @label, @secret_enc, @algorithm,
    @digits, @period, @confirmed, @created_at, @last_used_at, @last_step)`),
  getFactor: sql<[string, string], FactorRow>('SELECT * FROM factors WHERE sub = ? AND id = ?'),
  listFactors: sql<[string], FactorRow>('SELECT * FROM factors WHERE sub = ? ORDER BY created_at, rowid'),
  confirmFactor: sql<[string, string]>('UPDATE factors SET confirmed = 1 WHERE sub = ? AND id = ? AND confirmed = 0'),
  renameFactor: sql<[string, string, string]>('UPDATE factors SET label = ? WHERE sub = ? AND id = ?'),
  touchFactor: sql<[number, string, string]>('UPDATE factors SET last_used_at = ? WHERE sub = ? AND id = ?'),
  deleteFactor: sql<[string, string]>('DELETE FROM factors WHERE sub = ? AND id = ?'),
  deletePending: sql<[string, number]>('DELETE FROM factors WHERE sub = ? AND confirmed = 0 AND created_at < ?'),
  // One compare-and-set: of several instances racing on the same step, exactly one changes the row.
  advanceLastStep: sql<[number, number, string, string, number]>(
    'UPDATE factors SET last_step = ?, last_used_at = ? WHERE sub = ? AND id = ? AND last_step < ?'),
  getFailure: sql<[string, string], FailureRow>(
    'SELECT failures, locked_until, lock_count, pending, pending_until FROM failures WHERE sub = ? AND key = ?'),
  putFailure: sql<[string, string, number, number, number]>(
    `INSERT INTO failures (sub, key, failures, locked_until, lock_count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (sub, key) DO UPDATE SET failures = excluded.failures,
       locked_until = excluded.locked_until, lock_count = excluded.lock_count`),
  putAttempt: sql<[string, string, number, number, number, number, number]>(
    `INSERT INTO failures (sub, key, failures, locked_until, lock_count, pending, pending_until) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (sub, key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
       lock_count = excluded.lock_count, pending = excluded.pending, pending_until = excluded.pending_until`),
  revokeSession: sql<[string, string, number, number]>(
    `INSERT INTO session_revocations (sub, session, revoked_at, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (sub, session) DO UPDATE SET revoked_at = MAX(revoked_at, excluded.revoked_at),
       expires_at = MAX(expires_at, excluded.expires_at)`),
  sessionRevokedAt: sql<[string, string, number], { revoked_at: number }>(
    'SELECT revoked_at FROM session_revocations WHERE sub = ? AND session = ? AND expires_at > ?'),
  // The sweeps below are bounded (SWEEP_BATCH rows, found through their expiry index, or the key
  // for rate_limits, which starts with the window's end): the caller that pays for one never pays
  // for a backlog, and calls that add rows delete more than they add. The tables are WITHOUT
  // ROWID (sqlite-schema.ts), so a sweep names its rows by their primary key.
  purgeRevocations: sql<[number]>(`DELETE FROM session_revocations WHERE (sub, session) IN
    (SELECT sub, session FROM session_revocations WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
  resetFailures: sql<[string, string]>('DELETE FROM failures WHERE sub = ? AND key = ?'),
  // substr, not LIKE: a prefix is literal text (no % or _ wildcards).
  resetFailuresByPrefix: sql<[string, string, string]>('DELETE FROM failures WHERE sub = ? AND substr(key, 1, length(?)) = ?'),
  deleteCodes: sql<[string]>('DELETE FROM recovery_codes WHERE sub = ?'),
  // OR IGNORE: a duplicate hash in the new set is one code, not an error.
  insertCode: sql<[string, string]>('INSERT OR IGNORE INTO recovery_codes (sub, hash, used_at) VALUES (?, ?, NULL)'),
  consumeCode: sql<[number, string, string]>(
    'UPDATE recovery_codes SET used_at = ? WHERE sub = ? AND hash = ? AND used_at IS NULL'),
  countCodes: sql<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM recovery_codes WHERE sub = ? AND used_at IS NULL'),
  insertChallenge: sql(`INSERT INTO challenges (id, sub, resource, action, factor_id, step_guid, reason,
    created_at, expires_at, state, details, binding) VALUES (@id, @sub, @resource, @action, @factor_id, @step_guid, @reason,
    @created_at, @expires_at, @state, @details, @binding)`),
  // Compare-and-set on the verifier's state: of two racing updates exactly one changes the row.
  updateChallenge: sql(`UPDATE challenges SET factor_id = @factor_id, step_guid = @step_guid, state = @state
    WHERE id = @id AND state IS @expected`),
  getChallenge: sql<[string], ChallengeRow>('SELECT * FROM challenges WHERE id = ?'),
  deleteChallenge: sql<[string]>('DELETE FROM challenges WHERE id = ?'),
  // Expired at expiresAt itself, matching a TTL-based backend.
  deleteExpired: sql<[number]>('DELETE FROM challenges WHERE expires_at <= ?'),
  // Inserts only into an empty table, so a losing candidate never lands next to the winner.
  insertFirstKey: sql<[string, string, string, string, number]>(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at)
     SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`),
  firstKey: sql<[], SigningKeyRow>('SELECT * FROM signing_keys ORDER BY created_at, rowid LIMIT 1'),
  putFreshness: sql(`INSERT OR REPLACE INTO freshness (sub, session, resource, action, auth_time, acr, amr,
    expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
  listFreshness: sql<[string, string, number], FreshnessRow>(
    'SELECT * FROM freshness WHERE sub = ? AND session = ? AND expires_at > ?'),
  purgeFreshness: sql('DELETE FROM freshness WHERE sub = ? AND session = ? AND expires_at <= ?'),
  clearFreshnessSession: sql('DELETE FROM freshness WHERE sub = ? AND session = ?'),
  clearFreshnessUser: sql('DELETE FROM freshness WHERE sub = ?'),
  hit: sql<[string, number], { count: number }>(`INSERT INTO rate_limits (key, reset_at, count) VALUES (?, ?, 1)
    ON CONFLICT (reset_at, key) DO UPDATE SET count = count + 1 RETURNING count`),
  purgeHits: sql<[number]>(`DELETE FROM rate_limits WHERE (reset_at, key) IN
    (SELECT reset_at, key FROM rate_limits WHERE reset_at <= ? LIMIT ${SWEEP_BATCH})`),
  // Inserted, or taking over a mark that has expired (a bounded sweep may not have reached it yet).
  useToken: sql<[string, number, number]>(`INSERT INTO used_tokens (jti, expires_at) VALUES (?, ?)
    ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at WHERE used_tokens.expires_at <= ?`),
  purgeTokens: sql<[number]>(`DELETE FROM used_tokens WHERE jti IN
    (SELECT jti FROM used_tokens WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
  tokenUsed: sql<[string, number], { n: number }>('SELECT 1 AS n FROM used_tokens WHERE jti = ? AND expires_at > ?'),
  listKeys: sql<[], SigningKeyRow>('SELECT * FROM signing_keys ORDER BY created_at, rowid'),
  insertKey: sql<[string, string, string, string, number, number | null, number | null]>(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at, activate_at, retire_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
  // Keeps the earlier retirement: a later rotation never extends a key's life.
  retireKey: sql<[number, number, string]>(
    'UPDATE signing_keys SET retire_at = CASE WHEN retire_at IS NULL OR retire_at > ? THEN ? ELSE retire_at END WHERE kid = ?'),
  insertAudit: sql(`INSERT INTO audit_events (id, at, type, sub, resource, action, factor, severity,
    status, metadata, ip) VALUES (@id, @at, @type, @sub, @resource, @action, @factor, @severity, @status,
    @metadata, @ip)`),
  listAudit: sql<[string, number], AuditRow>(
    'SELECT * FROM audit_events WHERE sub = ? ORDER BY at DESC, rowid DESC LIMIT ?'),
};

/** A prepared statement as the store calls it. */
export interface Runner<P extends unknown[], R> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export type Statements = { [K in keyof typeof SQL]: (typeof SQL)[K] extends Sql<infer P, infer R> ? Runner<P, R> : never };

/**
 * Prepares every statement of SQL on `db`. Every writing statement first joins the open write
 * group (`begin`); reading ones first commit the groups other stores of this process hold (`see`),
 * and read inside their own group when one is open, so a store reads its own writes and every
 * store in the process reads the others'.
 */
export function prepareAll(db: Database.Database, begin: () => void, see: () => void): Statements {
  const out: Record<string, Runner<unknown[], unknown>> = {};
  for (const [name, { text }] of Object.entries(SQL)) {
    const s = db.prepare(text);
    // `readonly`, not `reader`: a write with RETURNING (the rate-limit hit) returns rows too, and
    // as a "reader" it ran outside the group, a commit of its own on every challenge.
    const before = s.readonly ? see : begin;
    out[name] = {
      run: (...a) => { before(); return s.run(...a); },
      get: (...a) => { before(); return s.get(...a); },
      all: (...a) => { before(); return s.all(...a); },
    };
  }
  return out as Statements;
}
