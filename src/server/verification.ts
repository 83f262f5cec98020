/**
 * Step-up challenges: start one for (resource, action) on a factor, resume it with the answer —
 * possibly over several steps of one challenge id (choose a phone → enter the code; KBA
 * questions) — and issue the step-up token when the last answer is right. Which factor asks
 * what, and how an answer is checked, is the factor's own business (factors/server-factor.ts):
 * this file only looks factors up in the registry.
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../core/errors.js';
import type { ChallengeResponse, ChallengedResponse, VerifiedResponse } from '../core/types.js';
import { ACR_MFA, ACR_PHR, type StepUpAcr } from './acr.js';
import { MANAGE_SCOPE } from '../core/types.js';
import { challenged, factorRefs, factorsAt, usableFactors } from './challenge-refs.js';
import { isEnrollmentChallenge, readState, type ChallengeState } from './challenge-state.js';
import { CHALLENGE_TTL_MS, type MfaContext } from './config.js';
import { startDecoy } from './factors/decoy.js';
import { notFound, type FactorEnv, type ServerFactor } from './factors/server-factor.js';
import { findFresh, recordFresh } from './freshness.js';
import type { Scope } from './request-scope.js';
import { sessionClaim } from './session.js';
import { limitChallenges } from './rate-limit.js';
import type { StoredChallenge } from './stores/store.js';
import { signStepUpToken } from './tokens/step-up-token.js';
import { bindingOf, type TransactionDetails } from './binding.js';

/** How often an instance clears challenges that expired unanswered. */
const SWEEP_EVERY_MS = 60_000;
/** Keyed on the store: the context is a new object per request (request-scope.ts `contextFor`). */
const lastSweep = new WeakMap<MfaContext['store'], number>();

/** Now and then, in the background: unanswered challenges must not pile up in the store. */
function sweepExpiredChallenges(ctx: MfaContext, now: number): void {
  if (now - (lastSweep.get(ctx.store) ?? 0) < SWEEP_EVERY_MS) return;
  lastSweep.set(ctx.store, now);
  ctx.store.deleteExpiredChallenges(now).catch(() => {}); // best effort; the next sweep retries
}

export interface StartInput {
  resource: string;
  action: string;
  /** Ask for a code even when an earlier step-up is still fresh. */
  force?: boolean;
  /** The route's `max_age` (seconds): an earlier step-up must be at most this old to count. */
  maxAge?: number;
  factorId?: string;
  /** A factor type (`totp`, `phone`, …), `recovery` for a recovery code, `kba` for questions. */
  factorType?: string;
  reason?: string;
  /** The transaction to approve (docs/server.md "Binding a step-up to the transaction"). */
  details?: TransactionDetails;
  /** The client's copy of the binding: must be the digest of `details`. */
  binding?: string;
  title?: string;
  /** The level the route asks for (its `acr_values`): `mfa` (default) or `phr`, passkeys only. */
  acr?: StepUpAcr;
}

/**
 * The level this challenge must reach: what the client asked for, raised to the server's
 * `manageAcr` for factor management (that rule is the server's, whatever the client says).
 */
export function wantedAcr(ctx: MfaContext, input: StartInput): StepUpAcr {
  if (input.resource === MANAGE_SCOPE.resource && ctx.policy.manageAcr === ACR_PHR) return ACR_PHR;
  return input.acr ?? ACR_MFA;
}

/** Refused before anything is stored: a `phr` step-up offers passkeys only, so nothing else may be asked for. */
function onlyPhishingResistant(ctx: MfaContext, input: StartInput, virtual: ServerFactor | undefined): void {
  const named = virtual ?? (input.factorType === undefined ? undefined : ctx.factors.get(input.factorType));
  if (named && !named.phishingResistant) {
    throw new MfaError('unsupported_factor', 'This step needs a passkey: other methods cannot confirm it.');
  }
}

