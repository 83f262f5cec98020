/**
 * Step-up challenges: start one for (resource, action) on a factor, resume it with the answer —
 * possibly over several steps of one challenge id (choose a phone → enter the code; KBA
 * questions) — and issue the step-up token when the last answer is right.
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../core/errors.js';
import { stripSpaces } from '../core/code-format.js';
import type { ChallengeFactorRef, ChallengeResponse, ChallengeStep, ChallengedResponse, VerifiedResponse } from '../core/types.js';
import { readState, writeState, type ChallengeState } from './challenge-state.js';
import { CHALLENGE_TTL_MS, type MfaContext, type SessionUser } from './config.js';
import { findFresh, recordFresh } from './freshness.js';
import { attemptCode, assertNotLocked } from './factors/attempt.js';
import {
  contactAmr, deliverCode, isContactType, maskContact, newSentCode, openContact, type Contact, type ContactType, type SendContext,
} from './factors/contact-factor.js';
import { ACR_KBA, KBA_AMR, KBA_KEY, kbaLockKey, kbaStep, type KbaQuestion } from './factors/kba.js';
import { resendAfterSeconds, sentCodeMatches, type SentCodeState } from './factors/one-time-code.js';
import { notifyUser } from './factors/notices.js';
import { RECOVERY_AMR, RECOVERY_KEY, RECOVERY_LABEL, consumeRecoveryCode, parseRecoveryCode } from './factors/recovery-factor.js';
import { DEFAULT_TOTP_LABEL, TOTP_AMR, checkTotpCode, parseTotpCode } from './factors/totp-factor.js';
import { authenticationOptions, relyingParty, verifyAuthentication } from './factors/webauthn-factor.js';
import { limitSends } from './send-budget.js';
import type { StoredChallenge, StoredFactor } from './stores/store.js';
import { signStepUpToken } from './tokens/step-up-token.js';
import { sessionClaim } from './session.js';

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

/**
 * The order factors are offered in: an app or a passkey before email, email before phone (the
 * restricted factor, DESIGN §5); within a class, the one used last first (remembered on the
 * server as `lastUsedAt`), then the oldest.
 */
const STRENGTH: Record<string, number> = { webauthn: 0, totp: 0, email: 1, phone: 2 };

async function usableFactors(ctx: MfaContext, sub: string): Promise<StoredFactor[]> {
  const all = await ctx.store.listFactors(sub);
  return all
    .filter((f) => f.confirmed && (f.type !== 'webauthn' || ctx.webauthn))
    .sort((a, b) => STRENGTH[a.type] - STRENGTH[b.type] || (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) || a.createdAt - b.createdAt);
}

async function factorRefs(ctx: MfaContext, sub: string, factors: StoredFactor[]): Promise<ChallengeFactorRef[]> {
  const refs: ChallengeFactorRef[] = factors.map((f) => ({ id: f.id, type: f.type, label: f.label }));
  if ((await ctx.store.countRecoveryCodes(sub)) > 0) refs.push({ id: RECOVERY_KEY, type: 'recovery', label: RECOVERY_LABEL });
  return refs;
}

/** A later step's `factor` and `factors` (the user's list, as at the start). */
async function refsFor(ctx: MfaContext, factor: StoredFactor): Promise<{ ref: ChallengeFactorRef; refs: ChallengeFactorRef[] }> {
  const refs = await factorRefs(ctx, factor.sub, await usableFactors(ctx, factor.sub));
  return { ref: refs.find((r) => r.id === factor.id) ?? { id: factor.id, type: factor.type, label: factor.label }, refs };
}

const codeStep = (digits: number, guid: string): ChallengeStep =>
  ({ guid, type: 'code', label: 'Enter the code from your authenticator app', fieldName: 'code', length: digits, inputMode: 'numeric' });

const recoveryStep = (guid: string): ChallengeStep =>
  ({ guid, type: 'code', label: 'Enter one of your recovery codes', fieldName: 'recoveryCode', inputMode: 'text' });

function sentCodeStep(guid: string, sentTo: string, sent: SentCodeState, now: number): ChallengeStep {
  const resendAfter = resendAfterSeconds(sent, now);
  return {
    guid, type: 'code', label: `Enter the code sent to ${sentTo}`, fieldName: 'code', length: 6, inputMode: 'numeric', sentTo,
    ...(resendAfter !== null && { resendAfter }),
    ...(sent.failed && { deliveryFailed: true }),
  };
}

