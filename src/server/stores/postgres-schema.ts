/**
 * The Postgres store's schema: forward-only migrations, applied at start by `migrate()` inside one
 * transaction that first takes a transaction-scoped advisory lock, so instances starting together
 * apply each migration exactly once (the others wait, then find nothing left to do).
 *
 * Never edit a migration that has shipped: append a new one. Times are epoch milliseconds in
 * BIGINT (read back as JS numbers: every value fits in Number.MAX_SAFE_INTEGER).
 * Every lookup the store makes has an index (docs/operating.md "Postgres").
 */
import type { PoolClient } from 'pg';

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE factors (
  sub TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL,
  secret_enc TEXT NOT NULL, algorithm TEXT NOT NULL, digits INTEGER NOT NULL, period INTEGER NOT NULL,
  confirmed BOOLEAN NOT NULL, created_at BIGINT NOT NULL, last_used_at BIGINT, last_step BIGINT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (sub, id)
);
CREATE INDEX factors_sub_created ON factors (sub, created_at, seq);
CREATE TABLE recovery_codes (
  sub TEXT NOT NULL, hash TEXT NOT NULL, used_at BIGINT,
  PRIMARY KEY (sub, hash)
);
CREATE TABLE failures (
  sub TEXT NOT NULL, key TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0, lock_count INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0, pending_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (sub, key)
);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY, sub TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  factor_id TEXT NOT NULL, step_guid TEXT NOT NULL, reason TEXT,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, state TEXT
);
CREATE INDEX challenges_expires ON challenges (expires_at);
CREATE TABLE freshness (
  sub TEXT NOT NULL, session TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  auth_time BIGINT NOT NULL, acr TEXT NOT NULL, amr JSON NOT NULL, expires_at BIGINT NOT NULL,
  PRIMARY KEY (sub, session, resource, action)
);
CREATE INDEX freshness_expires ON freshness (expires_at);
CREATE TABLE session_revocations (
  sub TEXT NOT NULL, session TEXT NOT NULL, revoked_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  PRIMARY KEY (sub, session)
);
CREATE INDEX session_revocations_expires ON session_revocations (expires_at);
CREATE TABLE rate_limits (
  key TEXT NOT NULL, reset_at BIGINT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (key, reset_at)
);
CREATE INDEX rate_limits_reset ON rate_limits (reset_at);
CREATE TABLE used_tokens (
  jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL
);
CREATE INDEX used_tokens_expires ON used_tokens (expires_at);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
  private_jwk_enc TEXT NOT NULL, created_at BIGINT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, sub TEXT NOT NULL,
  resource TEXT, action TEXT, factor TEXT, severity TEXT NOT NULL, status TEXT NOT NULL,
  metadata JSON, ip TEXT,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX audit_events_sub_at ON audit_events (sub, at DESC, seq DESC);
`,
  },
];

/**
 * Advisory lock keys (64-bit, arbitrary but fixed): one for migrations, one for the signing-key
 * table. Transaction-scoped (`pg_advisory_xact_lock`), so they are released at COMMIT/ROLLBACK
 * and work through PgBouncer in transaction mode.
 */
export const LOCK_MIGRATE = '7235846021580093441';
export const LOCK_SIGNING_KEYS = '7235846021580093442';

/**
 * Applies the missing migrations in one transaction. Refuses a database migrated by a newer
 * release: an older binary must not write into a schema it does not know.
 */
export async function migrate(client: PoolClient): Promise<number[]> {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_MIGRATE]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > latest) throw new Error(`database schema version ${newest} is newer than supported (${latest})`);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
