/**
 * Managing factors: enroll, confirm, list, rename, remove, regenerate recovery codes — and the
 * rule of which of these need a fresh `mfa`/`manage` step-up first (adding a second factor,
 * removing a confirmed one, regenerating codes). What a factor stores and how it is proven is
 * the factor's own business (factors/server-factor.ts); this file looks it up in the registry.
 */
import { MfaError } from '../core/errors.js';
import { strengthOf } from '../core/factor-strength.js';
import { MANAGE_SCOPE, type ConfirmEnrollmentResponse, type EnrollableFactorType, type FactorList, type FactorSummary } from '../core/types.js';
import { enrollmentChallengeId, readState } from './challenge-state.js';
import { PENDING_FACTOR_TTL_MS, type MfaContext } from './config.js';
import { generateRecoveryCodes, recoveryCodeMac } from './crypto/recovery-codes.js';
import { issueRecoveryCodes } from './factors/recovery-factor.js';
import { notifyUser } from './factors/notices.js';
import { aloneAndRestricted, isEnabled, parseInput, type FactorEnrollment, type ServerFactor } from './factors/server-factor.js';
import { GuardRefusal } from './http/errors.js';
import type { Scope } from './request-scope.js';
import type { StoredFactor } from './stores/store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A factor as the client sees it, with its strength from the registry (defined once, sent on the wire). */
export const summarize = (ctx: MfaContext, f: StoredFactor): FactorSummary => ({
  id: f.id,
  type: f.type,
  label: f.label,
  createdAt: iso(f.createdAt)!,
  lastUsedAt: iso(f.lastUsedAt),
  strength: ctx.factors.get(f.type)?.strength ?? strengthOf(f.type),
});

/** Refuses with the guard's own answer (401 + RFC 9470 challenge) unless the request carries a fresh `mfa`/`manage` token at the server's `manageAcr`. */
async function requireManage(ctx: MfaContext, scope: Scope): Promise<void> {
  // Reusable for its short life in its own session: adding a factor is two calls (enroll, then
  // confirm) that the user approved as one, "manage my factors" (docs/server.md "One step-up, one request").
  const refused = scope.checkStepUp ? await scope.checkStepUp({ ...MANAGE_SCOPE, reusable: true, acrValues: [ctx.policy.manageAcr] }) : null;
  if (refused) throw new GuardRefusal(refused);
}

export async function hasConfirmedFactor(ctx: MfaContext, sub: string): Promise<boolean> {
  return (await ctx.store.listFactors(sub)).some((f) => f.confirmed);
}

const canEnroll = (ctx: MfaContext, f: ServerFactor) => f.enroll !== undefined && isEnabled(ctx, f) && (f.enrollable?.(ctx) ?? true);

/** What `<mfa-enroll>` may offer: factors this server can add now and that the element can enroll. */
export function availableTypes(ctx: MfaContext): EnrollableFactorType[] {
  return ctx.factors.all().filter((f) => canEnroll(ctx, f) && f.offered !== false).map((f) => f.type as EnrollableFactorType);
}

export async function listFactors(ctx: MfaContext, sub: string): Promise<FactorList> {
  const factors = (await ctx.store.listFactors(sub)).filter((f) => f.confirmed).map((f) => summarize(ctx, f));
  return { factors, recoveryCodesLeft: await ctx.store.countRecoveryCodes(sub), available: availableTypes(ctx) };
}

/** `POST /mfa/factors`: `body` is `{type, …}`, checked by the factor's own schema first. */
export async function enroll(ctx: MfaContext, scope: Scope, body: { type: string }): Promise<FactorEnrollment> {
  const factor = ctx.factors.get(body.type);
  if (!factor?.enroll) {
    const types = ctx.factors.all().filter((f) => f.enroll).map((f) => `"${f.type}"`).join(', ');
    throw new MfaError('malformed_request', `type must be one of ${types}`);
  }
  const input = factor.enrollInput ? parseInput(factor.enrollInput, body) : body;
  const { sub } = scope.user;
  if (await hasConfirmedFactor(ctx, sub)) await requireManage(ctx, scope);
  if (!canEnroll(ctx, factor)) throw new MfaError('unsupported_factor', `This server cannot add a ${body.type} factor.`);
  await ctx.store.deletePendingFactors(sub, ctx.now() - PENDING_FACTOR_TTL_MS);
  return factor.enroll({ ctx, scope }, input);
}