const pickStep = (ctx: MfaContext, type: ContactType, factors: StoredFactor[], guid: string): ChallengeStep => ({
  guid,
  type: 'options',
  label: type === 'phone' ? 'Which phone should get the code?' : 'Which address should get the code?',
  fieldName: 'destination',
  options: factors.map((f) => ({ label: maskContact(type, openContact(ctx, f).address), value: f.id })),
});

const DECOY_PREFIX = 'decoy:';
/** `factorId` of a challenge that is still choosing among several phones or addresses. */
const PICK_KEY = 'pick';
const WEBAUTHN_KEY = 'webauthn';

export interface StartInput {
  resource: string;
  action: string;
  /** Ask for a code even when an earlier step-up is still fresh. */
  force?: boolean;
  /** The route's `max_age` (seconds): an earlier step-up must be at most this old to count. */
  maxAge?: number;
  factorId?: string;
  factorType?: 'totp' | 'recovery' | 'phone' | 'email' | 'webauthn' | 'kba';
  reason?: string;
}

/** Where the request came from: the WebOTP host and the WebAuthn relying party. */
export interface RequestOrigin extends SendContext {
  origin?: string;
}

export async function startChallenge(ctx: MfaContext, user: SessionUser, input: StartInput, from: RequestOrigin = {}): Promise<ChallengeResponse> {
  const { sub } = user;
  if (input.factorType === 'kba') return startKba(ctx, sub, input, from);
  if (!input.force) {
    const fresh = await findFresh(ctx, user, input, ACR_MFA);
    if (fresh) return issueToken(ctx, user, input.resource, input.action, ACR_MFA, fresh.amr, fresh.authTime, true);
  }
  const factors = await usableFactors(ctx, sub);
  if (factors.length === 0) throw new MfaError('not_enrolled', 'Add a second factor first.');
  const refs = await factorRefs(ctx, sub, factors);
  const now = ctx.now();
  const challenge: StoredChallenge = {
    id: randomUUID(), sub, resource: input.resource, action: input.action, factorId: '', stepGuid: randomUUID(),
    reason: input.reason, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS,
  };
  let step: ChallengeStep;
  let ref: ChallengeFactorRef;

  if (input.factorType === 'recovery' || input.factorId === RECOVERY_KEY) {
    if (!refs.some((r) => r.type === 'recovery')) throw new MfaError('not_enrolled', 'No recovery codes are left.');
    await assertNotLocked(ctx, sub, RECOVERY_KEY);
    challenge.factorId = RECOVERY_KEY;
    ref = refs.find((r) => r.id === RECOVERY_KEY)!;
    step = recoveryStep(challenge.stepGuid);
  } else if (input.factorId && !factors.some((f) => f.id === input.factorId)) {
    // An unknown, pending or someone else's factor id gets a decoy: a challenge that looks like a
    // real one and answers every code exactly as a wrong code (same status, body, lockout), so
    // ids cannot be probed (issue #4 enumeration rule).
    challenge.factorId = `${DECOY_PREFIX}${input.factorId}`;
    await assertNotLocked(ctx, sub, challenge.factorId); // a decoy locks like a real factor
    ref = { id: input.factorId, type: 'totp', label: DEFAULT_TOTP_LABEL };
    step = codeStep(ctx.totp.digits, challenge.stepGuid);
  } else {
    const factor = factors.find((f) => (input.factorId ? f.id === input.factorId : !input.factorType || f.type === input.factorType)) ?? factors[0];
    ref = refs.find((r) => r.id === factor.id)!;
    const sameType = factors.filter((f) => f.type === factor.type);
    if (factor.type === 'totp') {
      await assertNotLocked(ctx, sub, factor.id);
      challenge.factorId = factor.id;
      step = codeStep(factor.digits, challenge.stepGuid);
    } else if (factor.type === 'webauthn') {
      const allowed = input.factorId ? [factor] : sameType;
      const publicKey = await authenticationOptions(ctx, allowed, relyingParty(ctx, from.origin));
      challenge.factorId = input.factorId ? factor.id : WEBAUTHN_KEY;
      challenge.state = writeState({ kind: 'webauthn', challenge: publicKey.challenge, factorIds: allowed.map((f) => f.id) });
      step = { guid: challenge.stepGuid, type: 'webauthn', label: 'Use your passkey or security key', publicKey: publicKey as never };
    } else if (isContactType(factor.type) && !input.factorId && sameType.length > 1) {
      challenge.factorId = PICK_KEY;
      challenge.state = writeState({ kind: 'pick', type: factor.type, offered: sameType.map((f) => f.id) });
      step = pickStep(ctx, factor.type, sameType, challenge.stepGuid);
    } else {
      const type = factor.type as ContactType;
      await assertNotLocked(ctx, sub, factor.id);
      const contact = openContact(ctx, factor);
      challenge.factorId = factor.id;
      const stored = await storeThenDeliver(ctx, challenge, INSERT, newSentCode(ctx, challenge.id, undefined), (sent) => ({ kind: 'sent', ...sent }), type, contact, from);
      sweepExpiredChallenges(ctx, now);
      return challenged(stored.challenge, ref, refs, sentCodeStep(challenge.stepGuid, maskContact(type, contact.address), stored.sent, ctx.now()));
    }
  }
  await ctx.store.insertChallenge(challenge);
  sweepExpiredChallenges(ctx, now);
  return challenged(challenge, ref, refs, step);
}

