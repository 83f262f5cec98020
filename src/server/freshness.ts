/**
 * "MFA session caching" (docs/server.md "Step-up tokens and the guard"): after a step-up, the same app session may get a token for
 * a scope the policy allows without a new code, for `maxAge` seconds. Tokens issued this way keep
 * the original `auth_time`, so a route's own `max_age` still holds.
 */
import type { MfaContext, SessionUser } from './config.js';
import type { FreshnessRecord } from './stores/store.js';
import { MANAGE_SCOPE } from '../core/types.js';
import { satisfiesAcr } from './acr.js';

export type Reuse = 'same-action' | 'same-resource' | 'any' | 'none';

export interface FreshnessRule {
  /** Seconds a step-up stays fresh (default 900). */
  maxAge?: number;
  /**
   * Which earlier step-ups count: the same (resource, action) (default), any action of the same
   * resource, any, or none.
   */
  reuse?: Reuse;
}

export interface FreshnessPolicy extends FreshnessRule {
  /** Rules for particular resources, e.g. `{ payments: { reuse: 'none' } }`. */
  resources?: Record<string, FreshnessRule>;
}

export const DEFAULT_FRESHNESS = { maxAge: 900, reuse: 'same-action' as Reuse };

const sessionOf = (user: SessionUser) => user.sessionId;

export function ruleFor(policy: FreshnessPolicy, resource: string): Required<FreshnessRule> {
  const specific = policy.resources?.[resource];
  return {
    maxAge: specific?.maxAge ?? policy.maxAge ?? DEFAULT_FRESHNESS.maxAge,
    reuse: specific?.reuse ?? policy.reuse ?? DEFAULT_FRESHNESS.reuse,
  };
}

/** Longest window any rule allows: how long a record must be kept. */
function longestMaxAge(policy: FreshnessPolicy): number {
  const all = [policy.maxAge ?? DEFAULT_FRESHNESS.maxAge, ...Object.values(policy.resources ?? {}).map((r) => r.maxAge ?? 0)];
  return Math.max(...all);
}

/**
 * How old (seconds) an earlier step-up may be to answer now. A fresh answer must yield a token
 * the guard accepts when the app sends it a moment later, so the window is capped by the
 * route's `max_age` — or, when the client names none, the guard's default (the token lifetime)
 * — less a margin for the round trip (30 s, or a quarter of a short window).
 */
export function freshWindow(policyMaxAge: number, guardMaxAge: number): number {
  const margin = Math.min(30, Math.floor(guardMaxAge / 4));
  return Math.min(policyMaxAge, guardMaxAge - margin);
}

/** Whether an earlier step-up of `record`'s scope counts for `scope` under `reuse`. */
function covers(reuse: Reuse, record: FreshnessRecord, scope: { resource: string; action: string }): boolean {
  if (reuse === 'any') return true;
  if (record.resource !== scope.resource) return false;
  return reuse === 'same-resource' || record.action === scope.action;
}

/**
 * The earlier step-up that makes (resource, action) fresh now, if any: one proven at `acr` or
 * above (a `phr` proof answers `mfa`; an `mfa` one never answers `phr`). `maxAge` from the client
 * (the route's RFC 9470 `max_age`) can only shorten the window.
 */
export async function findFresh(
  ctx: MfaContext,
  user: SessionUser,
  scope: { resource: string; action: string; maxAge?: number },
  acr: string,
): Promise<FreshnessRecord | null> {
  const rule = ruleFor(ctx.policy.freshness, scope.resource);
  // Factor management always asks: its token could add a factor, so an earlier step-up for a
  // payment must never mint one, and neither may an earlier management step-up.
  if (rule.reuse === 'none' || scope.resource === MANAGE_SCOPE.resource) return null;
  const now = ctx.now();
  const oldest = Math.floor(now / 1000) - freshWindow(rule.maxAge, scope.maxAge ?? ctx.policy.token.lifetime);
  if (oldest > Math.floor(now / 1000)) return null;
  const records = await ctx.store.listFreshness(user.sub, sessionOf(user), now);
  const usable = records.filter(
    (r) => satisfiesAcr(r.acr, acr) && r.authTime >= oldest && covers(rule.reuse, r, scope),
  );
  // The newest proof is the strongest statement about "recent".
  return usable.sort((a, b) => b.authTime - a.authTime)[0] ?? null;
}

export async function recordFresh(ctx: MfaContext, user: SessionUser, record: FreshnessRecord): Promise<void> {
  const expiresAt = record.authTime * 1000 + longestMaxAge(ctx.policy.freshness) * 1000;
  await ctx.store.putFreshness(user.sub, sessionOf(user), record, expiresAt);
}

/** Logout / `clearMfa()`: the session's step-ups no longer count. */
export function forgetFresh(ctx: MfaContext, user: SessionUser): Promise<void> {
  return ctx.store.clearFreshness(user.sub, sessionOf(user));
}