/** The factor a client asks for by type, or by the id of a virtual factor's entry (`recovery`). */
function wantedFactor(ctx: MfaContext, input: StartInput): ServerFactor | undefined {
  const byType = input.factorType === undefined ? undefined : ctx.factors.get(input.factorType);
  if (input.factorType !== undefined && !byType) {
    throw new MfaError('malformed_request', `factorType: no factor of type "${input.factorType}" on this server`);
  }
  const byId = input.factorId === undefined ? undefined : ctx.factors.get(input.factorId);
  return byType?.virtual ? byType : byId?.virtual && !byId.standalone ? byId : undefined;
}

export async function startChallenge(ctx: MfaContext, scope: Scope, input: StartInput): Promise<ChallengeResponse> {
  const { user } = scope;
  const limited = limitChallenges(ctx, user.sub, scope.ip); // per user and per IP, before any other work
  // Reads change nothing, so the user's factors are read while the limits are counted (one store
  // round trip fewer on Redis) and used only once the limits let the request through.
  const factorsRead = usableFactors(ctx, user.sub);
  factorsRead.catch(() => {}); // a refused or failed request never awaits it
  await limited;
  const env: FactorEnv = { ctx, scope };
  const now = ctx.now();
  // The server computes the binding itself; the client's copy only catches a details/binding mix-up.
  const binding = input.details && bindingOf(input, input.details);
  if (input.binding !== undefined && input.binding !== binding) {
    throw new MfaError('malformed_request', input.details ? 'binding: not the digest of these details (docs/server.md)' : 'binding: sent without its details');
  }
  const draft: StoredChallenge = {
    id: randomUUID(), sub: user.sub, resource: input.resource, action: input.action, factorId: '', stepGuid: randomUUID(),
    reason: input.reason, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS,
    ...(input.details && { details: input.details, binding }),
  };
  const virtual = wantedFactor(ctx, input);
  const acr = wantedAcr(ctx, input);
  if (acr === ACR_PHR) onlyPhishingResistant(ctx, input, virtual);
  if (virtual?.standalone) {
    const started = await virtual.challenge(env, { draft, sameType: [], named: false });
    sweepExpiredChallenges(ctx, now);
    return challenged(started.challenge, started.ref!, [started.ref!], started.step);
  }
  // Freshness never approves a transaction (the user must see this one), and only a proof at
  // least as strong as asked for answers; the token says the level asked for.
  if (!input.force && !binding) {
    const fresh = await findFresh(ctx, user, input, acr);
    if (fresh) return issueToken(ctx, scope, input.resource, input.action, acr, fresh.amr, fresh.authTime, true);
  }
  const all = await factorsRead;
  const factors = factorsAt(ctx, all, acr);
  if (factors.length === 0) {
    throw acr === ACR_PHR
      ? new MfaError('not_enrolled', 'This step needs a passkey, and there is none on this account yet.')
      : new MfaError('not_enrolled', 'Add a second factor first.');
  }
  // A phr step-up lists the passkeys only: no recovery codes or other ways around it.
  // Only reads: looked up while the factor starts its step (one store round trip fewer).
  const refsRead = acr === ACR_PHR ? Promise.resolve(factors.map((f) => ({ id: f.id, type: f.type, label: f.label }))) : factorRefs(ctx, user.sub, factors);
  refsRead.catch(() => {}); // awaited below, after the step; a failure of both reports the step's
  let started;
  if (virtual) {
    started = await virtual.challenge(env, { draft, sameType: [], named: false });
  } else if (input.factorId && !factors.some((f) => f.id === input.factorId)) {
    // An unknown, pending or someone else's factor id gets a decoy (factors/decoy.ts).
    started = await startDecoy(env, { draft, sameType: [], named: true, acr }, input.factorId);
  } else {
    const factor = factors.find((f) => (input.factorId ? f.id === input.factorId : !input.factorType || f.type === input.factorType)) ?? factors[0];
    const sameType = factors.filter((f) => f.type === factor.type);
    started = await ctx.factors.get(factor.type)!.challenge(env, { draft, factor, sameType, named: Boolean(input.factorId), acr });
    started.ref ??= (await refsRead).find((r) => r.id === factor.id);
  }
  const refs = await refsRead;
  sweepExpiredChallenges(ctx, now);
  return challenged(started.challenge, started.ref!, refs, started.step);
}