/** `storeThenDeliver`'s `expected` for a challenge that is not stored yet. */
export const INSERT = Symbol('insert');

/** Inserts `next`, or replaces the stored challenge if its state is still `expected` (else 409). */
async function put(ctx: MfaContext, next: StoredChallenge, expected: string | undefined | typeof INSERT): Promise<void> {
  if (expected === INSERT) await ctx.store.insertChallenge(next);
  else if (!(await ctx.store.updateChallenge(next, expected))) throw new MfaError('conflict', 'This step was already answered or a new code was already sent.');
}

/**
 * Stores the state that holds a new code — one insert or compare-and-set, so of racing resends
 * or picks exactly one sends a message — and only then delivers it. When the sender fails, the
 * stored state says so (best effort: a newer code stored meanwhile wins) and the answer carries
 * `deliveryFailed`. Shared with enrollment.
 *
 * The send budgets (anti-pumping) are spent first, so a refusal stores nothing; `counted`: the
 * caller already spent them (enrollment does, before it stores the pending factor).
 */
export async function storeThenDeliver(
  ctx: MfaContext, challenge: StoredChallenge, expected: string | undefined | typeof INSERT,
  fresh: { code: string; state: SentCodeState }, wrap: (sent: SentCodeState) => ChallengeState,
  type: ContactType, contact: Contact, from: RequestOrigin, { counted = false } = {},
): Promise<{ challenge: StoredChallenge; sent: SentCodeState }> {
  const state = wrap(fresh.state);
  if (!counted) await limitSends(ctx, { sub: challenge.sub, ip: from.ip, type, contact, confirmed: state.kind !== 'enroll-code' });
  const stored: StoredChallenge = { ...challenge, state: writeState(state) };
  await put(ctx, stored, expected);
  if (await deliverCode(ctx, type, challenge.sub, contact, fresh.code, fresh.state.sends, from)) return { challenge: stored, sent: fresh.state };
  const sent = { ...fresh.state, failed: true };
  const marked: StoredChallenge = { ...stored, state: writeState(wrap(sent)) };
  return { challenge: (await ctx.store.updateChallenge(marked, stored.state)) ? marked : stored, sent };
}

const challenged = (c: StoredChallenge, factor: ChallengeFactorRef, factors: ChallengeFactorRef[], step: ChallengeStep): ChallengedResponse =>
  ({ status: 'CHALLENGED', challengeId: c.id, factor, factors, challenges: [step], expiresAt: iso(c.expiresAt) });

/** The user's own live challenge, or 404 / 410. Enrollment challenges are never answerable here. */
async function liveChallenge(ctx: MfaContext, sub: string, challengeId: string): Promise<{ challenge: StoredChallenge; state?: ChallengeState }> {
  const challenge = await ctx.store.getChallenge(challengeId);
  // Someone else's challenge id is indistinguishable from an unknown one.
  if (!challenge || challenge.sub !== sub) throw notFound();
  const state = readState(challenge.state);
  if (state?.kind === 'enroll-code' || state?.kind === 'enroll-webauthn') throw notFound();
  if (challenge.expiresAt <= ctx.now()) {
    await ctx.store.deleteChallenge(challenge.id);
    throw new MfaError('expired', 'This request has expired. Start again.');
  }
  return { challenge, state };
}

/** A 6-digit sent code, as the server accepts it (400 otherwise, not counted). */
function parseSentCode(value: string): string {
  const code = stripSpaces(value);
  if (!/^[0-9]{6}$/.test(code)) throw new MfaError('malformed_code', 'Enter the 6-digit code we sent you.');
  return code;
}

