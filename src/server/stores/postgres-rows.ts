/** Postgres rows to the store's records (postgres-store.ts). BIGINT columns arrive as numbers (see the pool's type parser). */
import type pg from 'pg';
import type { AuditEvent, FailureState, SigningKeyRecord, StoredChallenge, StoredFactor, TotpAlgorithm } from './store.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row is whatever the SELECT names
export type Row = Record<string, any>;

// BIGINT (int8) comes back as a string by default; every BIGINT here is an epoch-ms time or a
// counter within Number.MAX_SAFE_INTEGER. Per pool, so the app's own pg usage is untouched.
const INT8 = 20;
export const typesOf = (driver: typeof pg) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
});

export function toFactor(r: Row): StoredFactor {
  return {
    id: r.id, sub: r.sub, type: r.type as StoredFactor['type'], label: r.label, secretEnc: r.secret_enc,
    algorithm: r.algorithm as TotpAlgorithm, digits: r.digits, period: r.period, confirmed: r.confirmed,
    createdAt: r.created_at, lastUsedAt: r.last_used_at, lastStep: r.last_step,
  };
}

export function toFailure(r: Row | undefined): FailureState {
  return { failures: r?.failures ?? 0, lockedUntil: r?.locked_until ?? 0, lockCount: r?.lock_count ?? 0 };
}

export function toChallenge(r: Row): StoredChallenge {
  const c: StoredChallenge = {
    id: r.id, sub: r.sub, resource: r.resource, action: r.action, factorId: r.factor_id,
    stepGuid: r.step_guid, createdAt: r.created_at, expiresAt: r.expires_at,
  };
  if (r.reason !== null) c.reason = r.reason;
  if (r.state !== null) c.state = r.state;
  return c;
}

export function toSigningKey(r: Row): SigningKeyRecord {
  const k: SigningKeyRecord = { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateJwkEnc: r.private_jwk_enc, createdAt: r.created_at };
  if (r.activate_at !== null && r.activate_at !== undefined) k.activateAt = r.activate_at;
  if (r.retire_at !== null && r.retire_at !== undefined) k.retireAt = r.retire_at;
  return k;
}

/** The insert parameters of a signing key, in the column order kid … retire_at. */
export function keyParams(k: SigningKeyRecord): unknown[] {
  return [k.kid, k.alg, k.publicJwk, k.privateJwkEnc, k.createdAt, k.activateAt ?? null, k.retireAt ?? null];
}

export function toAuditEvent(r: Row): AuditEvent {
  const e: AuditEvent = { id: r.id, at: r.at, type: r.type, sub: r.sub, severity: r.severity, status: r.status };
  // Absent optionals stay absent (not null), so every store returns the same shape.
  if (r.resource !== null) e.resource = r.resource;
  if (r.action !== null) e.action = r.action;
  if (r.factor !== null) e.factor = r.factor;
  if (r.metadata !== null) e.metadata = r.metadata as Record<string, unknown>;
  if (r.ip !== null) e.ip = r.ip;
  return e;
}
