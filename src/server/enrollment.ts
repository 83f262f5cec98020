/**
 * Managing factors: enroll, confirm, list, rename, remove, regenerate recovery codes.
 * Which of these need a step-up first is decided by the HTTP layer (http/app.ts).
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../core/errors.js';
import type { ConfirmEnrollmentResponse, EnrollableFactorType, Enrollment, FactorList, FactorSummary } from '../core/types.js';
import { enrollmentChallengeId, readState, writeState } from './challenge-state.js';
import { PENDING_FACTOR_TTL_MS, type MfaContext } from './config.js';
import { attemptCode } from './factors/attempt.js';
import {
  maskContact, newSentCode, normalizeEmail, normalizePhone, openContact, sealContact, type Contact, type ContactType, type PhoneChannel,
} from './factors/contact-factor.js';
import { resendAfterSeconds, type SentCodeState } from './factors/one-time-code.js';
import { generateRecoveryCodes, recoveryCodeMac } from './crypto/recovery-codes.js';
import { issueRecoveryCodes } from './factors/recovery-factor.js';
import { notifyUser } from './factors/notices.js';
import { checkTotpCode, createTotpFactor, parseTotpCode } from './factors/totp-factor.js';
import { DEFAULT_PASSKEY_LABEL, registrationOptions, relyingParty, verifyRegistration } from './factors/webauthn-factor.js';
import { limitSends } from './send-budget.js';
import type { StoredChallenge, StoredFactor } from './stores/store.js';
import { INSERT, assertMayResend, attemptSentCode, storeThenDeliver, type RequestOrigin } from './verification.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const summarize = (f: StoredFactor): FactorSummary => ({
  id: f.id,
  type: f.type,
  label: f.label,
  createdAt: iso(f.createdAt)!,
  lastUsedAt: iso(f.lastUsedAt),
});

/** A factor that alone is strong enough (phone and email are not, DESIGN §5). */
const isStrong = (f: StoredFactor) => f.type === 'totp' || f.type === 'webauthn';

export async function hasConfirmedFactor(ctx: MfaContext, sub: string): Promise<boolean> {
  return (await ctx.store.listFactors(sub)).some((f) => f.confirmed);
}

export function availableTypes(ctx: MfaContext): EnrollableFactorType[] {
  return [
    'totp',
    ...(ctx.webauthn ? ['webauthn' as const] : []),
    ...(ctx.senders.sms ? ['phone' as const] : []),
    ...(ctx.senders.email ? ['email' as const] : []),
  ];
}

export async function listFactors(ctx: MfaContext, sub: string): Promise<FactorList> {
  const factors = (await ctx.store.listFactors(sub)).filter((f) => f.confirmed).map(summarize);
  return { factors, recoveryCodesLeft: await ctx.store.countRecoveryCodes(sub), available: availableTypes(ctx) };
}

export type EnrollInput =
  | { type: 'totp'; label?: string }
  | { type: 'webauthn'; label?: string }
  | { type: 'phone'; phone: string; channel?: PhoneChannel; label?: string }
  | { type: 'email'; email: string; label?: string };

export async function enroll(ctx: MfaContext, sub: string, input: EnrollInput, from: RequestOrigin = {}): Promise<Enrollment> {
  if (!availableTypes(ctx).includes(input.type)) throw new MfaError('unsupported_factor', `This server cannot add a ${input.type} factor.`);
  await ctx.store.deletePendingFactors(sub, ctx.now() - PENDING_FACTOR_TTL_MS);
  if (input.type === 'totp') return createTotpFactor(ctx, sub, input.label);
  if (input.type === 'webauthn') return enrollPasskey(ctx, sub, input.label ?? DEFAULT_PASSKEY_LABEL, from);
  const contact: Contact = input.type === 'phone'
    ? { address: normalizePhone(input.phone), channel: input.channel ?? 'sms' }
    : { address: normalizeEmail(input.email) };
  return enrollContact(ctx, sub, input.type, contact, input.label, from);
}

function enrollmentChallenge(ctx: MfaContext, sub: string, factorId: string, state?: string): StoredChallenge {
  const now = ctx.now();
  return {
    id: enrollmentChallengeId(factorId), sub, resource: 'mfa', action: 'enroll', factorId, stepGuid: factorId,
    createdAt: now, expiresAt: now + PENDING_FACTOR_TTL_MS, state,
  };
}

