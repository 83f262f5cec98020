/**
 * Managing factors: enroll, confirm, list, rename, remove, regenerate recovery codes.
 * Which of these need a step-up first is decided by the HTTP layer (http/routes-factors.ts).
 */
import { MfaError } from '../core/errors.js';
import type { ConfirmEnrollmentResponse, FactorList, FactorSummary, TotpEnrollment } from '../core/types.js';
import { PENDING_FACTOR_TTL_MS, type MfaContext } from './config.js';
import { attemptCode } from './factors/attempt.js';
import { generateRecoveryCodes, hashRecoveryCode } from './crypto/recovery-codes.js';
import { issueRecoveryCodes } from './factors/recovery-factor.js';
import { checkTotpCode, createTotpFactor, parseTotpCode } from './factors/totp-factor.js';
import type { StoredFactor } from './stores/store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const summarize = (f: StoredFactor): FactorSummary => ({
  id: f.id,
  type: f.type,
  label: f.label,
  createdAt: iso(f.createdAt)!,
  lastUsedAt: iso(f.lastUsedAt),
});

export async function hasConfirmedFactor(ctx: MfaContext, sub: string): Promise<boolean> {
  return (await ctx.store.listFactors(sub)).some((f) => f.confirmed);
}

export async function listFactors(ctx: MfaContext, sub: string): Promise<FactorList> {
  const factors = (await ctx.store.listFactors(sub)).filter((f) => f.confirmed).map(summarize);
  return { factors, recoveryCodesLeft: await ctx.store.countRecoveryCodes(sub) };
}

export async function enroll(ctx: MfaContext, sub: string, input: { type: 'totp'; label?: string }): Promise<TotpEnrollment> {
  await ctx.store.deletePendingFactors(sub, ctx.now() - PENDING_FACTOR_TTL_MS);
  return createTotpFactor(ctx, sub, input.label);
}

export async function confirmEnrollment(ctx: MfaContext, sub: string, factorId: string, value: string): Promise<ConfirmEnrollmentResponse> {
  const factor = await ctx.store.getFactor(sub, factorId);
  if (!factor) throw new MfaError('not_found', 'No such pending factor. Start again.');
  if (!factor.confirmed && factor.createdAt + PENDING_FACTOR_TTL_MS <= ctx.now()) {
    throw new MfaError('expired', 'This enrollment has expired. Start again.');
  }
  if (factor.confirmed) throw new MfaError('conflict', 'This factor is already confirmed.');
  const code = parseTotpCode(value, factor.digits);
  await attemptCode(ctx, sub, factor.id, () => checkTotpCode(ctx, factor, code), 'totp');
  // The first factor brings the recovery codes, written in the same atomic step as the confirmation.
  const recoveryCodes = (await hasConfirmedFactor(ctx, sub)) ? undefined : generateRecoveryCodes(ctx.random);
  const hashes = recoveryCodes?.map((c) => hashRecoveryCode(c)!);
  if (!(await ctx.store.confirmFactor(sub, factor.id, hashes))) throw new MfaError('conflict', 'This factor is already confirmed.');
  await ctx.audit.record({ type: 'factor.enrolled', sub, factor: factor.type, metadata: { factorId: factor.id } });
  const confirmed = summarize({ ...factor, confirmed: true, lastUsedAt: ctx.now() });
  if (!recoveryCodes) return { factor: confirmed };
  await ctx.audit.record({ type: 'recovery.issued', sub, factor: 'recovery', metadata: { count: recoveryCodes.length } });
  return { factor: confirmed, recoveryCodes };
}

export async function renameFactor(ctx: MfaContext, sub: string, id: string, label: string): Promise<FactorSummary> {
  if (!(await ctx.store.renameFactor(sub, id, label))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.renamed', sub, metadata: { factorId: id } });
  return summarize((await ctx.store.getFactor(sub, id))!);
}

export async function removeFactor(ctx: MfaContext, sub: string, id: string): Promise<void> {
  if (!(await ctx.store.deleteFactor(sub, id))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.removed', sub, severity: 'warning', metadata: { factorId: id } });
  // Without any factor the recovery codes would protect nothing; a new first factor issues new ones.
  if (!(await hasConfirmedFactor(ctx, sub))) await ctx.store.deleteRecoveryCodes(sub);
}

export async function regenerateRecoveryCodes(ctx: MfaContext, sub: string): Promise<string[]> {
  if (!(await hasConfirmedFactor(ctx, sub))) throw new MfaError('not_enrolled', 'Add a second factor first.');
  const codes = await issueRecoveryCodes(ctx, sub);
  await ctx.audit.record({ type: 'recovery.regenerated', sub, factor: 'recovery', severity: 'warning', metadata: { count: codes.length } });
  return codes;
}
