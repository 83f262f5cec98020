/**
 * The Postgres store's connection pool and how it runs a statement or a transaction. Fail
 * closed: connecting gives up after `connectTimeoutMs` and every query after `queryTimeoutMs`, so
 * an outage makes calls throw promptly (→ 503) instead of hanging; the pool opens new connections
 * by itself once Postgres is back.
 */
import type pg from 'pg';
import { requirePeer } from '../peers.js';
import { typesOf, type Row } from './postgres-rows.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db` (default: `PG_URL`, then libpq's PG* variables). */
  connectionString?: string;
  /** An already configured pool (then the other connection options are ignored; the store does not own it). */
  pool?: pg.Pool;
  /** Connections per instance (default 10). */
  max?: number;
  /** Give up opening a connection after this many ms (default 2000). */
  connectTimeoutMs?: number;
  /**
   * Give up waiting for a free pooled connection after this many ms (default 10000): under a
   * burst requests queue for the pool; this only bounds the queue, a dead server fails at once.
   */
  acquireTimeoutMs?: number;
  /** Give up on a query after this many ms, client side (default 5000). */
  queryTimeoutMs?: number;
  /**
   * Also ask the server to cancel statements after `queryTimeoutMs` (a `statement_timeout`
   * startup parameter; default true). PgBouncer refuses unknown startup parameters: set false
   * there (or list it in `ignore_startup_parameters`).
   */
  statementTimeout?: boolean;
  /**
   * Send each statement as a named prepared statement (default false): Postgres parses and plans
   * it once per connection instead of on every call, ≈ 10–20 % more verifications per second on
   * the benchmark machine (docs/performance.md "Postgres round trips"). Direct connections and
   * PgBouncer ≥ 1.21 with `max_prepared_statements` set support it; PgBouncer in transaction mode
   * without that setting does not (a statement prepared on one server connection is missing on
   * the next), and instances of an older release fail their prepared `SELECT *` once a newer one
   * has added a column: hence off by default (docs/operating.md "Postgres").
   */
  preparedStatements?: boolean;
}

/** A connection or the pool: whatever runs a query. */
export type Q = Pick<pg.PoolClient, 'query'>;

/** The pool `options` describe (the store owns it and ends it on close). */
export function createPool(options: PostgresStoreOptions): pg.Pool {
  const timeout = options.queryTimeoutMs ?? 5_000;
  const connectMs = options.connectTimeoutMs ?? 2_000;
  const driver = requirePeer<typeof pg>('pg', 'PostgresStore'); // loaded on first use: docs/packaging.md
  // pg-pool uses one setting both to open a connection and to wait in its queue: the client
  // gets the short connect timeout, the pool the longer queue bound.
  class Client extends driver.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectMs });
    }
  }
  const pool = new driver.Pool({
    connectionString: options.connectionString ?? process.env.PG_URL,
    max: options.max ?? 10,
    Client,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 10_000,
    query_timeout: timeout,
    ...(options.statementTimeout !== false && { statement_timeout: timeout }),
    types: typesOf(driver),
  });
  return pool;
}

/**
 * One statement on a pooled connection. Postgres text cannot hold U+0000, so no stored key
 * contains it: a lookup or compare-and-set keyed by such a string (an id from a URL) finds
 * nothing, as on every other store, instead of failing as an outage would.
 */
export function query(pool: pg.Pool, sql: string, params: unknown[] = [], prepared = false): Promise<pg.QueryResult<Row>> {
  if (/^\s*(SELECT|UPDATE|DELETE) /.test(sql) && !sql.includes('mfa_') && params.some((p) => typeof p === 'string' && p.includes('\u0000'))) {
    return Promise.resolve({ rows: [], rowCount: 0 } as unknown as pg.QueryResult<Row>);
  }
  return prepared ? pool.query({ name: statementName(sql), text: sql, values: params }) : pool.query(sql, params);
}

/** One name per statement text, the same on every connection (node-postgres prepares it on each the first time). */
const names = new Map<string, string>();
const statementName = (sql: string): string => {
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `mfa_stmt_${names.size + 1}`));
  return name;
};

/** One transaction on one connection; a failed one is rolled back and its connection discarded. */
export async function transaction<T>(pool: pg.Pool, fn: (c: Q) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