/** Checks a sent code for `bindTo` under the lockout rule of `key`. */
export async function attemptSentCode(
  ctx: MfaContext, sub: string, key: string, bindTo: string, sent: SentCodeState, value: string, amr: string, resetOnSuccess = true,
): Promise<void> {
  const code = parseSentCode(value);
  await attemptCode(ctx, sub, key, async () => sent.codeExpiresAt > ctx.now() && sentCodeMatches(ctx, bindTo, code, sent.codeHash), amr, resetOnSuccess);
}

export async function resumeChallenge(
  ctx: MfaContext, user: SessionUser, challengeId: string, answers: { guid: string; value: string }[], from: RequestOrigin = {},
): Promise<ChallengeResponse> {
  const { sub } = user;
  const { challenge, state } = await liveChallenge(ctx, sub, challengeId);
  const answer = answers.find((a) => a.guid === challenge.stepGuid);
  if (!answer || answers.length !== 1) throw new MfaError('malformed_request', 'Answer the challenge that was asked.');

  let amr: string;
  let acr = ACR_MFA;
  if (state?.kind === 'pick') {
    return pickDestination(ctx, challenge, state, answer.value, from);
  } else if (state?.kind === 'kba') {
    const next = await answerKba(ctx, challenge, state, answer.value, from);
    if (next) return next;
    amr = KBA_AMR;
    acr = ACR_KBA;
  } else if (state?.kind === 'webauthn') {
    const factors = (await usableFactors(ctx, sub)).filter((f) => state.factorIds.includes(f.id));
    if (factors.length === 0) throw notFound(); // removed meanwhile
    ({ amr } = await verifyAuthentication(ctx, factors, answer.value, state.challenge, relyingParty(ctx, from.origin)));
  } else if (state?.kind === 'sent') {
    const factor = await ctx.store.getFactor(sub, challenge.factorId);
    if (!factor || !factor.confirmed || !isContactType(factor.type)) throw notFound(); // removed meanwhile
    amr = contactAmr(factor.type, openContact(ctx, factor));
    await attemptSentCode(ctx, sub, factor.id, challenge.id, state, answer.value, amr);
    await ctx.store.touchFactor(sub, factor.id, ctx.now());
  } else if (challenge.factorId === RECOVERY_KEY) {
    const hash = parseRecoveryCode(answer.value);
    await attemptCode(ctx, sub, RECOVERY_KEY, () => consumeRecoveryCode(ctx, sub, hash), 'recovery');
    amr = RECOVERY_AMR;
    const left = await ctx.store.countRecoveryCodes(sub);
    await ctx.audit.record({ type: 'recovery.used', sub, resource: challenge.resource, action: challenge.action, factor: 'recovery', severity: 'warning', metadata: { left } });
    // In the background: a slow mail provider must not hold up (or time out) the step-up.
    notifyUser(ctx, { type: 'recovery.used', sub, left });
  } else if (challenge.factorId.startsWith(DECOY_PREFIX)) {
    // Same parsing, same counting, never a success: indistinguishable from a wrong code.
    parseTotpCode(answer.value, ctx.totp.digits);
    await attemptCode(ctx, sub, challenge.factorId, async () => false, 'totp');
    throw new MfaError('invalid_code', 'That code is not valid.');
  } else {
    const factor = await ctx.store.getFactor(sub, challenge.factorId);
    if (!factor || !factor.confirmed || factor.type !== 'totp') throw notFound(); // removed meanwhile
    const code = parseTotpCode(answer.value, factor.digits);
    await attemptCode(ctx, sub, factor.id, () => checkTotpCode(ctx, factor, code), 'totp');
    amr = TOTP_AMR;
  }
  // Two right answers racing on one challenge: only the one that removes it gets a token.
  if (!(await ctx.store.deleteChallenge(challenge.id))) throw notFound();
  await ctx.audit.record({ type: 'verify.success', sub, resource: challenge.resource, action: challenge.action, factor: amr, metadata: { ...(challenge.reason && { reason: challenge.reason }), ...(acr !== ACR_MFA && { acr }) } });
  const authTime = Math.floor(ctx.now() / 1000);
  // Knowledge answers never count as a recent step-up (they are not MFA).
  if (acr === ACR_MFA) await recordFresh(ctx, user, { resource: challenge.resource, action: challenge.action, authTime, acr, amr: [amr] });
  return issueToken(ctx, user, challenge.resource, challenge.action, acr, [amr], authTime, false);
}

