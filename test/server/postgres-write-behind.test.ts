// The Postgres store writes audit events and freshness records in groups
// (src/server/stores/postgres-write-behind.ts). What a user of the store observes: records
// written together in one statement, in order, read back by the instance that wrote them, never
// lost to a failed group and never retried forever when Postgres refuses one.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from '../../src/server/stores/postgres-store.js';
import { typesOf } from '../../src/server/stores/postgres-rows.js';
import type { AuditEvent, FreshnessRecord } from '../../src/server/stores/store.js';
import { createDatabase, createSchema, type TestDatabase } from '../helpers/postgres-server.js';

let db: Promise<TestDatabase> | undefined;
const database = () => (db ??= createDatabase('write-behind'));
after(async () => {
  if (db) await (await db).drop();
});

const isGroup = (sql: unknown) => typeof sql === 'string' && sql.startsWith('WITH audit AS');

/** A store on a fresh schema whose pool lets a test count, hold or fail the group writes. */
async function openStore(label: string) {
  const schema = await createSchema(await database(), label);
  const pool = new pg.Pool({ connectionString: schema.url, max: 4, types: typesOf(pg) });
  const send = pool.query.bind(pool) as (sql: string, params?: unknown[]) => Promise<unknown>;
  const hooks = {
    groups: 0,
    /** Groups answered or failed. */
    settled: 0,
    /** Called before a group is sent; may wait or throw. */
    before: async (_params: unknown[]) => {},
    /** Called after Postgres answered a group; may throw (the answer is lost). */
    afterAnswer: async () => {},
  };
  (pool as unknown as { query: typeof send }).query = async (sql: string, params?: unknown[]) => {
    if (!isGroup(sql)) return send(sql, params);
    hooks.groups++;
    try {
      await hooks.before(params ?? []);
      const result = await send(sql, params);
      await hooks.afterAnswer();
      return result;
    } finally {
      hooks.settled++;
    }
  };
  const store = await PostgresStore.connect({ pool });
  return {
    store,
    hooks,
    async close() {
      await store.close();
      await pool.end();
      await schema.drop();
    },
  };
}

/** Runs `fn` on a store of its own, closed (and its schema dropped) whatever happens. */
async function withStore(label: string, fn: (t: Awaited<ReturnType<typeof openStore>>) => Promise<void>): Promise<void> {
  const t = await openStore(label);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

let n = 0;
const event = (sub: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  id: `e-${++n}`, at: '2026-12-07T00:00:00.000Z', type: 'user.action', sub, severity: 'info', status: 'success', ...extra,
});
const fresh = (authTime: number): FreshnessRecord => ({ resource: 'payments', action: 'transfer', authTime, acr: 'mfa', amr: ['otp'] });
const FAR = 4_000_000_000_000;

