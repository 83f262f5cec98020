// @ts-check
/**
 * The demo's own sign-in sessions, kept in the same kind of store as the MFA data so that
 * instances sharing a store share sessions: a cookie from one instance is signed in on the other,
 * and a logout on any instance ends the session on all of them.
 *
 * - `sqliteSessions(dataDir)`: table `demo_sessions` in `<dataDir>/demo.db` (WAL; several processes
 *   of one host may share the file).
 * - `redisSessions({ url, prefix })`: keys `<prefix>demo:session:<hash>` with a TTL.
 * - `postgresSessions({ url })`: table `demo_sessions` in the MFA store's Postgres database.
 * - `memorySessions()`: one process only (the programmatic default of createDemoApp without dataDir).
 *
 * The cookie value is the secret: only its SHA-256 is stored, so a copy of the store signs nobody in.
 * A session lasts SESSION_TTL_MS from sign-in (no sliding renewal).
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';

/** 12 hours. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * @typedef {object} DemoSessions
 * @property {(username: string) => Promise<string>} create signs `username` in; resolves to the new session id (the cookie value)
 * @property {(id: string) => Promise<string | null>} get the user of a live session, or null
 * @property {(id: string) => Promise<void>} delete ends the session (on every instance sharing the store)
 * @property {() => Promise<void>} close
 */

/** The server-side name of a session: SHA-256 of the cookie value (base64url). @param {string} id */
export const sessionHash = (id) => createHash('sha256').update(id).digest('base64url');
const newId = () => randomBytes(24).toString('base64url');

/** @returns {DemoSessions} */
export function memorySessions() {
  /** @type {Map<string, { username: string, expiresAt: number }>} hash → session */
  const sessions = new Map();
  return {
    async create(username) {
      const id = newId();
      sessions.set(sessionHash(id), { username, expiresAt: Date.now() + SESSION_TTL_MS });
      return id;
    },
    async get(id) {
      const hash = sessionHash(id);
      const s = sessions.get(hash);
      if (!s) return null;
      if (s.expiresAt <= Date.now()) { sessions.delete(hash); return null; }
      return s.username;
    },
    async delete(id) { sessions.delete(sessionHash(id)); },
    async close() { sessions.clear(); },
  };
}

/** @param {string} dataDir @returns {DemoSessions} */
export function sqliteSessions(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'demo.db'));
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS demo_sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT`);
  const insert = db.prepare('INSERT INTO demo_sessions (id_hash, username, expires_at) VALUES (?, ?, ?)');
  const select = db.prepare('SELECT username FROM demo_sessions WHERE id_hash = ? AND expires_at > ?').pluck();
  const remove = db.prepare('DELETE FROM demo_sessions WHERE id_hash = ?');
  const purge = db.prepare('DELETE FROM demo_sessions WHERE expires_at <= ?');
  return {
    async create(username) {
      const id = newId();
      const now = Date.now();
      purge.run(now); // expired sessions go away as new ones come
      insert.run(sessionHash(id), username, now + SESSION_TTL_MS);
      return id;
    },
    async get(id) {
      return /** @type {string | undefined} */ (select.get(sessionHash(id), Date.now())) ?? null;
    },
    async delete(id) { remove.run(sessionHash(id)); },
    async close() { if (db.open) db.close(); },
  };
}

/**
 * @param {{ url: string, prefix?: string }} options `prefix` as the MFA store's (default `mfa:`)
 * @returns {Promise<DemoSessions>}
 */
export async function redisSessions({ url, prefix = 'mfa:' }) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  // Without a listener a connection error would crash the process; each call reports it instead.
  client.on('error', () => {});
  await client.connect();
  /** @param {string} id */
  const key = (id) => `${prefix}demo:session:${sessionHash(id)}`;
  return {
    async create(username) {
      const id = newId();
      await client.set(key(id), username, { expiration: { type: 'PX', value: SESSION_TTL_MS } });
      return id;
    },
    async get(id) {
      const username = await client.get(key(id));
      return typeof username === 'string' ? username : null;
    },
    async delete(id) { await client.del(key(id)); },
    async close() { if (client.isOpen) await client.close(); },
  };
}

/**
 * @param {{ url: string }} options the Postgres database of the MFA store
 * @returns {Promise<DemoSessions>}
 */
export async function postgresSessions({ url }) {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2_000, query_timeout: 5_000 });
  pool.on('error', () => {}); // a dropped idle connection is replaced; each call reports errors
  await pool.query(`CREATE TABLE IF NOT EXISTS demo_sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL)`);
  return {
    async create(username) {
      const id = newId();
      const now = Date.now();
      await pool.query('DELETE FROM demo_sessions WHERE expires_at <= $1', [now]);
      await pool.query('INSERT INTO demo_sessions (id_hash, username, expires_at) VALUES ($1, $2, $3)', [sessionHash(id), username, now + SESSION_TTL_MS]);
      return id;
    },
    async get(id) {
      const { rows } = await pool.query('SELECT username FROM demo_sessions WHERE id_hash = $1 AND expires_at > $2', [sessionHash(id), Date.now()]);
      return rows[0]?.username ?? null;
    },
    async delete(id) { await pool.query('DELETE FROM demo_sessions WHERE id_hash = $1', [sessionHash(id)]); },
    async close() { if (!pool.ended) await pool.end(); },
  };
}
