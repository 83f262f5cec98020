/**
 * What an operator may do for a user (docs/service.md "Admin API"): look at their factors and
 * locks, unlock them, read their audit trail, and reset them after a lost device. Reached only
 * through the admin token (http/server-api.ts) or the CLI, which calls that API.
 */
import type { MfaContext } from '../config.js';
import { KBA_LOCK_PREFIX } from '../factors/kba.js';
import { DECOY_LOCK_PREFIX } from '../factors/decoy.js';
import { notifyUserNow } from '../factors/notices.js';
import { revokeUser } from '../session.js';
import type { AuditEvent } from '../stores/store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Lock keys of a user: one per factor, plus recovery codes (question flows: `KBA_LOCK_PREFIX`, below). */
async function lockKeys(ctx: MfaContext, sub: string): Promise<string[]> {
  return [...(await ctx.store.listFactors(sub)).map((f) => f.id), 'recovery'];
}

export async function adminListFactors(ctx: MfaContext, sub: string) {
  const now = ctx.now();
  const factors = await Promise.all((await ctx.store.listFactors(sub)).map(async (f) => {
    const state = await ctx.store.getFailureState(sub, f.id);
    return {
      id: f.id, type: f.type, label: f.label, confirmed: f.confirmed,
      createdAt: iso(f.createdAt)!, lastUsedAt: iso(f.lastUsedAt),
      failures: state.failures, lockedUntil: state.lockedUntil > now ? iso(state.lockedUntil) : null,
    };
  }));
  const recovery = await ctx.store.getFailureState(sub, 'recovery');
  return {
    sub,
    factors,
    recoveryCodesLeft: await ctx.store.countRecoveryCodes(sub),
    recoveryLockedUntil: recovery.lockedUntil > now ? iso(recovery.lockedUntil) : null,
  };
}

/**
 * Lost device: the user is told first (while their email factors still exist), then every
 * factor and recovery code goes, locks are lifted, and every token and freshness of every session
 * of the user stops working. The user enrolls again at their next step-up.
 */
export async function adminReset(ctx: MfaContext, sub: string): Promise<{ removedFactors: number; removedRecoveryCodes: number }> {
  const factors = await ctx.store.listFactors(sub);
  const codes = await ctx.store.countRecoveryCodes(sub);
  await notifyUserNow(ctx, { type: 'mfa.reset', sub });
  for (const f of factors) {
    await ctx.store.deleteFactor(sub, f.id);
    await ctx.store.resetFailures(sub, f.id);
  }
  await ctx.store.deleteRecoveryCodes(sub);
  await ctx.store.resetFailures(sub, 'recovery');
  await ctx.store.resetFailuresByPrefix(sub, KBA_LOCK_PREFIX);
  await revokeUser(ctx, sub);
  await ctx.audit.record({
    type: 'admin.reset', sub, severity: 'critical',
    metadata: { removedFactors: factors.length, removedRecoveryCodes: codes, factorTypes: [...new Set(factors.map((f) => f.type))] },
  });
  return { removedFactors: factors.length, removedRecoveryCodes: codes };
}

/** Lifts every lock and failure count of the user's factors, recovery codes, question flows and decoys. */
export async function adminUnlock(ctx: MfaContext, sub: string): Promise<{ unlocked: number }> {
  const now = ctx.now();
  let unlocked = 0;
  for (const key of await lockKeys(ctx, sub)) {
    const state = await ctx.store.getFailureState(sub, key);
    if (state.lockedUntil > now || state.failures > 0) unlocked++;
    await ctx.store.resetFailures(sub, key);
  }
  // Knowledge-question lockouts are keyed per question flow (factors/kba.ts), which only the
  // integration's plugin can name: every flow of this user is cleared at once.
  unlocked += await ctx.store.resetFailuresByPrefix(sub, KBA_LOCK_PREFIX);
  // Decoys (factors/decoy.ts) lock like real factors, so they are unlocked like them: a made-up
  // factor id that stayed locked after an unlock would be told apart from the real ones.
  unlocked += await ctx.store.resetFailuresByPrefix(sub, DECOY_LOCK_PREFIX);
  await ctx.audit.record({ type: 'admin.unlock', sub, severity: 'warning', metadata: { unlocked } });
  return { unlocked };
}

export async function adminAudit(ctx: MfaContext, sub: string, limit: number): Promise<{ events: AuditEvent[] }> {
  return { events: await ctx.store.listAuditEvents(sub, limit) };
}