describe('Postgres: audit events and freshness records written in groups', () => {
  it('what requests queue together is written in one statement, audit events in order', async () => {
    await withStore('group', async (t) => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const e = event('alice');
        ids.push(e.id);
        await t.store.appendAuditEvent(e);
      }
      for (let i = 0; i < 5; i++) await t.store.putFreshness('alice', `s${i}`, fresh(100 + i), FAR);
      await t.store.flush();
      assert.equal(t.hooks.groups, 1, 'one statement for 30 events and 5 freshness records');
      // Same `at`: the newest first is the reverse of the order they were recorded in.
      assert.deepEqual((await t.store.listAuditEvents('alice', 100)).map((e) => e.id), ids.reverse());
      assert.equal((await t.store.listFreshness('alice', 's4', 0))[0]?.authTime, 104);
    });
  });

  it('a newer freshness record is never overtaken by an older one still being written', async () => {
    await withStore('order', async (t) => {
      // The first group is held before it leaves; a second one is queued and flushed meanwhile.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const leaving = new Promise<void>((r) => (entered = r));
      let first = true;
      t.hooks.before = async () => {
        if (first) {
          first = false;
          entered();
          await held;
        }
      };
      await t.store.putFreshness('alice', 's', fresh(1), FAR);
      const older = t.store.flush();
      await leaving; // the first group is on its way
      await t.store.putFreshness('alice', 's', fresh(2), FAR);
      const newer = t.store.flush();
      setTimeout(release, 50);
      await Promise.all([older, newer]);
      assert.equal(t.hooks.groups, 2);
      assert.equal((await t.store.listFreshness('alice', 's', 0))[0]?.authTime, 2);
    });
  });

  it('an instance reads its own records at once, and a clear is not overtaken by a record queued before it', async () => {
    await withStore('read-own', async (t) => {
      const e = event('bob');
      await t.store.appendAuditEvent(e);
      assert.deepEqual((await t.store.listAuditEvents('bob', 10)).map((x) => x.id), [e.id]);
      await t.store.putFreshness('bob', 's', fresh(7), FAR);
      assert.equal((await t.store.listFreshness('bob', 's', 0))[0]?.authTime, 7);
      await t.store.putFreshness('bob', 's', fresh(8), FAR);
      await t.store.clearFreshness('bob', 's');
      await t.store.flush();
      assert.deepEqual(await t.store.listFreshness('bob', 's', 0), []);
    });
  });

  for (const { title, stage, error } of [
    { title: 'a group whose answer was lost is sent again by the next flush and stored exactly once', stage: 'afterAnswer', error: 'Connection terminated unexpectedly' },
    { title: 'a group that could not be sent stays queued: the flush fails, and the next one writes it', stage: 'before', error: 'connect ECONNREFUSED' },
  ] as const) {
    it(title, async () => {
      await withStore(stage, async (t) => {
        let fail = true;
        t.hooks[stage] = async () => {
          if (fail) {
            fail = false;
            throw new Error(error);
          }
        };
        const e = event('carol');
        await t.store.appendAuditEvent(e);
        await t.store.putFreshness('carol', 's', fresh(3), FAR);
        await assert.rejects(t.store.flush(), { message: error }, 'no answer leaves as a success');
        await t.store.flush();
        assert.deepEqual((await t.store.listAuditEvents('carol', 10)).map((x) => x.id), [e.id]);
        assert.equal((await t.store.listFreshness('carol', 's', 0))[0]?.authTime, 3);
      });
    });
  }

  it('a record Postgres refuses costs no other record of its group its place, and is not retried by later flushes', async () => {
    await withStore('refused', async (t) => {
      const good = event('dave');
      await t.store.appendAuditEvent(good);
      await t.store.putFreshness('dave', 's', fresh(1.5), FAR); // not an integer: Postgres refuses the bigint
      await t.store.putFreshness('dave', 't', fresh(9), FAR);
      await assert.rejects(t.store.flush(), 'the answer cannot promise the refused record');
      assert.deepEqual((await t.store.listAuditEvents('dave', 10)).map((x) => x.id), [good.id]);
      assert.equal((await t.store.listFreshness('dave', 't', 0))[0]?.authTime, 9);
      assert.deepEqual(await t.store.listFreshness('dave', 's', 0), []);
      const sent = t.hooks.groups;
      const later = event('dave');
      await t.store.appendAuditEvent(later);
      await t.store.flush();
      assert.equal(t.hooks.groups, sent + 1, 'the refused record was not sent again');
      // Refused while nobody was flushing (the write made at the next turn of the event loop):
      // the next flush still reports it, since its answer cannot promise that record.
      await t.store.putFreshness('dave', 's', fresh(2.5), FAR);
      const settled = t.hooks.settled;
      for (let i = 0; i < 1_000 && t.hooks.settled < settled + 2; i++) await new Promise((r) => setTimeout(r, 1));
      assert.equal(t.hooks.settled, settled + 2, 'the scheduled write was made (the group, then the record alone)');
      await assert.rejects(t.store.flush());
      await t.store.flush();
    });
  });

  it('a NUL in an app-supplied id does not fail the group it shares with other users', async () => {
    await withStore('nul', async (t) => {
      await t.store.appendAuditEvent(event('mal\u0000lory'));
      await t.store.putFreshness('mal\u0000lory', 's\u0000', fresh(1), FAR);
      const e = event('erin');
      await t.store.appendAuditEvent(e);
      await t.store.flush();
      assert.equal(t.hooks.groups, 1);
      assert.deepEqual((await t.store.listAuditEvents('erin', 10)).map((x) => x.id), [e.id]);
      assert.equal((await t.store.listAuditEvents('mal\uFFFDlory', 10)).length, 1);
      // A lookup with the NUL finds nothing (as every Postgres key lookup with one): a step-up is asked.
      assert.deepEqual(await t.store.listFreshness('mal\u0000lory', 's\u0000', 0), []);
    });
  });
});
