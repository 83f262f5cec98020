/**
 * The Postgres store's schema migrations (postgres-schema.ts): applied at start, in one
 * transaction, once — even when ten instances start together against an empty database — and an
 * older release refuses a database a newer one has migrated.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/server/stores/postgres-store.js';
import { MIGRATIONS } from '../../src/server/stores/postgres-schema.js';
import { call, codeAt, currentStep, startInstance, type Instance } from '../helpers/instance-server.js';
import { createDatabase, type TestDatabase } from '../helpers/postgres-server.js';

const dbs: TestDatabase[] = [];
const instances: Instance[] = [];
after(async () => {
  await Promise.all(instances.map((i) => i.kill()));
  for (const db of dbs) await db.drop();
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;

describe('Postgres schema migrations', { timeout: 180_000 }, () => {
  it('ten instances starting at once against an empty database migrate it once, and all serve', async () => {
    const db = await createDatabase('migrate10');
    dbs.push(db);
    const env = { MFA_STORE_KIND: 'postgres', MFA_STORE: db.url, MFA_KEY_HEX: randomBytes(32).toString('hex') };
    const started = await Promise.allSettled(Array.from({ length: 10 }, () => startInstance(env, 120_000)));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    assert.deepEqual(started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason)), [], 'every instance started');
    for (const i of instances) assert.doesNotMatch(i.output(), /error/i, `no errors: ${i.output()}`);

    const rows = await query<{ version: number }>(db.url, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version), 'each migration recorded once');

    // They share one database: a factor enrolled on one and confirmed on another is listed on every one.
    const sub = `m-${randomBytes(4).toString('hex')}`;
    const e = await call(instances[0]!.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
    assert.equal(e.status, 201);
    const c = await call(instances[9]!.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, currentStep()) } });
    assert.equal(c.status, 200);
    for (const i of instances) {
      const list = await call(i.url, 'GET', '/mfa/factors', { user: sub });
      assert.equal(list.status, 200);
      assert.equal(list.body.factors.length, 1);
    }
    // And one signing key, chosen once.
    const jwks = await Promise.all(instances.map((i) => call(i.url, 'GET', '/mfa/jwks.json')));
    assert.equal(new Set(jwks.map((j) => JSON.stringify(j.body))).size, 1);
    assert.equal(jwks[0]!.body.keys.length, 1);
  });

  it('starting again applies nothing; a database migrated by a newer release is refused', async () => {
    const db = await createDatabase('migrate_newer');
    dbs.push(db);
    await (await PostgresStore.connect({ connectionString: db.url })).close();
    await (await PostgresStore.connect({ connectionString: db.url })).close();
    assert.equal((await query(db.url, 'SELECT * FROM schema_migrations')).length, MIGRATIONS.length);
    await query(db.url, `INSERT INTO schema_migrations (version) VALUES (${latest + 1})`);
    await assert.rejects(PostgresStore.connect({ connectionString: db.url }), new RegExp(`schema version ${latest + 1} is newer than supported \\(${latest}\\)`));
  });

  it('a database of the release before key rotation is upgraded in place: its signing key stays, and rotates', async () => {
    const db = await createDatabase('migrate_v1');
    dbs.push(db);
    // As the previous release left it: migration 1 only, with its first signing key.
    const v1 = MIGRATIONS.find((m) => m.version === 1)!;
    await query(db.url, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
      ${v1.sql}; INSERT INTO schema_migrations (version) VALUES (1);
      INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at) VALUES ('old', 'EdDSA', '{}', 'sealed', 1000)`);
    const store = await PostgresStore.connect({ connectionString: db.url });
    try {
      const old = { kid: 'old', alg: 'EdDSA', publicJwk: '{}', privateJwkEnc: 'sealed', createdAt: 1000 };
      assert.deepEqual(await store.listSigningKeys(), [old], 'no activateAt/retireAt on the old key');
      await store.insertSigningKey({ ...old, kid: 'new', createdAt: 2000, activateAt: 5000 });
      assert.equal(await store.retireSigningKey('old', 9000), true);
      assert.deepEqual((await store.listSigningKeys()).map((k) => [k.kid, k.activateAt, k.retireAt]), [['old', undefined, 9000], ['new', 5000, undefined]]);
      assert.deepEqual(await store.getOrInsertSigningKey({ ...old, kid: 'other' }), { ...old, retireAt: 9000 });
    } finally {
      await store.close();
    }
    assert.deepEqual((await query<{ version: number }>(db.url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version),
      MIGRATIONS.map((m) => m.version));
  });

  it('a failed start leaves no half-applied schema (one transaction)', async () => {
    const db = await createDatabase('migrate_atomic');
    dbs.push(db);
    // A table in the way makes migration 1 fail part-way: nothing of it may stay behind.
    await query(db.url, 'CREATE TABLE audit_events (x INTEGER)');
    await assert.rejects(PostgresStore.connect({ connectionString: db.url }), /audit_events/);
    const tables = await query<{ tablename: string }>(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    assert.deepEqual(tables.map((t) => t.tablename), ['audit_events']);
  });
});