/** "Send a new code" during enrollment: same countdown and limits as in a challenge. */
export async function resendEnrollmentCode(ctx: MfaContext, scope: Scope, factorId: string): Promise<FactorEnrollment> {
  const { sub } = scope.user;
  const factor = await ctx.store.getFactor(sub, factorId);
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  const state = readState(challenge?.state);
  const plugin = state && ctx.factors.forKind(state.kind);
  if (!factor || factor.confirmed || !challenge || challenge.sub !== sub || !plugin?.resendEnrollment) {
    throw new MfaError('not_found', 'No such pending factor. Start again.');
  }
  if (challenge.expiresAt <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
  return plugin.resendEnrollment({ ctx, scope }, factor, challenge, state!);
}

/**
 * The rule for adding a factor, checked again at confirmation: true when this is a real pending
 * enrollment of the user, answered in full, while another factor is confirmed — then a fresh
 * mfa/manage step-up is needed. (A pending factor started while the account had none, perhaps
 * by an intruder in the session, must not become a second factor without one.) Unknown ids and
 * incomplete answers fall through to `confirmEnrollment`'s own 404 / 400.
 */
async function confirmNeedsManage(ctx: MfaContext, sub: string, factorId: string, input: ConfirmInput): Promise<boolean> {
  if (input.code === undefined && input.credential === undefined) return false;
  const factors = await ctx.store.listFactors(sub);
  if (!factors.some((f) => f.confirmed && f.id !== factorId)) return false;
  if (factors.some((f) => f.id === factorId && !f.confirmed)) return true;
  // A passkey is stored only once proven: its pending enrollment is the challenge alone.
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  return challenge?.sub === sub && challenge.state !== undefined;
}

export interface ConfirmInput {
  code?: string;
  /** WebAuthn `RegistrationResponseJSON`. */
  credential?: Record<string, unknown>;
}

export async function confirmEnrollment(ctx: MfaContext, scope: Scope, factorId: string, input: ConfirmInput): Promise<ConfirmEnrollmentResponse> {
  const { sub } = scope.user;
  if (await confirmNeedsManage(ctx, sub, factorId, input)) await requireManage(ctx, scope);
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  const mine = challenge && challenge.sub === sub ? challenge : null;
  const state = readState(mine?.state);
  const pending = await ctx.store.getFactor(sub, factorId);
  let plugin: ServerFactor | undefined;
  if (pending) {
    if (pending.confirmed) throw new MfaError('conflict', 'This factor is already confirmed.');
    if (pending.createdAt + PENDING_FACTOR_TTL_MS <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
    plugin = ctx.factors.get(pending.type);
  } else {
    plugin = state && ctx.factors.forKind(state.kind);
  }
  if (!plugin?.confirm) throw new MfaError('not_found', 'No such pending factor. Start again.');
  const factor = await plugin.confirm({ ctx, scope }, { factorId, pending, challenge: mine, state, input });
  // The first factor brings the recovery codes, written in the same atomic step as the confirmation.
  const recoveryCodes = (await hasConfirmedFactor(ctx, sub)) ? undefined : generateRecoveryCodes(ctx.random);
  const hashes = recoveryCodes?.map((c) => recoveryCodeMac(ctx.box, sub, c)!);
  if (!(await ctx.store.confirmFactor(sub, factor.id, hashes))) throw new MfaError('conflict', 'This factor is already confirmed.');
  // The first factor closes the door behind it: any other pending enrollment (one an intruder
  // may have started while the account had no factor) is gone, so it can never be confirmed.
  if (recoveryCodes) await ctx.store.deletePendingFactors(sub, Number.MAX_SAFE_INTEGER);
  // Confirming used the factor: store what the answer below says (TOTP already did, sent codes and passkeys had not).
  await ctx.store.touchFactor(sub, factor.id, ctx.now());
  await ctx.audit.record({ type: 'factor.enrolled', sub, factor: factor.type, metadata: { factorId: factor.id } });
  notifyUser(ctx, { type: 'factor.added', sub, factor: { type: factor.type, label: factor.label } }, factor.id);
  const confirmed = summarize(ctx, { ...factor, confirmed: true, lastUsedAt: ctx.now() });
  const notice = (await aloneAndRestricted(ctx, sub, factor.type)) ? { notice: 'restricted' as const } : {};
  if (!recoveryCodes) return { factor: confirmed, ...notice };
  await ctx.audit.record({ type: 'recovery.issued', sub, factor: 'recovery', metadata: { count: recoveryCodes.length } });
  return { factor: confirmed, recoveryCodes, ...notice };
}

export async function renameFactor(ctx: MfaContext, sub: string, id: string, label: string): Promise<FactorSummary> {
  if (!(await ctx.store.renameFactor(sub, id, label))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.renamed', sub, metadata: { factorId: id } });
  return summarize(ctx, (await ctx.store.getFactor(sub, id))!);
}

/** Removing a confirmed factor needs a fresh `mfa`/`manage` step-up; an abandoned enrollment does not. */
export async function removeFactor(ctx: MfaContext, scope: Scope, id: string): Promise<void> {
  const { sub } = scope.user;
  const factor = await ctx.store.getFactor(sub, id);
  if (factor?.confirmed) await requireManage(ctx, scope);
  if (!factor || !(await ctx.store.deleteFactor(sub, id))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.removed', sub, severity: 'warning', metadata: { factorId: id } });
  // An abandoned enrollment is not news; a working factor that disappears is.
  if (factor.confirmed) notifyUser(ctx, { type: 'factor.removed', sub, factor: { type: factor.type, label: factor.label } });
  // Without any factor the recovery codes would protect nothing; a new first factor issues new ones.
  if (!(await hasConfirmedFactor(ctx, sub))) await ctx.store.deleteRecoveryCodes(sub);
}

/** A new set of recovery codes (needs a fresh `mfa`/`manage` step-up). */
export async function regenerateRecoveryCodes(ctx: MfaContext, scope: Scope): Promise<string[]> {
  await requireManage(ctx, scope);
  const { sub } = scope.user;
  if (!(await hasConfirmedFactor(ctx, sub))) throw new MfaError('not_enrolled', 'Add a second factor first.');
  const codes = await issueRecoveryCodes(ctx, sub);
  await ctx.audit.record({ type: 'recovery.regenerated', sub, factor: 'recovery', severity: 'warning', metadata: { count: codes.length } });
  notifyUser(ctx, { type: 'recovery.regenerated', sub });
  return codes;
}
