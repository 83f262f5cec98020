/**
 * Phone (SMS / voice) and email factors: a code the server sends (factors/sent-code.ts). The
 * number or address is personal data, so it is sealed at rest like a TOTP secret; what the UI
 * sees is a masked form. A user with several phones (or addresses) first picks which one gets
 * the code: two steps of one challenge.
 *
 * Phone is a restricted factor (NIST SP 800-63B-4 §3.1.3.3: SIM swap, SS7): it is listed after an
 * app or a passkey, and a user whose only factor is a phone gets `notice: 'restricted'`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { factorLabel } from './factor-label.js';
import { MfaError } from '../../core/errors.js';
import { strengthOf } from '../../core/factor-strength.js';
import { toE164 } from '../../core/phone.js';
import type { ChallengeStep, CodeEnrollment } from '../../core/types.js';
import { nextStep } from '../challenge-refs.js';
import { INSERT, enrollmentChallengeId, saveStep, type ChallengeState, type Expected } from '../challenge-state.js';
import { PENDING_FACTOR_TTL_MS, type MfaContext } from '../config.js';
import { contactAmr, type Contact, type ContactType } from '../delivery/deliver-code.js';
import { limitChallenges } from '../rate-limit.js';
import { limitSends } from '../send-budget.js';
import type { StoredChallenge, StoredFactor } from '../stores/store.js';
import { assertNotLocked } from './attempt.js';
import { assertMayResend, attemptSentCode, resendAfterSeconds, sendCode, sentCodeStep, type SentCodeState } from './sent-code.js';
import { aloneAndRestricted, notFound, type FactorEnv, type ServerFactor, type Started } from './server-factor.js';

export type { Contact, ContactType, PhoneChannel, SendContext } from '../delivery/deliver-code.js';
export { contactAmr };

/** `+1 (555) 123-4567` → `+15551234567`; anything that is not E.164 afterwards is refused. */
export function normalizePhone(input: string): string {
  const e164 = toE164(input);
  if (e164 === null) throw new MfaError('invalid_phone', 'Enter the number in international format, e.g. +1 555 123 4567.');
  return e164;
}

/** Only the domain is case-insensitive; the local part is kept as typed. */
export function normalizeEmail(input: string): string {
  const at = input.lastIndexOf('@');
  return `${input.slice(0, at)}@${input.slice(at + 1).toLowerCase()}`;
}

/**
 * Length of the E.164 country code at the start of `digits` (ITU-T E.164 assignments: codes are
 * prefix-free, so the first digits decide): 1 and 7 are one digit, these two-digit ones are two,
 * everything else is three.
 */
const TWO_DIGIT_CODES = /^(2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58])/;
export const countryCodeLength = (digits: string): number => (/^[17]/.test(digits) ? 1 : TWO_DIGIT_CODES.test(digits) ? 2 : 3);

/** `+447700900958` → `44`. */
export function callingCode(e164: string): string {
  const digits = e164.slice(1);
  return digits.slice(0, countryCodeLength(digits));
}

/** `+15551234567` → `+1 ••• 4567`, `+447700900958` → `+44 ••• 0958`; `anna@example.com` → `a•••@example.com`. */
export function maskContact(type: ContactType, address: string): string {
  if (type === 'email') {
    const at = address.lastIndexOf('@');
    return `${address.slice(0, 1)}•••${address.slice(at)}`;
  }
  return `+${callingCode(address)} ••• ${address.slice(-4)}`;
}

const contactAad = (f: Pick<StoredFactor, 'sub' | 'id' | 'type'>) => `${f.type}:${f.sub}:${f.id}`;

export const sealContact = (ctx: MfaContext, f: Pick<StoredFactor, 'sub' | 'id' | 'type'>, contact: Contact): string =>
  ctx.box.seal(Buffer.from(JSON.stringify(contact), 'utf8'), contactAad(f));

export const openContact = (ctx: MfaContext, f: StoredFactor): Contact =>
  JSON.parse(ctx.box.open(f.secretEnc, contactAad(f)).toString('utf8')) as Contact;

