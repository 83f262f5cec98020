/**
 * The SQLite store's schema and its rows ↔ the store's records (sqlite-store.ts runs the queries).
 */
import type { AttemptState } from './failure-math.js';
import type { AuditEvent, FailureState, SigningKeyRecord, StoredChallenge, StoredFactor, TotpAlgorithm } from './store.js';

export const SCHEMA_VERSION = 4;

// Composite keys scope every row to its user, so a lookup with the wrong sub simply finds nothing.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS factors (
  sub TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL,
  secret_enc TEXT NOT NULL, algorithm TEXT NOT NULL, digits INTEGER NOT NULL, period INTEGER NOT NULL,
  confirmed INTEGER NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, last_step INTEGER NOT NULL,
  PRIMARY KEY (sub, id)
);
CREATE TABLE IF NOT EXISTS failures (
  sub TEXT NOT NULL, key TEXT NOT NULL,
  failures INTEGER NOT NULL, locked_until INTEGER NOT NULL, lock_count INTEGER NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0, pending_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (sub, key)
);
CREATE TABLE IF NOT EXISTS session_revocations (
  sub TEXT NOT NULL, session TEXT NOT NULL, revoked_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (sub, session)
);
CREATE TABLE IF NOT EXISTS recovery_codes (
  sub TEXT NOT NULL, hash TEXT NOT NULL, used_at INTEGER,
  PRIMARY KEY (sub, hash)
);
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY, sub TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  factor_id TEXT NOT NULL, step_guid TEXT NOT NULL, reason TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT
);
CREATE INDEX IF NOT EXISTS challenges_expires ON challenges (expires_at);
CREATE TABLE IF NOT EXISTS freshness (
  sub TEXT NOT NULL, session TEXT NOT NULL, resource TEXT NOT NULL, action TEXT NOT NULL,
  auth_time INTEGER NOT NULL, acr TEXT NOT NULL, amr TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (sub, session, resource, action)
);
CREATE TABLE IF NOT EXISTS rate_limits (
  key TEXT NOT NULL, reset_at INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (key, reset_at)
);
CREATE INDEX IF NOT EXISTS rate_limits_reset ON rate_limits (reset_at);
CREATE TABLE IF NOT EXISTS used_tokens (
  jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS used_tokens_expires ON used_tokens (expires_at);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
  private_jwk_enc TEXT NOT NULL, created_at INTEGER NOT NULL, activate_at INTEGER, retire_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, sub TEXT NOT NULL,
  resource TEXT, action TEXT, factor TEXT, severity TEXT NOT NULL, status TEXT NOT NULL,
  metadata TEXT, ip TEXT
);
CREATE INDEX IF NOT EXISTS audit_events_sub_at ON audit_events (sub, at);
`;

export interface FactorRow {
  sub: string; id: string; type: string; label: string; secret_enc: string; algorithm: string;
  digits: number; period: number; confirmed: number; created_at: number; last_used_at: number | null;
  last_step: number;
}
export interface FailureRow { failures: number; locked_until: number; lock_count: number; pending: number; pending_until: number }
export interface ChallengeRow {
  id: string; sub: string; resource: string; action: string; factor_id: string; step_guid: string;
  reason: string | null; created_at: number; expires_at: number; state: string | null;
}
export interface FreshnessRow { resource: string; action: string; auth_time: number; acr: string; amr: string }
export interface SigningKeyRow { kid: string; alg: string; public_jwk: string; private_jwk_enc: string; created_at: number; activate_at: number | null; retire_at: number | null }
export interface AuditRow {
  id: string; at: string; type: string; sub: string; resource: string | null; action: string | null;
  factor: string | null; severity: string; status: string; metadata: string | null; ip: string | null;
}

export function toFactor(r: FactorRow): StoredFactor {
  return {
    id: r.id, sub: r.sub, type: r.type as StoredFactor['type'], label: r.label, secretEnc: r.secret_enc,
    algorithm: r.algorithm as TotpAlgorithm, digits: r.digits, period: r.period, confirmed: r.confirmed === 1,
    createdAt: r.created_at, lastUsedAt: r.last_used_at, lastStep: r.last_step,
  };
}

export function toFailure(r: FailureRow | undefined): FailureState {
  return { failures: r?.failures ?? 0, lockedUntil: r?.locked_until ?? 0, lockCount: r?.lock_count ?? 0 };
}

export function toAttempt(r: FailureRow | undefined): AttemptState {
  return { ...toFailure(r), pending: r?.pending ?? 0, pendingUntil: r?.pending_until ?? 0 };
}

export function toChallenge(r: ChallengeRow): StoredChallenge {
  const c: StoredChallenge = {
    id: r.id, sub: r.sub, resource: r.resource, action: r.action, factorId: r.factor_id,
    stepGuid: r.step_guid, createdAt: r.created_at, expiresAt: r.expires_at,
  };
  if (r.reason !== null) c.reason = r.reason;
  if (r.state !== null) c.state = r.state;
  return c;
}

export function toSigningKey(r: SigningKeyRow): SigningKeyRecord {
  const k: SigningKeyRecord = { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateJwkEnc: r.private_jwk_enc, createdAt: r.created_at };
  if (r.activate_at !== null) k.activateAt = r.activate_at;
  if (r.retire_at !== null) k.retireAt = r.retire_at;
  return k;
}

export function toAuditEvent(r: AuditRow): AuditEvent {
  const e: AuditEvent = {
    id: r.id, at: r.at, type: r.type, sub: r.sub,
    severity: r.severity as AuditEvent['severity'], status: r.status as AuditEvent['status'],
  };
  // Absent optionals stay absent (not null), so both stores return the same shape.
  if (r.resource !== null) e.resource = r.resource;
  if (r.action !== null) e.action = r.action;
  if (r.factor !== null) e.factor = r.factor;
  if (r.metadata !== null) e.metadata = JSON.parse(r.metadata) as Record<string, unknown>;
  if (r.ip !== null) e.ip = r.ip;
  return e;
}
