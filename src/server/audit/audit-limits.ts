/**
 * Limits of `POST /mfa/audit` (the app's own `trackUserAction` events): without them one
 * session can grow the audit store without bound and fill the webhook queues.
 *
 *  - per user and per client IP, counted in the store like the challenge limits (rate-limit.ts):
 *    over the limit → 429 `rate_limited` with `retryAfter` and `Retry-After`;
 *  - `metadata` at most `MAX_AUDIT_METADATA_KEYS` keys (400) and `MAX_AUDIT_METADATA_BYTES`
 *    as JSON (413);
 *  - the client's severity is capped at `warning` (user-action.ts): `critical` is the server's.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import { enforceLimit, ipKey, type Limit } from '../rate-limit.js';

export interface AuditRateLimits {
  /** `POST /mfa/audit` requests of one user (default 60 per minute). `false` turns it off. */
  auditPerUser?: Limit | false;
  /** `POST /mfa/audit` requests from one client IP (default 300 per minute). `false` turns it off. */
  auditPerIp?: Limit | false;
}

export const DEFAULT_AUDIT_RATE_LIMITS: Required<AuditRateLimits> = {
  auditPerUser: { limit: 60, windowMs: 60_000 },
  auditPerIp: { limit: 300, windowMs: 60_000 },
};

/** Serialized size (UTF-8 bytes of its JSON) of one event's `metadata`. */
export const MAX_AUDIT_METADATA_BYTES = 2048;
/** Top-level keys of one event's `metadata`. */
export const MAX_AUDIT_METADATA_KEYS = 20;

/** Both audit limits for one request (per user first, then per IP — IPv6 per /64 — when the IP is known). */
export async function limitAudit(ctx: MfaContext, sub: string, ip: string | undefined): Promise<void> {
  await enforceLimit(ctx, `audit-user:${sub}`, ctx.policy.rateLimits.auditPerUser, sub);
  if (ip) await enforceLimit(ctx, `audit-ip:${ipKey(ip)}`, ctx.policy.rateLimits.auditPerIp, sub);
}

/** Refuses metadata with too many keys (400) or too large once serialized (413). */
export function checkAuditMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined) return;
  if (Object.keys(metadata).length > MAX_AUDIT_METADATA_KEYS) {
    throw new MfaError('malformed_request', `metadata: at most ${MAX_AUDIT_METADATA_KEYS} keys.`);
  }
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > MAX_AUDIT_METADATA_BYTES) {
    throw new MfaError('payload_too_large', `metadata: at most ${MAX_AUDIT_METADATA_BYTES} bytes as JSON.`);
  }
}
