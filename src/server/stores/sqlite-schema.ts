/**
 * The SQLite store's schema: SCHEMA_VERSION (the database's `user_version`) and the forward-only
 * steps that bring an older file up to it, run at start in one IMMEDIATE transaction (so
 * processes opening the same file together migrate it once; the others wait on the lock and
 * find nothing left to do). Never change what a shipped version created: add a version.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 7;

/**
 * Tables whose rows are small and always found by their primary key: stored WITHOUT ROWID (since
 * version 7), the row inside its key's B-tree. A rowid table keeps a second B-tree for the key,
 * so each lookup walked two and each write dirtied two pages; on a large install those pages are
 * far apart, and every dirty page is written to the WAL at commit (docs/performance.md "Growth").
 * Factors, challenges, signing keys and audit events keep their rowid: listed in insertion order
 * or rows too large for it.
 */
const KEYED_TABLES = ['failures', 'session_revocations', 'recovery_codes', 'freshness', 'rate_limits', 'used_tokens'];

// Composite keys scope every row to its user, so a lookup with the wrong sub simply finds nothing.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS factors (
  sub TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL,
  secret_enc TEXT NOT NULL, algorithm TEXT NOT NULL, digits INTEGER NOT NULL, period INTEGER NOT NULL,
  confirmed INTEGER NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, last_step INTEGER NOT NULL,
  PRIMARY KEY (sub, id)
);
CREATE TABLE IF NOT EXISTS failures (
  sub TEXT NOT NULL, key TEXT NOT NULL,
  failures INTEGER NOT NULL, locked_until INTEGER NOT NULL, lock_count INTEGER NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0, pending_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (sub, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_revocations (
  sub TEXT NOT NULL, session TEXT NOT NULL, revoked_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (sub, session)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_revocations_expires ON session_revocations (expires_at);
CREATE TABLE IF NOT EXISTS recovery_codes (
  sub TEXT NOT NULL, hash TEXT NOT NULL, used_at INTEGER,
  PRIMARY KEY (sub, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY, sub TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  factor_id TEXT NOT NULL, step_guid TEXT NOT NULL, reason TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT, details TEXT, binding TEXT
);
CREATE INDEX IF NOT EXISTS challenges_expires ON challenges (expires_at);
CREATE TABLE IF NOT EXISTS freshness (
  sub TEXT NOT NULL, session TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  auth_time INTEGER NOT NULL, acr TEXT NOT NULL, amr TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (sub, session, resource, action)
) WITHOUT ROWID;
-- Keyed window first: a hit names its window's end, and the sweep takes the oldest windows from
-- the same B-tree (version 6 needed a second index for that).
CREATE TABLE IF NOT EXISTS rate_limits (
  key TEXT NOT NULL, reset_at INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (reset_at, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS used_tokens (
  jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS used_tokens_expires ON used_tokens (expires_at);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
  private_jwk_enc TEXT NOT NULL, created_at INTEGER NOT NULL, activate_at INTEGER, retire_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, sub TEXT NOT NULL,
  resource TEXT, action TEXT, factor TEXT, severity TEXT NOT NULL, status TEXT NOT NULL,
  metadata TEXT, ip TEXT
);
CREATE INDEX IF NOT EXISTS audit_events_sub_at ON audit_events (sub, at);
`;

/** Brings the file to SCHEMA_VERSION; refuses a newer one. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  // Refuse rather than guess: an older binary must not write into a newer schema.
  if (version > SCHEMA_VERSION) throw new Error(`database schema version ${version} is newer than supported (${SCHEMA_VERSION})`);
  db.transaction(() => {
    const rebuilt = setAsideRowidTables(db);
    db.exec(SCHEMA);
    for (const table of rebuilt) moveRows(db, table);
    // Version 1 databases (TOTP only) lack the challenge state column.
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(challenges)').all();
    if (!columns.some((c) => c.name === 'state')) db.exec('ALTER TABLE challenges ADD COLUMN state TEXT');
    // Version 2 databases count no answers in flight (reserve-then-verify came with version 3):
    // their failures table was rebuilt above, and the new columns took their defaults.
    // Version 3 databases have one signing key and no rotation schedule.
    const keyColumns = db.prepare<[], { name: string }>('PRAGMA table_info(signing_keys)').all();
    if (!keyColumns.some((c) => c.name === 'activate_at')) {
      db.exec(`ALTER TABLE signing_keys ADD COLUMN activate_at INTEGER;
        ALTER TABLE signing_keys ADD COLUMN retire_at INTEGER`);
    }
    // Version 4 databases keep no bound transaction with a challenge.
    if (!columns.some((c) => c.name === 'details')) {
      db.exec(`ALTER TABLE challenges ADD COLUMN details TEXT;
        ALTER TABLE challenges ADD COLUMN binding TEXT`);
    }
    // Version 5 databases sweep session revocations without an index: the CREATE INDEX IF NOT
    // EXISTS in SCHEMA adds it (version 6), as it added the other expiry indexes before.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Version 6 and older keep KEYED_TABLES as rowid tables: each is renamed aside (its indexes
 * dropped, so SCHEMA creates them again on the new table) and returned, for `moveRows` to copy
 * once SCHEMA has created the WITHOUT ROWID table under the old name.
 */
function setAsideRowidTables(db: Database.Database): string[] {
  const kind = db.prepare<[string], { wr: number }>("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?");
  const indexes = db.prepare<[string], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL");
  const rebuilt = KEYED_TABLES.filter((table) => kind.get(table)?.wr === 0);
  for (const table of rebuilt) {
    db.exec(`ALTER TABLE ${table} RENAME TO ${table}_rowid`);
    for (const { name } of indexes.all(`${table}_rowid`)) db.exec(`DROP INDEX ${name}`);
  }
  return rebuilt;
}

/** Copies the set-aside rows into the new table (the columns both have: newer ones take their defaults). */
function moveRows(db: Database.Database, table: string): void {
  const columns = (t: string) => db.prepare<[], { name: string }>(`PRAGMA table_info(${t})`).all().map((c) => c.name);
  const old = new Set(columns(`${table}_rowid`));
  const shared = columns(table).filter((c) => old.has(c)).join(', ');
  db.exec(`INSERT INTO ${table} (${shared}) SELECT ${shared} FROM ${table}_rowid; DROP TABLE ${table}_rowid`);
}