/** The user's own live step-up challenge and the factor that answers it, or 404 / 410. */
async function liveChallenge(ctx: MfaContext, sub: string, challengeId: string): Promise<{ challenge: StoredChallenge; state: ChallengeState; factor: ServerFactor }> {
  // Enrollment challenges are never answerable here; someone else's challenge id is
  // indistinguishable from an unknown one.
  const challenge = isEnrollmentChallenge(challengeId) ? null : await ctx.store.getChallenge(challengeId);
  if (!challenge || challenge.sub !== sub) throw notFound();
  const state = readState(challenge.state);
  const factor = state && ctx.factors.forKind(state.kind);
  if (!state || !factor) throw notFound();
  if (challenge.expiresAt <= ctx.now()) {
    await ctx.store.deleteChallenge(challenge.id);
    throw new MfaError('expired', 'This request has expired. Start again.');
  }
  return { challenge, state, factor };
}

export async function resumeChallenge(ctx: MfaContext, scope: Scope, challengeId: string, answers: { guid: string; value: string }[]): Promise<ChallengeResponse> {
  const { challenge, state, factor } = await liveChallenge(ctx, scope.user.sub, challengeId);
  const answer = answers.find((a) => a.guid === challenge.stepGuid);
  if (!answer || answers.length !== 1) throw new MfaError('malformed_request', 'Answer the challenge that was asked.');
  const verdict = await factor.verify({ ctx, scope }, challenge, state, answer.value);
  if ('next' in verdict) return verdict.next;
  const { amr, acr = ACR_MFA } = verdict;
  // Two right answers racing on one challenge: only the one that removes it gets a token.
  if (!(await ctx.store.deleteChallenge(challenge.id))) throw notFound();
  const { sub } = scope.user;
  await ctx.audit.record({ type: 'verify.success', sub, resource: challenge.resource, action: challenge.action, factor: amr, metadata: { ...(challenge.reason && { reason: challenge.reason }), ...(acr !== ACR_MFA && { acr }) } });
  const authTime = Math.floor(ctx.now() / 1000);
  // Knowledge answers never count as a recent step-up (they are not MFA).
  if (acr === ACR_MFA || acr === ACR_PHR) await recordFresh(ctx, scope.user, { resource: challenge.resource, action: challenge.action, authTime, acr, amr: [amr] });
  return issueToken(ctx, scope, challenge.resource, challenge.action, acr, [amr], authTime, false, challenge.binding);
}

/** "Send a new code": replaces the code (the old one stops working); failures stay counted. */
export async function resendChallengeCode(ctx: MfaContext, scope: Scope, challengeId: string): Promise<ChallengedResponse> {
  const { challenge, state, factor } = await liveChallenge(ctx, scope.user.sub, challengeId);
  if (!factor.resend) throw new MfaError('conflict', 'This step sent no code.');
  return factor.resend({ ctx, scope }, challenge, state);
}

/** Signs the token; `authTime` is the moment the user proved the factor (kept for fresh reuse). */
async function issueToken(
  ctx: MfaContext, { user }: Scope, resource: string, action: string, acr: string, amr: string[], authTime: number, fresh: boolean, txn?: string,
): Promise<VerifiedResponse> {
  const now = ctx.now();
  const sid = randomUUID();
  const { sub } = user;
  const { token, exp } = await signStepUpToken(await ctx.keys(), ctx.policy.token, {
    sub, sid, ssn: sessionClaim(user), resource, action, acr, amr, authTime, now, txn,
  });
  await ctx.audit.record({ type: 'token.issued', sub, resource, action, metadata: { sid, exp, ...(fresh && { fresh: true }), ...(acr !== ACR_MFA && { acr }), ...(txn && { txn }) } });
  return { status: 'VERIFIED', sid, token, expiresAt: new Date(exp * 1000).toISOString(), acr, amr, resource, action };
}
