/** `keys list` / `keys rotate` (CLI and admin API): the key ring as an operator sees it. */
import type { MfaContext } from '../config.js';
import { JWKS_MAX_AGE } from '../http/discovery.js';
import { KEY_REFRESH_MS, rotateSigningKey } from '../tokens/signing-keys.js';

/**
 * How long a new key is published before it signs: every verifier that honours the JWKS
 * `max-age` (and every instance, which re-reads keys every 30 s) has it by then, with room to spare.
 */
export const PUBLISH_AHEAD_MS = 2 * JWKS_MAX_AGE * 1000;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function listKeys(ctx: MfaContext) {
  const now = ctx.now();
  const records = await ctx.store.listSigningKeys();
  const view = await ctx.keys();
  return {
    keys: records.map((r) => {
      const activateAt = r.activateAt ?? r.createdAt;
      const state = r.retireAt !== undefined && r.retireAt <= now ? 'retired'
        : r.kid === view.kid ? 'active'
        : activateAt > now ? 'next' : 'previous';
      return { kid: r.kid, state, createdAt: iso(r.createdAt)!, activateAt: iso(activateAt)!, retireAt: iso(r.retireAt) };
    }),
  };
}

export async function rotateKeys(ctx: MfaContext, opts: { immediate: boolean }) {
  const { next, retired } = await rotateSigningKey(ctx.store, ctx.box, ctx.now(), {
    publishAheadMs: PUBLISH_AHEAD_MS,
    // The old key's last token is accepted until its exp plus the clock tolerance.
    tokenLifetimeMs: (ctx.policy.token.lifetime + (ctx.policy.token.clockTolerance ?? 0)) * 1000,
    immediate: opts.immediate,
  });
  await ctx.keys({ force: true });
  await ctx.audit.record({
    type: 'keys.rotated', sub: '*', severity: opts.immediate ? 'critical' : 'warning',
    metadata: { kid: next.kid, immediate: opts.immediate, retired: retired.map((r) => r.kid) },
  });
  return {
    kid: next.kid,
    activateAt: iso(next.activateAt ?? next.createdAt)!,
    retiring: retired.map((r) => ({ kid: r.kid, retireAt: iso(r.retireAt)! })),
    /** Instances re-read keys this often; an immediate rotation reaches the others within it. */
    refreshSeconds: KEY_REFRESH_MS / 1000,
  };
}
