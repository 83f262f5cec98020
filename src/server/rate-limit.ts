/**
 * Rate limits (issue #4): fixed windows counted in the store, so every instance sharing it
 * counts together. Over the limit → 429 `rate_limited` with `retryAfter` and `Retry-After`.
 */
import { MfaError } from '../core/errors.js';
import type { MfaContext } from './config.js';

export interface Limit {
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  /** Challenges one user may start (default 30 per 10 minutes). `false` turns it off. */
  challengesPerUser?: Limit | false;
  /** Challenges one client IP may start (default 100 per 10 minutes). `false` turns it off. */
  challengesPerIp?: Limit | false;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimits> = {
  challengesPerUser: { limit: 30, windowMs: 10 * 60_000 },
  challengesPerIp: { limit: 100, windowMs: 10 * 60_000 },
};

export async function enforceLimit(ctx: MfaContext, key: string, rule: Limit | false | undefined, sub: string): Promise<void> {
  if (!rule) return;
  const now = ctx.now();
  const { count, resetAt } = await ctx.store.hitRateLimit(key, rule.windowMs, now);
  if (count <= rule.limit) return;
  if (count === rule.limit + 1) {
    await ctx.audit.record({ type: 'rate_limited', sub, status: 'failure', severity: 'warning', metadata: { limit: key.split(':')[0] } });
  }
  throw new MfaError('rate_limited', 'Too many requests. Try again later.', { retryAfter: Math.max(1, Math.ceil((resetAt - now) / 1000)) });
}

/** Both challenge limits for one request. */
export async function limitChallenges(ctx: MfaContext, sub: string, ip: string | undefined): Promise<void> {
  await enforceLimit(ctx, `challenge-user:${sub}`, ctx.rateLimits.challengesPerUser, sub);
  if (ip) await enforceLimit(ctx, `challenge-ip:${ip}`, ctx.rateLimits.challengesPerIp, sub);
}
