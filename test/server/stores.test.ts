import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { RedisStore } from '../../src/server/stores/redis-store.js';
import { SqliteStore } from '../../src/server/stores/sqlite-store.js';
import { PostgresStore } from '../../src/server/stores/postgres-store.js';
import { SplitStore } from '../../src/server/stores/split-store.js';
import { createDatabase, createSchema, type TestDatabase } from '../helpers/postgres-server.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';
import type { StoredFactor } from '../../src/server/stores/store.js';
import { storeConformance } from './store-conformance.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mfa-store-'));
}

storeConformance('memory', async () => ({ store: new MemoryStore() }));

storeConformance('sqlite', async () => {
  const dir = tempDir();
  return {
    store: new SqliteStore({ path: path.join(dir, 'mfa.db') }),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

storeConformance('redis', async () => {
  const url = await redisUrl();
  const prefix = uniquePrefix('conformance');
  return { store: await RedisStore.connect({ url, prefix }), cleanup: () => dropPrefix(url, prefix) };
});

// Postgres: one database for this file, a fresh schema (an empty store) per test.
let pgDb: Promise<TestDatabase> | undefined;
const pgDatabase = () => (pgDb ??= createDatabase('conformance'));
after(async () => { if (pgDb) await (await pgDb).drop(); });

storeConformance('postgres', async () => {
  const schema = await createSchema(await pgDatabase(), 'conf');
  return { store: await PostgresStore.connect({ connectionString: schema.url }), cleanup: schema.drop };
});

storeConformance('postgres, named prepared statements', async () => {
  const schema = await createSchema(await pgDatabase(), 'prep');
  return { store: await PostgresStore.connect({ connectionString: schema.url, preparedStatements: true }), cleanup: schema.drop };
});

storeConformance('postgres+redis (split)', async () => {
  const schema = await createSchema(await pgDatabase(), 'split');
  const url = await redisUrl();
  const prefix = uniquePrefix('conformance-split');
  const store = new SplitStore({
    durable: await PostgresStore.connect({ connectionString: schema.url }),
    ephemeral: await RedisStore.connect({ url, prefix }),
  });
  return { store, cleanup: async () => { await schema.drop(); await dropPrefix(url, prefix); } };
});

storeConformance('sqlite :memory:', async () => ({ store: new SqliteStore({ path: ':memory:' }) }));

const FACTOR: StoredFactor = {
  id: 'f1', sub: 'alice', type: 'totp', label: 'Phone', secretEnc: 'enc:secret', algorithm: 'SHA256',
  digits: 8, period: 60, confirmed: false, createdAt: 1_700_000_000_000, lastUsedAt: null, lastStep: -1,
};

describe('SqliteStore (file-specific)', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  function openStore(): SqliteStore {
    const s = new SqliteStore({ path: file });
    open.push(s);
    return s;
  }
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'mfa.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data across close and reopen of the same file', async () => {
    const a = openStore();
    await a.insertFactor(FACTOR);
    await a.advanceLastStep('alice', 'f1', 5, 1_700_000_000_500);
    await a.replaceRecoveryCodes('alice', ['h1', 'h2']);
    await a.recordFailure('alice', 'f1', 1_700_000_000_000, { maxFailures: 5, baseLockMs: 1_000 });
    const key = { kid: 'k1', alg: 'ES256', publicJwk: '{}', privateJwkEnc: 'enc', createdAt: 1 };
    await a.getOrInsertSigningKey(key);
    await a.appendAuditEvent({
      id: 'e1', at: '2026-01-01T00:00:00.000Z', type: 't', sub: 'alice', severity: 'info', status: 'success',
      metadata: { n: 1 },
    });
    await a.close();

    const b = openStore();
    assert.deepEqual(await b.getFactor('alice', 'f1'), { ...FACTOR, lastStep: 5, lastUsedAt: 1_700_000_000_500 });
    assert.equal(await b.advanceLastStep('alice', 'f1', 5, 0), false, 'replay rule survives a restart');
    assert.equal(await b.countRecoveryCodes('alice'), 2);
    assert.equal((await b.getFailureState('alice', 'f1')).failures, 1);
    assert.deepEqual(await b.getOrInsertSigningKey({ ...key, kid: 'k2' }), key);
    assert.deepEqual((await b.listAuditEvents('alice', 5))[0]?.metadata, { n: 1 });
  });

  it('runs in WAL mode with schema version 7', async () => {
    openStore();
    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 7);
    } finally {
      raw.close();
    }
  });

  it('refuses a database with a newer schema version', () => {
    const raw = new Database(file);
    raw.pragma('user_version = 8');
    raw.close();
    assert.throws(() => new SqliteStore({ path: file }), /newer/);
  });

  it('upgrades a version 1 database (no challenge state) in place, keeping its rows', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE challenges (id TEXT PRIMARY KEY, sub TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
      factor_id TEXT NOT NULL, step_guid TEXT NOT NULL, reason TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
    raw.prepare("INSERT INTO challenges VALUES ('old', 'alice', 'r', 'a', 'f1', 'g', NULL, 1, 9999999999999)").run();
    raw.pragma('user_version = 1');
    raw.close();
    const store = openStore();
    assert.equal((await store.getChallenge('old'))?.factorId, 'f1');
    assert.equal(await store.updateChallenge({ ...(await store.getChallenge('old'))!, state: '{}' }, undefined), true);
    assert.equal((await store.getChallenge('old'))?.state, '{}');
  });

  it('upgrades a version 2 database (no answers in flight) in place, keeping failures and locks', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE failures (sub TEXT NOT NULL, key TEXT NOT NULL, failures INTEGER NOT NULL,
      locked_until INTEGER NOT NULL, lock_count INTEGER NOT NULL, PRIMARY KEY (sub, key))`);
    raw.prepare("INSERT INTO failures VALUES ('alice', 'f1', 0, 5000, 1)").run();
    raw.pragma('user_version = 2');
    raw.close();
    const store = openStore();
    assert.deepEqual(await store.getFailureState('alice', 'f1'), { failures: 0, lockedUntil: 5000, lockCount: 1 });
    assert.deepEqual(await store.beginAttempt('alice', 'f1', 1000, { maxFailures: 3, baseLockMs: 1000 }), { ok: false, reason: 'locked', retryAt: 5000 });
    assert.deepEqual(await store.beginAttempt('alice', 'f1', 5000, { maxFailures: 3, baseLockMs: 1000 }), { ok: true });
  });

  it('upgrades a version 3 database (one signing key, no rotation) in place, keeping the key', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
      private_jwk_enc TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    raw.prepare("INSERT INTO signing_keys VALUES ('k1', 'EdDSA', '{}', 'enc', 5)").run();
    raw.pragma('user_version = 3');
    raw.close();
    const store = openStore();
    const k1 = { kid: 'k1', alg: 'EdDSA', publicJwk: '{}', privateJwkEnc: 'enc', createdAt: 5 };
    assert.deepEqual(await store.listSigningKeys(), [k1]);
    await store.insertSigningKey({ ...k1, kid: 'k2', createdAt: 6, activateAt: 100 });
    assert.equal(await store.retireSigningKey('k1', 400), true);
    assert.deepEqual(await store.listSigningKeys(), [{ ...k1, retireAt: 400 }, { ...k1, kid: 'k2', createdAt: 6, activateAt: 100 }]);
  });

  it('upgrades a version 4 database (no bound transactions) in place, keeping its challenges', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE challenges (id TEXT PRIMARY KEY, sub TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
      factor_id TEXT NOT NULL, step_guid TEXT NOT NULL, reason TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT)`);
    raw.prepare("INSERT INTO challenges VALUES ('old', 'alice', 'r', 'a', 'f1', 'g', NULL, 1, 9999999999999, '{}')").run();
    raw.pragma('user_version = 4');
    raw.close();
    const store = openStore();
    assert.deepEqual(await store.getChallenge('old'), { id: 'old', sub: 'alice', resource: 'r', action: 'a', factorId: 'f1', stepGuid: 'g', createdAt: 1, expiresAt: 9999999999999, state: '{}' });
    const bound = { id: 'new', sub: 'alice', resource: 'r', action: 'a', factorId: '', stepGuid: 'g', createdAt: 1, expiresAt: 9999999999999, details: { amount: '$1' }, binding: 'b'.repeat(43) };
    await store.insertChallenge(bound);
    assert.deepEqual(await store.getChallenge('new'), bound);
  });

  it('upgrades a version 5 database: every sweep finds its rows through an index, none scans its table', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE session_revocations (sub TEXT NOT NULL, session TEXT NOT NULL, revoked_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL, PRIMARY KEY (sub, session))`);
    raw.prepare("INSERT INTO session_revocations VALUES ('alice', 's1', 5, 9999999999999)").run();
    raw.pragma('user_version = 5');
    raw.close();
    const store = openStore();
    assert.equal(await store.sessionRevokedAt('alice', 's1', 10), 5);
    await store.close();
    const check = new Database(file, { readonly: true });
    try {
      for (const [table, column] of [['session_revocations', 'expires_at'], ['rate_limits', 'reset_at'], ['used_tokens', 'expires_at'], ['challenges', 'expires_at']]) {
        const plan = check.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM ${table} WHERE ${column} <= ? LIMIT 100`).all(1) as { detail: string }[];
        assert.match(plan.map((r) => r.detail).join('; '), /USING (COVERING INDEX|INDEX|PRIMARY KEY) .*\(\w+<\?\)/, `${table}: ${JSON.stringify(plan)}`);
      }
    } finally {
      check.close();
    }
  });

  it('upgrades a version 6 database: its keyed tables become WITHOUT ROWID, every row and rule kept', async () => {
    const raw = new Database(file);
    // The six tables as version 6 created them (rowid tables with a separate key index).
    raw.exec(`
      CREATE TABLE failures (sub TEXT NOT NULL, key TEXT NOT NULL, failures INTEGER NOT NULL, locked_until INTEGER NOT NULL,
        lock_count INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0, pending_until INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sub, key));
      CREATE TABLE session_revocations (sub TEXT NOT NULL, session TEXT NOT NULL, revoked_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (sub, session));
      CREATE INDEX session_revocations_expires ON session_revocations (expires_at);
      CREATE TABLE recovery_codes (sub TEXT NOT NULL, hash TEXT NOT NULL, used_at INTEGER, PRIMARY KEY (sub, hash));
      CREATE TABLE freshness (sub TEXT NOT NULL, session TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
        auth_time INTEGER NOT NULL, acr TEXT NOT NULL, amr TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (sub, session, resource, action));
      CREATE TABLE rate_limits (key TEXT NOT NULL, reset_at INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, reset_at));
      CREATE INDEX rate_limits_reset ON rate_limits (reset_at);
      CREATE TABLE used_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE INDEX used_tokens_expires ON used_tokens (expires_at);
      INSERT INTO failures VALUES ('alice', 'f1', 2, 0, 1, 0, 0);
      INSERT INTO session_revocations VALUES ('alice', 's1', 5, 9999999999999);
      INSERT INTO recovery_codes VALUES ('alice', 'h1', NULL), ('alice', 'h2', NULL), ('alice', 'h3', 7);
      INSERT INTO freshness VALUES ('alice', 's1', 'payments', 'transfer', 100, 'mfa', '["otp"]', 9999999999999);
      INSERT INTO rate_limits VALUES ('challenge-user:alice', 600000, 4);
      INSERT INTO used_tokens VALUES ('jti-1', 9999999999999);
    `);
    raw.pragma('user_version = 6');
    raw.close();
    const store = openStore();
    assert.deepEqual(await store.getFailureState('alice', 'f1'), { failures: 2, lockedUntil: 0, lockCount: 1 });
    assert.equal(await store.sessionRevokedAt('alice', 's1', 10), 5);
    assert.equal(await store.countRecoveryCodes('alice'), 2);
    assert.equal(await store.consumeRecoveryCode('alice', 'h3', 8), false, 'a used code stays used');
    assert.equal(await store.consumeRecoveryCode('alice', 'h1', 8), true);
    assert.deepEqual(await store.listFreshness('alice', 's1', 1000), [{ resource: 'payments', action: 'transfer', authTime: 100, acr: 'mfa', amr: ['otp'] }]);
    assert.deepEqual(await store.hitRateLimit('challenge-user:alice', 600_000, 1000), { count: 5, resetAt: 600_000 });
    assert.equal(await store.useTokenOnce('jti-1', 9999999999999, 1000), false, 'a spent token stays spent');
    await store.close();
    const check = new Database(file, { readonly: true });
    try {
      const tables = check.prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main'").all() as { name: string; wr: number }[];
      for (const table of ['failures', 'session_revocations', 'recovery_codes', 'freshness', 'rate_limits', 'used_tokens']) {
        assert.equal(tables.find((t) => t.name === table)?.wr, 1, `${table} is WITHOUT ROWID`);
      }
      assert.deepEqual(tables.filter((t) => t.name.endsWith('_rowid')), [], 'nothing left aside');
      const indexes = check.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all();
      // rate_limits sweeps through its own key (reset_at first): no index of its own any more.
      assert.deepEqual(indexes.filter((i) => ['session_revocations', 'rate_limits', 'used_tokens'].includes((i as { tbl_name: string }).tbl_name)), [
        { name: 'session_revocations_expires', tbl_name: 'session_revocations' },
        { name: 'used_tokens_expires', tbl_name: 'used_tokens' },
      ]);
    } finally {
      check.close();
    }
  });

  it('enforces the atomic rules across two instances sharing one file', async () => {
    const a = openStore();
    const b = openStore();
    await a.insertFactor(FACTOR);
    await a.replaceRecoveryCodes('alice', ['h1']);
    const steps = await Promise.all([a.advanceLastStep('alice', 'f1', 9, 1), b.advanceLastStep('alice', 'f1', 9, 2)]);
    assert.equal(steps.filter(Boolean).length, 1);
    const codes = await Promise.all([a.consumeRecoveryCode('alice', 'h1', 1), b.consumeRecoveryCode('alice', 'h1', 2)]);
    assert.equal(codes.filter(Boolean).length, 1);
    const policy = { maxFailures: 100, baseLockMs: 1_000 };
    await Promise.all([a.recordFailure('alice', 'f1', 1, policy), b.recordFailure('alice', 'f1', 1, policy)]);
    assert.equal((await a.getFailureState('alice', 'f1')).failures, 2);
    const k1 = { kid: 'k1', alg: 'ES256', publicJwk: '{}', privateJwkEnc: 'enc', createdAt: 5 };
    const k2 = { ...k1, kid: 'k2', createdAt: 1 };
    assert.deepEqual(await a.getOrInsertSigningKey(k1), k1);
    assert.deepEqual(await b.getOrInsertSigningKey(k2), k1);
    // Count before the check: of 40 answers reserved at once through both instances, exactly as
    // many as the policy allows get through, and each one settled as a failure counts.
    const tight = { maxFailures: 3, baseLockMs: 60_000 };
    const grants = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).beginAttempt('alice', 'f2', 10, tight)));
    assert.equal(grants.filter((g) => g.ok).length, 3);
    for (const s of [a, b, a]) await s.settleAttempt('alice', 'f2', 11, tight, 'failure');
    assert.deepEqual(await b.getFailureState('alice', 'f2'), { failures: 0, lockedUntil: 11 + 60_000, lockCount: 1 }, 'the third failure locks');
    assert.equal((await a.beginAttempt('alice', 'f2', 12, tight)).ok, false);
    // Rate-limit hits through both instances at once count as one counter: 1 … 40, each once.
    const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hitRateLimit('challenge-user:alice', 600_000, 1_000)));
    assert.deepEqual(hits.map((h) => h.count).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('every write joins the write group, a write that returns rows too: nothing is committed before flush, all of it at once', async () => {
    const store = openStore();
    const check = new Database(file, { readonly: true });
    try {
      const rows = () => (check.prepare('SELECT count(*) AS n FROM rate_limits').get() as { n: number }).n;
      // The rate-limit hit is an INSERT … RETURNING: the statement returns its row's count.
      assert.deepEqual(await store.hitRateLimit('challenge-user:alice', 600_000, 1_000), { count: 1, resetAt: 600_000 });
      await store.appendAuditEvent({ id: 'e1', at: '2026-01-01T00:00:00.000Z', type: 't', sub: 'alice', severity: 'info', status: 'success' });
      assert.equal(rows(), 0, 'the hit waits for the group commit');
      await store.flush();
      assert.equal(rows(), 1);
      assert.equal((check.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n, 1);
    } finally {
      check.close();
    }
  });

  it('forgets finished rate-limit windows as new ones open: the table holds the live windows, not every window ever', async () => {
    const store = openStore();
    const W = 600_000;
    for (let i = 0; i < 300; i++) await store.hitRateLimit(`challenge-user:u${i}`, W, 1_000);
    for (let i = 0; i < 300; i++) await store.hitRateLimit(`challenge-user:v${i}`, W, W + 1_000);
    await store.flush();
    const check = new Database(file, { readonly: true });
    try {
      const rows = check.prepare('SELECT reset_at, count(*) AS n FROM rate_limits GROUP BY reset_at').all();
      assert.deepEqual(rows, [{ reset_at: 2 * W, n: 300 }], 'the first window is gone once it has finished');
    } finally {
      check.close();
    }
  });
});

