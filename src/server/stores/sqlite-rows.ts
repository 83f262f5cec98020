/**
 * The SQLite store's schema and its row types (sqlite-store.ts runs the queries; sql-rows.ts maps
 * rows to records, shared with Postgres).
 */
export { toAttempt, toAuditEvent, toChallenge, toFactor, toFailure, toSigningKey, challengeColumns } from './sql-rows.js';

export const SCHEMA_VERSION = 5;

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
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT, details TEXT, binding TEXT
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
  details: string | null; binding: string | null;
}
export interface FreshnessRow { resource: string; action: string; auth_time: number; acr: string; amr: string }
export interface SigningKeyRow { kid: string; alg: string; public_jwk: string; private_jwk_enc: string; created_at: number; activate_at: number | null; retire_at: number | null }
export interface AuditRow {
  id: string; at: string; type: string; sub: string; resource: string | null; action: string | null;
  factor: string | null; severity: string; status: string; metadata: string | null; ip: string | null;
}
