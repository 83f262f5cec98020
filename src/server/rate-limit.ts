/**
 * Rate limits: fixed windows counted in the store, so every instance sharing it
 * counts together. Over the limit → 429 `rate_limited` with `retryAfter` and `Retry-After`.
 */
import { isIP } from 'node:net';
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

/** How the audit event of a limit reads: its name (default: the key's first part) and severity. */
export interface LimitAudit {
  name?: string;
  severity?: 'warning' | 'critical';
  metadata?: Record<string, unknown>;
}

export async function enforceLimit(
  ctx: MfaContext, key: string, rule: Limit | false | undefined, sub: string, audit: LimitAudit = {},
): Promise<void> {
  if (!rule) return;
  const now = ctx.now();
  const { count, resetAt } = await ctx.store.hitRateLimit(key, rule.windowMs, now);
  if (count <= rule.limit) return;
  if (count === rule.limit + 1) {
    await ctx.audit.record({
      type: 'rate_limited', sub, status: 'failure', severity: audit.severity ?? 'warning',
      metadata: { limit: audit.name ?? key.split(':')[0], ...audit.metadata },
    });
  }
  throw new MfaError('rate_limited', 'Too many requests. Try again later.', { retryAfter: Math.max(1, Math.ceil((resetAt - now) / 1000)) });
}

/** Both challenge limits for one request. */
export async function limitChallenges(ctx: MfaContext, sub: string, ip: string | undefined): Promise<void> {
  await enforceLimit(ctx, `challenge-user:${sub}`, ctx.policy.rateLimits.challengesPerUser, sub);
  if (ip) await enforceLimit(ctx, `challenge-ip:${ipKey(ip)}`, ctx.policy.rateLimits.challengesPerIp, sub);
}

/**
 * The part of a client IP that one client controls: IPv4 as is, IPv4-mapped IPv6 as its IPv4,
 * other IPv6 by /64 (the first 4 hextets, expanded) — a single host is usually given a whole
 * /64, so keying per /128 would let it rotate through 2^64 addresses.
 */
export function ipKey(ip: string): string {
  const addr = ip.trim().replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  if (isIP(addr) !== 6) return addr;
  const groups = expandIpv6(addr);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  return `${groups.slice(0, 4).map((g) => g.toString(16).padStart(4, '0')).join(':')}::/64`;
}

/** A valid IPv6 address as its 8 numbers (`::` filled, a dotted IPv4 tail split in two). */
function expandIpv6(addr: string): number[] {
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = parse(head);
  if (tail === undefined) return h;
  const t = parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}
