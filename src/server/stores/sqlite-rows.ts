/**
 * The SQLite store's row types (sqlite-schema.ts creates the tables, sqlite-statements.ts queries
 * them; sql-rows.ts maps rows to records, shared with Postgres).
 */
export { toAttempt, toAuditEvent, toChallenge, toFactor, toFailure, toSigningKey, challengeColumns } from './sql-rows.js';

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