async function enrollContact(
  ctx: MfaContext, sub: string, type: ContactType, contact: Contact, label: string | undefined, from: RequestOrigin,
): Promise<Enrollment> {
  // Policy (country, voice) and send budgets before anything is stored: a refused number leaves
  // no pending factor behind.
  await limitSends(ctx, { sub, ip: from.ip, type, contact, confirmed: false });
  const id = randomUUID();
  const masked = maskContact(type, contact.address);
  const factor: StoredFactor = {
    id, sub, type, label: label ?? masked, secretEnc: sealContact(ctx, { sub, id, type }, contact),
    algorithm: 'SHA256', digits: 6, period: 0, confirmed: false, createdAt: ctx.now(), lastUsedAt: null, lastStep: -1,
  };
  await ctx.store.insertFactor(factor);
  const challenge = enrollmentChallenge(ctx, sub, id);
  const { sent } = await storeThenDeliver(ctx, challenge, INSERT, newSentCode(ctx, challenge.id, undefined), (st) => ({ kind: 'enroll-code', ...st }), type, contact, from, { counted: true });
  return codeEnrollment(ctx, id, type, masked, sent, await restricted(ctx, sub, type));
}

function codeEnrollment(ctx: MfaContext, factorId: string, type: ContactType, sentTo: string, sent: SentCodeState, notice: boolean): Enrollment {
  const resendAfter = resendAfterSeconds(sent, ctx.now());
  return {
    factorId, type, sentTo,
    ...(resendAfter !== null && { resendAfter }),
    ...(sent.failed && { deliveryFailed: true }),
    ...(notice && { notice: 'restricted' as const }),
  };
}

/** A phone with no app or passkey beside it: the user should hear that it is the weakest kind. */
async function restricted(ctx: MfaContext, sub: string, type: string): Promise<boolean> {
  if (type !== 'phone') return false;
  return !(await ctx.store.listFactors(sub)).some((f) => f.confirmed && isStrong(f));
}

async function enrollPasskey(ctx: MfaContext, sub: string, label: string, from: RequestOrigin): Promise<Enrollment> {
  const rp = relyingParty(ctx, from.origin);
  const publicKey = await registrationOptions(ctx, sub, rp, await ctx.store.listFactors(sub));
  // The factor is stored only once the browser proves the credential; until then this
  // enrollment challenge carries the registration challenge (single use).
  const id = randomUUID();
  await ctx.store.insertChallenge(enrollmentChallenge(ctx, sub, id, writeState({ kind: 'enroll-webauthn', challenge: publicKey.challenge, label })));
  return { factorId: id, type: 'webauthn', publicKey: publicKey as never };
}