/** Step one of two: the user chose which phone (or address) gets the code; send it. */
async function pickDestination(
  ctx: MfaContext, challenge: StoredChallenge, state: Extract<ChallengeState, { kind: 'pick' }>, value: string, from: RequestOrigin,
): Promise<ChallengedResponse> {
  if (!state.offered.includes(value)) throw new MfaError('invalid_option', 'Choose one of the options offered.');
  const factor = await ctx.store.getFactor(challenge.sub, value);
  if (!factor || !factor.confirmed) throw notFound(); // removed meanwhile
  await assertNotLocked(ctx, challenge.sub, factor.id);
  const contact = openContact(ctx, factor);
  const next: StoredChallenge = { ...challenge, factorId: factor.id, stepGuid: randomUUID() };
  const stored = await storeThenDeliver(ctx, next, challenge.state, newSentCode(ctx, challenge.id, undefined), (sent) => ({ kind: 'sent', ...sent }), state.type, contact, from);
  const { ref, refs } = await refsFor(ctx, factor);
  return challenged(stored.challenge, ref, refs, sentCodeStep(next.stepGuid, maskContact(state.type, contact.address), stored.sent, ctx.now()));
}

/** "Send a new code": replaces the code (the old one stops working); failures stay counted. */
export async function resendChallengeCode(ctx: MfaContext, user: SessionUser, challengeId: string, from: RequestOrigin = {}): Promise<ChallengedResponse> {
  const { challenge, state } = await liveChallenge(ctx, user.sub, challengeId);
  if (state?.kind !== 'sent' && state?.kind !== 'kba') throw new MfaError('conflict', 'This step sent no code.');
  const sentState = state.kind === 'sent' ? state : state.sent;
  if (!sentState) throw new MfaError('conflict', 'This step sent no code.');
  let contact: Contact;
  let type: ContactType;
  let ref: ChallengeFactorRef;
  let refs: ChallengeFactorRef[];
  let kbaKey = '';
  if (state.kind === 'sent') {
    const factor = await ctx.store.getFactor(user.sub, challenge.factorId);
    if (!factor || !isContactType(factor.type)) throw notFound();
    contact = openContact(ctx, factor);
    type = factor.type;
    ({ ref, refs } = await refsFor(ctx, factor));
  } else {
    const questions = await kbaQuestions(ctx, challenge);
    const q = questions[state.index];
    if (!q?.sendTo) throw new MfaError('conflict', 'This step sent no code.');
    kbaKey = kbaLockKey(ctx.kba!, user.sub, challenge, questions);
    ({ type, ...contact } = q.sendTo);
    ref = KBA_REF;
    refs = [KBA_REF];
  }
  await assertMayResend(ctx, user.sub, state.kind === 'sent' ? challenge.factorId : kbaKey, sentState);
  const wrap = (sent: SentCodeState): ChallengeState => (state.kind === 'sent' ? { kind: 'sent', ...sent } : { ...state, sent });
  const stored = await storeThenDeliver(ctx, challenge, challenge.state, newSentCode(ctx, challenge.id, sentState), wrap, type, contact, from);
  return challenged(stored.challenge, ref, refs, sentCodeStep(challenge.stepGuid, maskContact(type, contact.address), stored.sent, ctx.now()));
}

/** The resend rule, shared with enrollment: wait for the countdown, at most MAX_SENDS codes. */
export async function assertMayResend(ctx: MfaContext, sub: string, lockKey: string, previous: SentCodeState): Promise<void> {
  const wait = resendAfterSeconds(previous, ctx.now());
  if (wait === null) throw new MfaError('rate_limited', 'No more codes can be sent for this request. Start again later.', { retryAfter: CHALLENGE_TTL_MS / 1000 });
  if (wait > 0) throw new MfaError('rate_limited', 'Wait a moment before asking for a new code.', { retryAfter: wait });
  // Failures are per factor, not per code: a new code never resets them (DESIGN §7), and a
  // locked factor gets no new code.
  await assertNotLocked(ctx, sub, lockKey);
}

// ---- KBA (MX-style question flows of an integration) ----

const KBA_REF: ChallengeFactorRef = { id: KBA_KEY, type: 'kba', label: 'Security questions' };

async function kbaQuestions(ctx: MfaContext, c: Pick<StoredChallenge, 'sub' | 'resource' | 'action'>): Promise<KbaQuestion[]> {
  if (!ctx.kba) throw new MfaError('unsupported_factor', 'Security questions are not enabled on this server.');
  const list = await ctx.kba.questions(c.sub, { resource: c.resource, action: c.action });
  if (!list || list.length === 0) throw new MfaError('not_enrolled', 'There are no security questions for this account.');
  return list;
}

