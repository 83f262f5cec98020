/**
 * Step-up challenges: start one for (resource, action) on a factor, resume it with the answer,
 * and issue the step-up token when the answer is right.
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../core/errors.js';
import type { ChallengeFactorRef, ChallengedResponse, ChallengeResponse, ChallengeStep, VerifiedResponse } from '../core/types.js';
import { CHALLENGE_TTL_MS, type MfaContext, type SessionUser } from './config.js';
import { findFresh, recordFresh } from './freshness.js';
import { attemptCode, assertNotLocked } from './factors/attempt.js';
import { RECOVERY_AMR, RECOVERY_KEY, RECOVERY_LABEL, consumeRecoveryCode, parseRecoveryCode } from './factors/recovery-factor.js';
import { DEFAULT_TOTP_LABEL, TOTP_AMR, checkTotpCode, parseTotpCode } from './factors/totp-factor.js';
import type { StoredChallenge, StoredFactor } from './stores/store.js';
import { signStepUpToken } from './tokens/step-up-token.js';

export const ACR_MFA = 'mfa';

/** How often an instance clears challenges that expired unanswered. */
const SWEEP_EVERY_MS = 60_000;
const lastSweep = new WeakMap<MfaContext, number>();

/** Now and then, in the background: unanswered challenges must not pile up in the store. */
function sweepExpiredChallenges(ctx: MfaContext, now: number): void {
  if (now - (lastSweep.get(ctx) ?? 0) < SWEEP_EVERY_MS) return;
  lastSweep.set(ctx, now);
  ctx.store.deleteExpiredChallenges(now).catch(() => {}); // best effort; the next sweep retries
}

const iso = (ms: number) => new Date(ms).toISOString();
const notFound = () => new MfaError('not_found', 'No such challenge.');

/** Confirmed factors, most recently used first (the user's habit is the best default). */
async function usableFactors(ctx: MfaContext, sub: string): Promise<StoredFactor[]> {
  const all = await ctx.store.listFactors(sub);
  return all
    .filter((f) => f.confirmed)
    .sort((a, b) => (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) || a.createdAt - b.createdAt);
}

async function factorRefs(ctx: MfaContext, sub: string, factors: StoredFactor[]): Promise<ChallengeFactorRef[]> {
  const refs: ChallengeFactorRef[] = factors.map((f) => ({ id: f.id, type: f.type, label: f.label }));
  if ((await ctx.store.countRecoveryCodes(sub)) > 0) refs.push({ id: RECOVERY_KEY, type: 'recovery', label: RECOVERY_LABEL });
  return refs;
}

const codeStep = (digits: number, guid: string): ChallengeStep =>
  ({ guid, type: 'code', label: 'Enter the code from your authenticator app', fieldName: 'code', length: digits, inputMode: 'numeric' });

const recoveryStep = (guid: string): ChallengeStep =>
  ({ guid, type: 'code', label: 'Enter one of your recovery codes', fieldName: 'recoveryCode', inputMode: 'text' });

const DECOY_PREFIX = 'decoy:';

export interface StartInput {
  resource: string;
  action: string;
  /** Ask for a code even when an earlier step-up is still fresh. */
  force?: boolean;
  /** The route's `max_age` (seconds): an earlier step-up must be at most this old to count. */
  maxAge?: number;
  factorId?: string;
  factorType?: 'totp' | 'recovery';
  reason?: string;
}

export async function startChallenge(ctx: MfaContext, user: SessionUser, input: StartInput): Promise<ChallengeResponse> {
  const { sub } = user;
  if (!input.force) {
    const fresh = await findFresh(ctx, user, input, ACR_MFA);
    if (fresh) return issueToken(ctx, sub, input.resource, input.action, fresh.amr, fresh.authTime, true);
  }
  const factors = await usableFactors(ctx, sub);
  if (factors.length === 0) throw new MfaError('not_enrolled', 'Add a second factor first.');
  const refs = await factorRefs(ctx, sub, factors);

  let factor: StoredFactor | null = null;
  let key: string;
  let ref: ChallengeFactorRef;
  if (input.factorType === 'recovery' || input.factorId === RECOVERY_KEY) {
    if (!refs.some((r) => r.type === 'recovery')) throw new MfaError('not_enrolled', 'No recovery codes are left.');
    key = RECOVERY_KEY;
  } else if (input.factorId && !factors.some((f) => f.id === input.factorId)) {
    // An unknown, pending or someone else's factor id gets a decoy: a challenge that looks like a
    // real one and answers every code exactly as a wrong code (same status, body, lockout), so
    // ids cannot be probed (issue #4 enumeration rule).
    key = `${DECOY_PREFIX}${input.factorId}`;
    ref = { id: input.factorId, type: 'totp', label: DEFAULT_TOTP_LABEL };
  } else {
    factor = factors.find((f) => (input.factorId ? f.id === input.factorId : !input.factorType || f.type === input.factorType)) ?? factors[0];
    key = factor.id;
  }
  ref ??= refs.find((r) => r.id === key)!;
  await assertNotLocked(ctx, sub, key);

  const now = ctx.now();
  const challenge: StoredChallenge = {
    id: randomUUID(),
    sub,
    resource: input.resource,
    action: input.action,
    factorId: key,
    stepGuid: randomUUID(),
    reason: input.reason,
    createdAt: now,
    expiresAt: now + CHALLENGE_TTL_MS,
  };
  await ctx.store.insertChallenge(challenge);
  sweepExpiredChallenges(ctx, now);
  return {
    status: 'CHALLENGED',
    challengeId: challenge.id,
    factor: ref,
    factors: refs,
    challenges: [key === RECOVERY_KEY ? recoveryStep(challenge.stepGuid) : codeStep(factor?.digits ?? ctx.totp.digits, challenge.stepGuid)],
    expiresAt: iso(challenge.expiresAt),
  };
}

