// The reference server as the server and growth benchmarks run it: the built package's public
// entry (dist/server/index.js, i.e. `mfa-elements/server`), a real store (SQLite file in a temp
// folder, or Redis), a clock the benchmark moves, users who enrolled a TOTP factor through the
// HTTP protocol (in process), and codes computed the way an authenticator app computes them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { totpCodeAt } from '../../test/helpers/otp.mjs';
import { ROOT } from './common.mjs';
import { createDatabase, pgQuery } from './postgres.mjs';
import { deletePrefix, loadRedisStore, redisUsedMemory } from './redis.mjs';

/** The public server entry (`mfa-elements/server` as built): the benchmarks use nothing else of dist/server. */
export const serverApi = () => import(pathToFileURL(join(ROOT, 'dist/server/index.js')).href);

export const STEP_MS = 30_000;
export const stepOf = (ms) => Math.floor(ms / STEP_MS);
export const SECRET_BYTES = 20;

/** What an authenticator app shows for `step` (SHA1, 6 digits): the tests' one OTP oracle, independent of the server. */
export const codeFor = (secret, step) => totpCodeAt(secret, step);

/**
 * Opens a store: `{ kind, store, sizeBytes(), close() }`. SQLite lives in a fresh temp folder;
 * Redis under a fresh key prefix on `redis.url`; Postgres in a fresh database on `pg.adminUrl`
 * (kind `postgres+redis`: with the ephemeral half in Redis, through the public SplitStore).
 */
export async function openStore(kind, { redis, pg, db = 0 } = {}) {
  if (kind === 'postgres' || kind === 'postgres+redis') {
    const { PostgresStore, RedisStore, SplitStore } = await serverApi();
    const database = await createDatabase(pg.adminUrl, kind === 'postgres' ? 'pg' : 'split');
    const durable = await PostgresStore.connect({ connectionString: database.url });
    const prefix = `mfa-bench-${process.pid}-${Date.now()}:`;
    const redisDb = redis && new URL(redis.url);
    if (redisDb) redisDb.pathname = `/${db}`;
    const ephemeral = () => RedisStore.connect({ url: redisDb.href, prefix });
    const store = kind === 'postgres' ? durable
      : new SplitStore({ durable, ephemeral: await ephemeral() });
    const pgBytes = async () => Number((await pgQuery(database.url, 'SELECT pg_database_size(current_database()) AS n'))[0].n);
    return {
      kind,
      label: `PostgreSQL ${pg.version} (PostgresStore${kind === 'postgres' ? '' : ` + Redis ${redis.version} for ephemeral data, SplitStore`}; ${pg.owned ? 'cluster started by the benchmark' : 'PG_URL'})`,
      store,
      /**
       * Waits (at most `maxMs`) until no autovacuum worker runs on this database: after a bulk
       * seed Postgres vacuums and analyzes the new tables once, a one-off a store that grew over
       * months does not see while it serves.
       */
      async settle(maxMs = 120_000) {
        const until = Date.now() + maxMs;
        let quiet = 0;
        while (Date.now() < until && quiet < 3) {
          const [{ n }] = await pgQuery(database.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = current_database()");
          quiet = n === 0 ? quiet + 1 : 0;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      },
      /** The database's size on disk (+ Redis `used_memory` for the split store). */
      sizeBytes: async () => (await pgBytes()) + (kind === 'postgres' ? 0 : await redisUsedMemory(redis.url)),
      async close() {
        await store.close();
        await database.drop();
        if (kind !== 'postgres' && !redis.owned) await deletePrefix(redisDb.href, prefix);
      },
    };
  }
  if (kind === 'sqlite') {
    const { SqliteStore } = await serverApi();
    const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-sqlite-'));
    const path = join(dir, 'mfa.db');
    const store = new SqliteStore({ path });
    const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
    return {
      kind,
      label: 'SQLite (better-sqlite3, WAL, file in a temp folder)',
      store,
      /**
       * The database's size as its latest commit sees it (page count × page size, WAL included):
       * what the file holds once checkpointed. Not the files' sizes: a checkpoint that the store's
       * checkpoint worker is running at that moment leaves the WAL behind, and up to 64 MiB of it
       * would count (one run reported 23.9 MiB per 10,000 users for a store of 16.9).
       */
      async sizeBytes() {
        const db = new Database(path, { readonly: true });
        try {
          return db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true });
        } finally {
          db.close();
        }
      },
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (kind === 'redis') {
    const RedisStore = await loadRedisStore();
    const prefix = `mfa-bench-${process.pid}-${Date.now()}:`;
    const url = new URL(redis.url);
    url.pathname = `/${db}`; // logical database: its own keyspace
    const store = await RedisStore.connect({ url: url.href, prefix });
    return {
      kind,
      label: `Redis ${redis.version} (RedisStore, ${redis.owned ? 'redis-server started by the benchmark' : 'REDIS_URL'})`,
      store,
      /** `used_memory` of the whole Redis server (compare deltas). */
      sizeBytes: () => redisUsedMemory(redis.url),
      async close() {
        await store.close();
        if (!redis.owned) await deletePrefix(url.href, prefix);
      },
    };
  }
  throw new Error(`unknown store ${kind}`);
}

/**
 * The reference server on `store`, with the app session hook a benchmark needs: the user named in
 * the `x-bench-user` header. `clock.now` is read on every call, so the benchmark moves time.
 *
 * Rate limits stay on (their store writes are part of every figure). The whole load comes from
 * 127.0.0.1, where one real client would soon hit the per-IP limit; so each simulated user has
 * its own client address (`clientOf`), passed in `x-bench-client` and read by the server's
 * `clientIp` option — as a proxy's vouched-for address would be.
 */
export async function createBenchServer(store, clock) {
  const { createMfaServer } = await serverApi();
  return createMfaServer({
    store,
    encryptionKey: Buffer.alloc(32, 0x5a),
    now: () => clock.now,
    authenticate: (request) => {
      const sub = request.headers.get('x-bench-user');
      return sub ? { sub, sessionId: `bench-${sub}` } : null;
    },
    clientIp: (request) => request.headers.get('x-bench-client') ?? undefined,
  });
}

/** The client address of simulated user `i` (a label for the rate limiter; no traffic goes there). */
export const clientOf = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

/** A POST to the mounted MFA app, in process (`app.request`), as user `user-<i>` from its own client address. */
export function postAs(mfa, i, path, body, extraHeaders = {}) {
  return mfa.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-bench-user': `user-${i}`, 'x-bench-client': clientOf(i), ...extraHeaders },
    body: JSON.stringify(body),
  });
}

