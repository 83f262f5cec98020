/**
 * SQL rows → the store's records, shared by the SQLite and Postgres stores: both name their
 * columns alike (snake_case). What differs is how a driver spells a value, handled here once:
 * SQLite gives 0/1 for booleans and JSON as text, Postgres gives booleans and parsed JSON;
 * an absent optional is NULL in either (undefined when a Postgres SELECT leaves the column out).
 * Absent optionals stay absent (not null), so every store returns the same shape.
 */
import type { AttemptState } from './failure-math.js';
import type { AuditEvent, FailureState, SigningKeyRecord, StoredChallenge, StoredFactor, TotpAlgorithm } from './store.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row is whatever the SELECT names
export type Row = Record<string, any>;

const present = (v: unknown): boolean => v !== null && v !== undefined;
/** A JSON column: text in SQLite (and in Postgres TEXT columns), already parsed from Postgres JSON. */
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export function toFactor(r: Row): StoredFactor {
  return {
    id: r.id, sub: r.sub, type: r.type as StoredFactor['type'], label: r.label, secretEnc: r.secret_enc,
    algorithm: r.algorithm as TotpAlgorithm, digits: r.digits, period: r.period, confirmed: r.confirmed === true || r.confirmed === 1,
    createdAt: r.created_at, lastUsedAt: r.last_used_at ?? null, lastStep: r.last_step,
  };
}

export function toFailure(r: Row | undefined): FailureState {
  return { failures: r?.failures ?? 0, lockedUntil: r?.locked_until ?? 0, lockCount: r?.lock_count ?? 0 };
}

export function toAttempt(r: Row | undefined): AttemptState {
  return { ...toFailure(r), pending: r?.pending ?? 0, pendingUntil: r?.pending_until ?? 0 };
}

export function toChallenge(r: Row): StoredChallenge {
  const c: StoredChallenge = {
    id: r.id, sub: r.sub, resource: r.resource, action: r.action, factorId: r.factor_id,
    stepGuid: r.step_guid, createdAt: r.created_at, expiresAt: r.expires_at,
  };
  if (present(r.reason)) c.reason = r.reason;
  if (present(r.state)) c.state = r.state;
  // Text, not a JSON type, in both databases: the labels keep the route's display order.
  if (present(r.details)) c.details = json<Record<string, string>>(r.details);
  if (present(r.binding)) c.binding = r.binding;
  return c;
}

/** The challenge's columns for an insert, `details` as text. */
export function challengeColumns(c: StoredChallenge) {
  return {
    id: c.id, sub: c.sub, resource: c.resource, action: c.action, factor_id: c.factorId, step_guid: c.stepGuid,
    reason: c.reason ?? null, created_at: c.createdAt, expires_at: c.expiresAt, state: c.state ?? null,
    details: c.details ? JSON.stringify(c.details) : null, binding: c.binding ?? null,
  };
}

export function toSigningKey(r: Row): SigningKeyRecord {
  const k: SigningKeyRecord = { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateJwkEnc: r.private_jwk_enc, createdAt: r.created_at };
  if (present(r.activate_at)) k.activateAt = r.activate_at;
  if (present(r.retire_at)) k.retireAt = r.retire_at;
  return k;
}

export function toAuditEvent(r: Row): AuditEvent {
  const e: AuditEvent = {
    id: r.id, at: r.at, type: r.type, sub: r.sub,
    severity: r.severity as AuditEvent['severity'], status: r.status as AuditEvent['status'],
  };
  if (present(r.resource)) e.resource = r.resource;
  if (present(r.action)) e.action = r.action;
  if (present(r.factor)) e.factor = r.factor;
  if (present(r.metadata)) e.metadata = json<Record<string, unknown>>(r.metadata);
  if (present(r.ip)) e.ip = r.ip;
  return e;
}