// ---- the two factors ----

type SentState = ChallengeState & SentCodeState;
interface PickState extends ChallengeState {
  offered: string[];
}

const label = factorLabel;
const INPUT = {
  phone: z.strictObject({
    type: z.literal('phone'),
    // The E.164 check itself (with a clear message) is `normalizePhone`'s.
    phone: z.string().min(1).max(32),
    channel: z.enum(['sms', 'voice']).optional(),
    label: label.optional(),
  }),
  email: z.strictObject({ type: z.literal('email'), email: z.email().max(254), label: label.optional() }),
};
type ContactInput = { phone?: string; email?: string; channel?: 'sms' | 'voice'; label?: string };

function codeEnrollment(ctx: MfaContext, factorId: string, type: ContactType, sentTo: string, sent: SentCodeState, notice: boolean): CodeEnrollment {
  const resendAfter = resendAfterSeconds(sent, ctx.now());
  return {
    factorId, type, sentTo,
    ...(resendAfter !== null && { resendAfter }),
    ...(sent.failed && { deliveryFailed: true }),
    ...(notice && { notice: 'restricted' as const }),
  };
}

function contactFactor(type: ContactType): ServerFactor {
  /** Kinds of challenge state: a code sent, choosing among several, a code sent to confirm a new one. */
  const pickKind = `${type}-pick`;
  const enrollKind = `enroll-${type}`;
  const masked = (contact: Contact) => maskContact(type, contact.address);

  /** Stores a new code for `factor` on `draft` (insert or compare-and-set), then sends it. */
  async function sendTo({ ctx, scope }: FactorEnv, draft: StoredChallenge, expected: Expected, factor: StoredFactor, previous?: SentCodeState): Promise<Started> {
    const contact = openContact(ctx, factor);
    const stored = await sendCode(ctx, { ...draft, factorId: factor.id }, expected, previous, (sent) => ({ kind: type, ...sent }), { type, contact, from: scope });
    return { challenge: stored.challenge, step: sentCodeStep(stored.challenge.stepGuid, masked(contact), stored.sent, ctx.now()) };
  }

  const pickStep = (ctx: MfaContext, factors: StoredFactor[], guid: string): ChallengeStep => ({
    guid,
    type: 'options',
    label: type === 'phone' ? 'Which phone should get the code?' : 'Which address should get the code?',
    fieldName: 'destination',
    options: factors.map((f) => ({ label: masked(openContact(ctx, f)), value: f.id })),
  });

  /** Step one of two: the user chose which phone (or address) gets the code; send it. */
  async function pickDestination(env: FactorEnv, challenge: StoredChallenge, state: PickState, value: string) {
    const { ctx } = env;
    if (!state.offered.includes(value)) throw new MfaError('invalid_option', 'Choose one of the options offered.');
    const factor = await ctx.store.getFactor(challenge.sub, value);
    if (!factor || !factor.confirmed) throw notFound(); // removed meanwhile
    await assertNotLocked(ctx, challenge.sub, factor.id);
    const started = await sendTo(env, { ...challenge, stepGuid: randomUUID() }, challenge.state, factor);
    return nextStep(ctx, started.challenge, factor, started.step);
  }

  return {
    type,
    amr: type === 'email' ? 'email' : 'sms',
    strength: strengthOf(type),
    kinds: [type, pickKind, enrollKind],
    enrollable: (ctx) => Boolean(type === 'phone' ? ctx.senders.sms : ctx.senders.email),
    enrollInput: INPUT[type],

    async enroll({ ctx, scope }, input: ContactInput) {
      const { sub } = scope.user;
      // Each enrollment sends a message: limited like challenges (SMS pumping).
      await limitChallenges(ctx, sub, scope.ip);
      const contact: Contact = type === 'phone'
        ? { address: normalizePhone(input.phone!), channel: input.channel ?? 'sms' }
        : { address: normalizeEmail(input.email!) };
      // Policy (country, voice) and send budgets before anything is stored: a refused number leaves
      // no pending factor behind.
      await limitSends(ctx, { sub, ip: scope.ip, type, contact, confirmed: false });
      const id = randomUUID();
      const factor: StoredFactor = {
        id, sub, type, label: input.label ?? masked(contact), secretEnc: sealContact(ctx, { sub, id, type }, contact),
        algorithm: 'SHA256', digits: 6, period: 0, confirmed: false, createdAt: ctx.now(), lastUsedAt: null, lastStep: -1,
      };
      await ctx.store.insertFactor(factor);
      const now = ctx.now();
      const draft: StoredChallenge = {
        id: enrollmentChallengeId(id), sub, resource: 'mfa', action: 'enroll', factorId: id, stepGuid: id, createdAt: now, expiresAt: now + PENDING_FACTOR_TTL_MS,
      };
      const { sent } = await sendCode(ctx, draft, INSERT, undefined, (st) => ({ kind: enrollKind, ...st }), { type, contact, from: scope, enrolling: true, counted: true });
      return codeEnrollment(ctx, id, type, masked(contact), sent, await aloneAndRestricted(ctx, sub, type));
    },

    async confirm({ ctx }, { pending, challenge, state, input }) {
      if (!pending) throw new MfaError('not_found', 'No such pending factor. Start again.');
      if (input.code === undefined) throw new MfaError('malformed_request', 'Send the code.');
      if (state?.kind !== enrollKind || !challenge) throw new MfaError('expired', 'This enrollment has expired. Start again.');
      const factor = pending;
      await attemptSentCode(ctx, factor.sub, factor.id, challenge.id, state as SentState, input.code, type);
      await ctx.store.deleteChallenge(challenge.id);
      return factor;
    },

    async resendEnrollment({ ctx, scope }, factor, challenge, state) {
      const contact = openContact(ctx, factor);
      await assertMayResend(ctx, factor.sub, factor.id, state as SentState);
      const wrap = (st: SentCodeState) => ({ kind: enrollKind, ...st });
      const { sent } = await sendCode(ctx, challenge, challenge.state, state as SentState, wrap, { type, contact, from: scope, enrolling: true });
      return codeEnrollment(ctx, factor.id, type, masked(contact), sent, await aloneAndRestricted(ctx, factor.sub, type));
    },

    async challenge(env, { draft, factor, sameType, named }) {
      if (!named && sameType.length > 1) {
        const state: PickState = { kind: pickKind, offered: sameType.map((f) => f.id) };
        return { challenge: await saveStep(env.ctx, draft, state), step: pickStep(env.ctx, sameType, draft.stepGuid) };
      }
      await assertNotLocked(env.ctx, draft.sub, factor!.id);
      return sendTo(env, draft, INSERT, factor!);
    },

    async verify(env, challenge, state, value) {
      if (state.kind === pickKind) return { next: await pickDestination(env, challenge, state as PickState, value) };
      const { ctx } = env;
      const factor = await ctx.store.getFactor(challenge.sub, challenge.factorId);
      if (!factor || !factor.confirmed || factor.type !== type) throw notFound(); // removed meanwhile
      const amr = contactAmr(type, openContact(ctx, factor));
      await attemptSentCode(ctx, factor.sub, factor.id, challenge.id, state as SentState, value, amr);
      await ctx.store.touchFactor(factor.sub, factor.id, ctx.now());
      return { amr };
    },

    /** "Send a new code": replaces the code (the old one stops working); failures stay counted. */
    async resend(env, challenge, state) {
      if (state.kind !== type) throw new MfaError('conflict', 'This step sent no code.');
      const factor = await env.ctx.store.getFactor(challenge.sub, challenge.factorId);
      if (!factor || factor.type !== type) throw notFound();
      await assertMayResend(env.ctx, challenge.sub, factor.id, state as SentState);
      const started = await sendTo(env, challenge, challenge.state, factor, state as SentState);
      return nextStep(env.ctx, started.challenge, factor, started.step);
    },
  };
}

export const phoneFactor = contactFactor('phone');
export const emailFactor = contactFactor('email');