/** "Send a new code" during enrollment: same countdown and limits as in a challenge. */
export async function resendEnrollmentCode(ctx: MfaContext, sub: string, factorId: string, from: RequestOrigin = {}): Promise<Enrollment> {
  const factor = await ctx.store.getFactor(sub, factorId);
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  const state = readState(challenge?.state);
  if (!factor || factor.confirmed || !challenge || challenge.sub !== sub || state?.kind !== 'enroll-code') {
    throw new MfaError('not_found', 'No such pending factor. Start again.');
  }
  if (challenge.expiresAt <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
  const type = factor.type as ContactType;
  const contact = openContact(ctx, factor);
  await assertMayResend(ctx, sub, factor.id, state);
  const { sent } = await storeThenDeliver(ctx, challenge, challenge.state, newSentCode(ctx, challenge.id, state), (st) => ({ kind: 'enroll-code', ...st }), type, contact, from);
  return codeEnrollment(ctx, factor.id, type, maskContact(type, contact.address), sent, await restricted(ctx, sub, type));
}

/**
 * The rule for adding a factor, checked again at confirmation: true when this is a real pending
 * enrollment of the user, answered in full, while another factor is confirmed — then a fresh
 * mfa/manage step-up is needed. (A pending factor started while the account had none, perhaps
 * by an intruder in the session, must not become a second factor without one.) Unknown ids and
 * incomplete answers fall through to `confirmEnrollment`'s own 404 / 400.
 */
export async function confirmNeedsManage(ctx: MfaContext, sub: string, factorId: string, input: ConfirmInput): Promise<boolean> {
  if (input.code === undefined && input.credential === undefined) return false;
  const factors = await ctx.store.listFactors(sub);
  if (!factors.some((f) => f.confirmed && f.id !== factorId)) return false;
  if (factors.some((f) => f.id === factorId && !f.confirmed)) return true;
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  return challenge?.sub === sub && readState(challenge.state)?.kind === 'enroll-webauthn';
}

export interface ConfirmInput {
  code?: string;
  /** WebAuthn `RegistrationResponseJSON`. */
  credential?: Record<string, unknown>;
}

export async function confirmEnrollment(
  ctx: MfaContext, sub: string, factorId: string, input: ConfirmInput, from: RequestOrigin = {},
): Promise<ConfirmEnrollmentResponse> {
  const challenge = await ctx.store.getChallenge(enrollmentChallengeId(factorId));
  const state = challenge && challenge.sub === sub ? readState(challenge.state) : undefined;
  let factor: StoredFactor | null;
  if (state?.kind === 'enroll-webauthn') {
    if (challenge!.expiresAt <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
    if (!input.credential) throw new MfaError('malformed_request', 'Send the passkey credential.');
    factor = await verifyRegistration(ctx, sub, factorId, state.label, input.credential, state.challenge, relyingParty(ctx, from.origin));
    // Single use: of two racing confirmations only the one that removes the challenge stores the passkey.
    if (!(await ctx.store.deleteChallenge(challenge!.id))) throw new MfaError('conflict', 'This factor is already confirmed.');
    await ctx.store.insertFactor(factor);
  } else {
    factor = await ctx.store.getFactor(sub, factorId);
    if (!factor) throw new MfaError('not_found', 'No such pending factor. Start again.');
    if (factor.confirmed) throw new MfaError('conflict', 'This factor is already confirmed.');
    if (factor.createdAt + PENDING_FACTOR_TTL_MS <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
    if (input.code === undefined) throw new MfaError('malformed_request', 'Send the code.');
    if (factor.type === 'totp') {
      const code = parseTotpCode(input.code, factor.digits);
      const pending = factor;
      await attemptCode(ctx, sub, factor.id, () => checkTotpCode(ctx, pending, code), 'totp');
    } else {
      if (state?.kind !== 'enroll-code') throw new MfaError('expired', 'This enrollment has expired. Start again.');
      await attemptSentCode(ctx, sub, factor.id, challenge!.id, state, input.code, factor.type);
      await ctx.store.deleteChallenge(challenge!.id);
    }
  }
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
  const confirmed = summarize({ ...factor, confirmed: true, lastUsedAt: ctx.now() });
  const notice = (await restricted(ctx, sub, factor.type)) ? { notice: 'restricted' as const } : {};
  if (!recoveryCodes) return { factor: confirmed, ...notice };
  await ctx.audit.record({ type: 'recovery.issued', sub, factor: 'recovery', metadata: { count: recoveryCodes.length } });
  return { factor: confirmed, recoveryCodes, ...notice };
}

export async function renameFactor(ctx: MfaContext, sub: string, id: string, label: string): Promise<FactorSummary> {
  if (!(await ctx.store.renameFactor(sub, id, label))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.renamed', sub, metadata: { factorId: id } });
  return summarize((await ctx.store.getFactor(sub, id))!);
}

export async function removeFactor(ctx: MfaContext, sub: string, id: string): Promise<void> {
  const factor = await ctx.store.getFactor(sub, id);
  if (!factor || !(await ctx.store.deleteFactor(sub, id))) throw new MfaError('not_found', 'No such factor.');
  await ctx.audit.record({ type: 'factor.removed', sub, severity: 'warning', metadata: { factorId: id } });
  // An abandoned enrollment is not news; a working factor that disappears is.
  if (factor.confirmed) notifyUser(ctx, { type: 'factor.removed', sub, factor: { type: factor.type, label: factor.label } });
  // Without any factor the recovery codes would protect nothing; a new first factor issues new ones.
  if (!(await hasConfirmedFactor(ctx, sub))) await ctx.store.deleteRecoveryCodes(sub);
}

export async function regenerateRecoveryCodes(ctx: MfaContext, sub: string): Promise<string[]> {
  if (!(await hasConfirmedFactor(ctx, sub))) throw new MfaError('not_enrolled', 'Add a second factor first.');
  const codes = await issueRecoveryCodes(ctx, sub);
  await ctx.audit.record({ type: 'recovery.regenerated', sub, factor: 'recovery', severity: 'warning', metadata: { count: codes.length } });
  notifyUser(ctx, { type: 'recovery.regenerated', sub });
  return codes;
}