/** The Origin of in-process requests: `app.request` URLs are http://localhost/…, the server's own origin. */
export const ORIGIN = 'http://localhost';

async function expectStatus(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Enrolls users `first … first+count-1` (`user-<i>`) through the server's HTTP protocol, in
 * process: POST /factors {type:'totp'} (pending factor with a sealed secret) → POST
 * /factors/:id/confirm with the current code (code check, lockout bookkeeping, 10 hashed recovery
 * codes, the audit events), at `clock.now`. Each user's first factor, so no step-up is needed.
 * Their secrets go into `secrets` (20 bytes each, at offset 20·i). `concurrency` enrollments are
 * in flight at once (it matters for Redis).
 */
export async function enrollUsers(mfa, clock, { first, count, secrets, concurrency = 1, onProgress, progressEvery = 10_000 }) {
  const { base32Decode } = await serverApi();
  let next = first;
  const end = first + count;
  let done = 0;
  const worker = async () => {
    while (next < end) {
      const i = next++;
      const pending = await expectStatus(await postAs(mfa, i, '/factors', { type: 'totp' }), 201, `enroll user-${i}`);
      const secret = base32Decode(pending.secret);
      if (secret.length !== SECRET_BYTES) throw new Error(`unexpected secret length ${secret.length}`);
      secret.copy(secrets, i * SECRET_BYTES);
      const confirmed = await expectStatus(
        await postAs(mfa, i, `/factors/${pending.factorId}/confirm`, { code: codeFor(secret, stepOf(clock.now)) }),
        200, `confirm user-${i}`,
      );
      if (!Array.isArray(confirmed.recoveryCodes) || confirmed.recoveryCodes.length === 0) throw new Error(`confirm user-${i}: no recovery codes in ${JSON.stringify(confirmed)}`);
      if (++done % progressEvery === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export const secretOf = (secrets, i) => secrets.subarray(i * SECRET_BYTES, (i + 1) * SECRET_BYTES);