/** Stores question `index` as the challenge's step (a `code` question sends its code once stored). */
async function kbaAsk(
  ctx: MfaContext, challenge: StoredChallenge, expected: string | undefined | typeof INSERT, q: KbaQuestion, index: number, from: RequestOrigin,
): Promise<{ challenge: StoredChallenge; step: ChallengeStep }> {
  if (q.type !== 'code') {
    const step = kbaStep(q, challenge.stepGuid); // refuses unsafe pictures before anything is stored
    const stored: StoredChallenge = { ...challenge, state: writeState({ kind: 'kba', index }) };
    await put(ctx, stored, expected);
    return { challenge: stored, step };
  }
  if (!q.sendTo) throw new Error('kba: a code question needs sendTo');
  const { type, ...contact } = q.sendTo;
  const stored = await storeThenDeliver(ctx, challenge, expected, newSentCode(ctx, challenge.id, undefined), (sent) => ({ kind: 'kba', index, sent }), type, contact, from);
  return { challenge: stored.challenge, step: sentCodeStep(challenge.stepGuid, maskContact(type, contact.address), stored.sent, ctx.now()) };
}

async function startKba(ctx: MfaContext, sub: string, input: StartInput, from: RequestOrigin): Promise<ChallengedResponse> {
  const now = ctx.now();
  const challenge: StoredChallenge = {
    id: randomUUID(), sub, resource: input.resource, action: input.action, factorId: KBA_KEY, stepGuid: randomUUID(),
    reason: input.reason, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS,
  };
  const questions = await kbaQuestions(ctx, challenge);
  await assertNotLocked(ctx, sub, kbaLockKey(ctx.kba!, sub, challenge, questions));
  const asked = await kbaAsk(ctx, challenge, INSERT, questions[0], 0, from);
  sweepExpiredChallenges(ctx, now);
  return challenged(asked.challenge, KBA_REF, [KBA_REF], asked.step);
}

/** Checks the answer to the current question; returns the next step, or null when all are answered. */
async function answerKba(
  ctx: MfaContext, challenge: StoredChallenge, state: Extract<ChallengeState, { kind: 'kba' }>, value: string, from: RequestOrigin,
): Promise<ChallengedResponse | null> {
  const questions = await kbaQuestions(ctx, challenge);
  const q = questions[state.index];
  if (!q) throw notFound();
  // A right answer to an easy question must not wipe the failures of a hard one: only the
  // last answer resets the count.
  const last = state.index + 1 >= questions.length;
  const lockKey = kbaLockKey(ctx.kba!, challenge.sub, challenge, questions);
  if (q.type === 'code') {
    if (!state.sent) throw notFound();
    await attemptSentCode(ctx, challenge.sub, lockKey, challenge.id, state.sent, value, KBA_AMR, last);
  } else {
    if ((q.type === 'options' || q.type === 'image') && !q.options?.some((o) => o.value === value)) {
      throw new MfaError('invalid_option', 'Choose one of the options offered.');
    }
    if (q.type === 'text' && value.trim() === '') throw new MfaError('malformed_code', 'Type an answer.');
    await attemptCode(ctx, challenge.sub, lockKey, async () => Boolean(await q.check?.(value)), KBA_AMR, last);
  }
  const index = state.index + 1;
  if (index >= questions.length) return null;
  const asked = await kbaAsk(ctx, { ...challenge, stepGuid: randomUUID() }, challenge.state, questions[index], index, from);
  return challenged(asked.challenge, KBA_REF, [KBA_REF], asked.step);
}

/** Signs the token; `authTime` is the moment the user proved the factor (kept for fresh reuse). */
async function issueToken(
  ctx: MfaContext, user: SessionUser, resource: string, action: string, acr: string, amr: string[], authTime: number, fresh: boolean,
): Promise<VerifiedResponse> {
  const now = ctx.now();
  const sid = randomUUID();
  const { sub } = user;
  const { token, exp } = await signStepUpToken(await ctx.keys(), ctx.token, {
    sub, sid, ssn: sessionClaim(user), resource, action, acr, amr, authTime, now,
  });
  await ctx.audit.record({ type: 'token.issued', sub, resource, action, metadata: { sid, exp, ...(fresh && { fresh: true }), ...(acr !== ACR_MFA && { acr }) } });
  return { status: 'VERIFIED', sid, token, expiresAt: iso(exp * 1000), acr, amr, resource, action };
}
