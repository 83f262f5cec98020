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
`
    // The lockout rule inside Postgres, mirroring failure-math.ts (as redis-scripts.ts does): each
    // call is one statement, so a (sub, key) row is locked only while Postgres runs it, never across
    // round trips — a burst of answers on one factor does not queue on a lock held by the network.
    + `
CREATE FUNCTION mfa_next_failure(p_failures INTEGER, p_locked_until BIGINT, p_lock_count INTEGER, p_now BIGINT,
  p_max INTEGER, p_base_ms DOUBLE PRECISION, p_cap_ms DOUBLE PRECISION,
  OUT o_failures INTEGER, OUT o_locked_until BIGINT, OUT o_lock_count INTEGER) LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  lock_ms DOUBLE PRECISION;
BEGIN
  o_locked_until := CASE WHEN p_locked_until > p_now THEN p_locked_until ELSE 0 END;
  o_failures := p_failures + 1;
  o_lock_count := p_lock_count;
  IF o_failures < p_max THEN RETURN; END IF;
  -- 2^60 already passes Number.MAX_SAFE_INTEGER ms for any base >= 0.01 ms: no float overflow.
  lock_ms := LEAST(p_base_ms * power(2::double precision, LEAST(p_lock_count, 60)), COALESCE(p_cap_ms, 'Infinity'::double precision));
  o_locked_until := GREATEST(LEAST(p_now + lock_ms, 9007199254740991::double precision)::bigint, o_locked_until);
  o_failures := 0;
  o_lock_count := p_lock_count + 1;
END $$;

CREATE FUNCTION mfa_begin_attempt(p_sub TEXT, p_key TEXT, p_now BIGINT, p_max INTEGER, p_hold_ms BIGINT,
  OUT o_ok BOOLEAN, OUT o_reason TEXT, OUT o_retry_at BIGINT) LANGUAGE plpgsql AS $$
DECLARE
  r failures%ROWTYPE;
  live INTEGER;
BEGIN
  -- An upsert that changes nothing still locks the row and returns it.
  INSERT INTO failures AS f (sub, key) VALUES (p_sub, p_key)
    ON CONFLICT (sub, key) DO UPDATE SET sub = f.sub RETURNING * INTO r;
  o_ok := false;
  IF r.locked_until > p_now THEN o_reason := 'locked'; o_retry_at := r.locked_until; RETURN; END IF;
  live := CASE WHEN r.pending_until > p_now THEN r.pending ELSE 0 END;
  IF r.failures + live >= p_max THEN o_reason := 'busy'; o_retry_at := r.pending_until; RETURN; END IF;
  UPDATE failures SET pending = live + 1, pending_until = p_now + p_hold_ms WHERE sub = p_sub AND key = p_key;
  o_ok := true;
END $$;

-- p_outcome: 'failure' | 'success' | 'release' settle a reservation; 'count' records a failure outside one.
CREATE FUNCTION mfa_settle_attempt(p_sub TEXT, p_key TEXT, p_now BIGINT, p_max INTEGER, p_base_ms DOUBLE PRECISION,
  p_cap_ms DOUBLE PRECISION, p_outcome TEXT,
  OUT o_failures INTEGER, OUT o_locked_until BIGINT, OUT o_lock_count INTEGER) LANGUAGE plpgsql AS $$
DECLARE
  r failures%ROWTYPE;
  pend INTEGER;
  pend_until BIGINT;
BEGIN
  INSERT INTO failures AS f (sub, key) VALUES (p_sub, p_key)
    ON CONFLICT (sub, key) DO UPDATE SET sub = f.sub RETURNING * INTO r;
  IF p_outcome = 'count' THEN
    pend := r.pending;
    pend_until := r.pending_until;
  ELSE
    pend := GREATEST(0, (CASE WHEN r.pending_until > p_now THEN r.pending ELSE 0 END) - 1);
    pend_until := CASE WHEN pend > 0 THEN r.pending_until ELSE 0 END;
  END IF;
  IF p_outcome IN ('failure', 'count') THEN
    SELECT n.o_failures, n.o_locked_until, n.o_lock_count INTO o_failures, o_locked_until, o_lock_count
      FROM mfa_next_failure(r.failures, r.locked_until, r.lock_count, p_now, p_max, p_base_ms, p_cap_ms) AS n;
  ELSIF p_outcome = 'success' AND NOT (r.locked_until > p_now) THEN
    o_failures := 0; o_locked_until := 0; o_lock_count := 0;
  ELSE
    o_failures := r.failures; o_locked_until := r.locked_until; o_lock_count := r.lock_count;
  END IF;
  UPDATE failures SET failures = o_failures, locked_until = o_locked_until, lock_count = o_lock_count,
    pending = pend, pending_until = pend_until WHERE sub = p_sub AND key = p_key;
END $$;
`,
  },
  {
    // Key rotation: a key published before it signs, and retired after its successor takes over.
    version: 2,
    sql: `
ALTER TABLE signing_keys ADD COLUMN activate_at BIGINT, ADD COLUMN retire_at BIGINT;
`,
  },
  {
    // Transaction binding: what the user approves, kept with the challenge (TEXT keeps the labels' order).
    version: 3,
    sql: `
ALTER TABLE challenges ADD COLUMN details TEXT, ADD COLUMN binding TEXT;
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
