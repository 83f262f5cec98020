import { PostgresStore } from './postgres-store.js';
import { RedisStore } from './redis-store.js';
import { SplitStore } from './split-store.js';
import type { MfaStore } from './store.js';

export interface ConnectStoreOptions {
  /** `postgres://…` / `postgresql://…` or `redis://…` / `rediss://…` (e.g. the `MFA_STORE` variable). */
  url: string;
  /**
   * `redis://…` / `rediss://…` (e.g. `MFA_EPHEMERAL_STORE`): with a Postgres `url`, challenges,
   * counters, locks, freshness, revocations and one-time-token marks move there (SplitStore).
   */
  ephemeralUrl?: string;
  /** Redis key prefix (default `mfa:`). */
  redisPrefix?: string;
  /** Postgres: named prepared statements (PostgresStoreOptions `preparedStatements`, default false). */
  preparedStatements?: boolean;
}

const isPostgres = (u: string) => /^postgres(ql)?:\/\//i.test(u);
const isRedis = (u: string) => /^rediss?:\/\//i.test(u);
/** The URL's scheme only: never echo a password into a log line. */
const scheme = (u: string) => JSON.stringify(`${u.split(':')[0]}:`);

/**
 * Opens the store a deployment names by URL: Postgres (migrated before this resolves), Redis, or
 * Postgres with an ephemeral Redis beside it. A URL of another kind is refused with one clear line.
 */
export async function connectStore(options: ConnectStoreOptions): Promise<MfaStore> {
  const { url, ephemeralUrl, redisPrefix, preparedStatements } = options;
  if (ephemeralUrl !== undefined && ephemeralUrl !== '') {
    if (!isPostgres(url)) throw new Error(`MFA_EPHEMERAL_STORE needs MFA_STORE=postgres://… (got ${scheme(url)})`);
    if (!isRedis(ephemeralUrl)) throw new Error(`MFA_EPHEMERAL_STORE must be redis://… or rediss://… (got ${scheme(ephemeralUrl)})`);
    const durable = await PostgresStore.connect({ connectionString: url, preparedStatements });
    try {
      return new SplitStore({ durable, ephemeral: await RedisStore.connect({ url: ephemeralUrl, prefix: redisPrefix }) });
    } catch (err) {
      await durable.close();
      throw err;
    }
  }
  if (isPostgres(url)) return PostgresStore.connect({ connectionString: url, preparedStatements });
  if (isRedis(url)) return RedisStore.connect({ url, prefix: redisPrefix });
  throw new Error(`MFA_STORE must be postgres://…, redis://… or rediss://… (got ${scheme(url)})`);
}