describe('PostgresStore (Postgres-specific)', () => {
  it('preparedStatements: each statement is prepared once on a connection and reused; off by default', async () => {
    const schema = await createSchema(await pgDatabase(), 'prepared');
    const prepared = async (preparedStatements: boolean) => {
      // One connection, so the session-scoped view below sees what the store's statements did.
      const pool = new pg.Pool({ connectionString: schema.url, max: 1 });
      const store = await PostgresStore.connect({ pool, preparedStatements });
      try {
        for (let i = 0; i < 3; i++) await store.getFactor('alice', 'f1');
        const { rows } = await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'mfa_stmt_%'");
        return rows.length;
      } finally {
        await store.close();
        await pool.end();
      }
    };
    try {
      assert.equal(await prepared(true), 1, 'three calls, one statement prepared');
      assert.equal(await prepared(false), 0);
    } finally {
      await schema.drop();
    }
  });

  it('a key containing NUL (which Postgres text cannot hold) finds nothing, like every other store, instead of failing', async () => {
    const schema = await createSchema(await pgDatabase(), 'nul');
    const store = await PostgresStore.connect({ connectionString: schema.url });
    try {
      await store.insertFactor({ ...FACTOR, confirmed: true });
      assert.equal(await store.getFactor('alice', 'f1\u0000'), null);
      assert.equal(await store.getChallenge('c\u0000'), null);
      assert.equal(await store.deleteChallenge('c\u0000'), false);
      assert.equal(await store.deleteFactor('alice', 'f1\u0000'), false);
      assert.equal(await store.advanceLastStep('alice', 'f1\u0000', 9, 1), false);
      assert.equal(await store.consumeRecoveryCode('alice\u0000', 'h', 1), false);
      assert.deepEqual(await store.listFactors('alice\u0000'), []);
    } finally {
      await store.close();
      await schema.drop();
    }
  });
});
