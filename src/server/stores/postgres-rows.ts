/**
 * What only Postgres needs for its rows (postgres-store.ts): BIGINT columns arrive as numbers (the
 * pool's type parser below). The row → record mappers are shared with SQLite (sql-rows.ts).
 */
import type pg from 'pg';
import type { SigningKeyRecord } from './store.js';

export { toAuditEvent, toChallenge, toFactor, toFailure, toSigningKey, challengeColumns, type Row } from './sql-rows.js';

// BIGINT (int8) comes back as a string by default; every BIGINT here is an epoch-ms time or a
// counter within Number.MAX_SAFE_INTEGER. Per pool, so the app's own pg usage is untouched.
const INT8 = 20;
export const typesOf = (driver: typeof pg) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
});

/** The insert parameters of a signing key, in the column order kid … retire_at. */
export function keyParams(k: SigningKeyRecord): unknown[] {
  return [k.kid, k.alg, k.publicJwk, k.privateJwkEnc, k.createdAt, k.activateAt ?? null, k.retireAt ?? null];
}