export async function resumeChallenge(
  ctx: MfaContext,
  user: SessionUser,
  challengeId: string,
  answers: { guid: string; value: string }[],
): Promise<VerifiedResponse> {
  const { sub } = user;
  const challenge = await ctx.store.getChallenge(challengeId);
  // Someone else's challenge id is indistinguishable from an unknown one.
  if (!challenge || challenge.sub !== sub) throw notFound();
  if (challenge.expiresAt <= ctx.now()) {
    await ctx.store.deleteChallenge(challenge.id);
    throw new MfaError('expired', 'This request has expired. Start again.');
  }
  const answer = answers.find((a) => a.guid === challenge.stepGuid);
  if (!answer || answers.length !== 1) throw new MfaError('malformed_request', 'Answer the challenge that was asked.');

  let amr: string;
  if (challenge.factorId === RECOVERY_KEY) {
    const hash = parseRecoveryCode(answer.value);
    await attemptCode(ctx, sub, RECOVERY_KEY, () => consumeRecoveryCode(ctx, sub, hash), 'recovery');
    amr = RECOVERY_AMR;
    const left = await ctx.store.countRecoveryCodes(sub);
    await ctx.audit.record({ type: 'recovery.used', sub, resource: challenge.resource, action: challenge.action, factor: 'recovery', severity: 'warning', metadata: { left } });
  } else if (challenge.factorId.startsWith(DECOY_PREFIX)) {
    // Same parsing, same counting, never a success: indistinguishable from a wrong code.
    parseTotpCode(answer.value, ctx.totp.digits);
    await attemptCode(ctx, sub, challenge.factorId, async () => false, 'totp');
    throw new MfaError('invalid_code', 'That code is not valid.');
  } else {
    const factor = await ctx.store.getFactor(sub, challenge.factorId);
    if (!factor || !factor.confirmed) throw notFound(); // removed meanwhile
    const code = parseTotpCode(answer.value, factor.digits);
    await attemptCode(ctx, sub, factor.id, () => checkTotpCode(ctx, factor, code), 'totp');
    amr = TOTP_AMR;
  }
  // Two right answers racing on one challenge: only the one that removes it gets a token.
  if (!(await ctx.store.deleteChallenge(challenge.id))) throw notFound();
  await ctx.audit.record({ type: 'verify.success', sub, resource: challenge.resource, action: challenge.action, factor: amr, metadata: challenge.reason ? { reason: challenge.reason } : undefined });
  const authTime = Math.floor(ctx.now() / 1000);
  await recordFresh(ctx, user, { resource: challenge.resource, action: challenge.action, authTime, acr: ACR_MFA, amr: [amr] });
  return issueToken(ctx, sub, challenge.resource, challenge.action, [amr], authTime, false);
}

/** Signs the token; `authTime` is the moment the user proved the factor (kept for fresh reuse). */
async function issueToken(
  ctx: MfaContext, sub: string, resource: string, action: string, amr: string[], authTime: number, fresh: boolean,
): Promise<VerifiedResponse> {
  const now = ctx.now();
  const sid = randomUUID();
  const { token, exp } = await signStepUpToken(await ctx.keys(), ctx.token, {
    sub, sid, resource, action, acr: ACR_MFA, amr, authTime, now,
  });
  await ctx.audit.record({ type: 'token.issued', sub, resource, action, metadata: { sid, exp, ...(fresh && { fresh: true }) } });
  return { status: 'VERIFIED', sid, token, expiresAt: iso(exp * 1000), acr: ACR_MFA, amr, resource, action };
}
