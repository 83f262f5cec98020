/**
 * How a challenge names factors on the wire: the factor it asks for (`factor`) and the user's
 * other ways through it (`factors`, for "use another method"), in the order they are offered.
 */
import type { ChallengeFactorRef, ChallengeStep, ChallengedResponse } from '../core/types.js';
import { ACR_PHR } from './acr.js';
import type { MfaContext } from './config.js';
import { STRENGTH_RANK, isEnabled } from './factors/server-factor.js';
import type { StoredChallenge, StoredFactor } from './stores/store.js';

/**
 * The user's confirmed factors this server can use, in the order they are offered: strong ones
 * (an app, a passkey, a token) before email, email before phone (the restricted factor); within
 * a class, the one used last first (remembered on the server as `lastUsedAt`), then the oldest.
 */
export async function usableFactors(ctx: MfaContext, sub: string): Promise<StoredFactor[]> {
  const rank = (f: StoredFactor) => STRENGTH_RANK[ctx.factors.get(f.type)!.strength];
  return (await ctx.store.listFactors(sub))
    .filter((f) => {
      const plugin = ctx.factors.get(f.type);
      return f.confirmed && plugin !== undefined && isEnabled(ctx, plugin);
    })
    .sort((a, b) => rank(a) - rank(b) || (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) || a.createdAt - b.createdAt);
}

/** Those of `factors` that may answer a step-up at `acr`: for `phr`, the phishing-resistant ones (passkeys) only. */
export const factorsAt = (ctx: MfaContext, factors: StoredFactor[], acr: string): StoredFactor[] =>
  acr === ACR_PHR ? factors.filter((f) => ctx.factors.get(f.type)!.phishingResistant) : factors;

/** `factors` as listed to the user: their stored factors, then the virtual ones they have (recovery codes). */
export async function factorRefs(ctx: MfaContext, sub: string, factors: StoredFactor[]): Promise<ChallengeFactorRef[]> {
  const refs: ChallengeFactorRef[] = factors.map((f) => ({ id: f.id, type: f.type, label: f.label }));
  for (const plugin of ctx.factors.all()) {
    const ref = plugin.listed && isEnabled(ctx, plugin) ? await plugin.listed(ctx, sub) : null;
    if (ref) refs.push(ref);
  }
  return refs;
}

/** A later step's `factor` and `factors` (the user's list, as at the start). */
export async function refsFor(ctx: MfaContext, factor: StoredFactor): Promise<{ ref: ChallengeFactorRef; refs: ChallengeFactorRef[] }> {
  const refs = await factorRefs(ctx, factor.sub, await usableFactors(ctx, factor.sub));
  return { ref: refs.find((r) => r.id === factor.id) ?? { id: factor.id, type: factor.type, label: factor.label }, refs };
}

export const challenged = (c: StoredChallenge, factor: ChallengeFactorRef, factors: ChallengeFactorRef[], step: ChallengeStep): ChallengedResponse =>
  ({ status: 'CHALLENGED', challengeId: c.id, factor, factors, challenges: [step], expiresAt: new Date(c.expiresAt).toISOString() });

/** The next step of the same challenge, naming the same stored factor. */
export async function nextStep(ctx: MfaContext, c: StoredChallenge, factor: StoredFactor, step: ChallengeStep): Promise<ChallengedResponse> {
  const { ref, refs } = await refsFor(ctx, factor);
  return challenged(c, ref, refs, step);
}
