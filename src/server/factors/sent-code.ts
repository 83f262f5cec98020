/**
 * The lifecycle of a code the server sends (SMS, voice, email), shared by enrollment, step-up
 * challenges and KBA code questions (docs/security.md "Sent codes"): 6 digits from a CSPRNG,
 * valid at most 10 minutes, stored only as a keyed hash bound to one challenge (so a code from
 * challenge A is wrong on challenge B, and a new code replaces the old one), compared in
 * constant time; stored before it is delivered; resent after a countdown, at most MAX_SENDS.
 */
import { timingSafeEqual } from 'node:crypto';
import { MfaError } from '../../core/errors.js';
import { parseCodeOfLength } from '../../core/code-format.js';
import type { ChallengeStep } from '../../core/types.js';
import { writeState, putChallenge, type ChallengeState, type Expected } from '../challenge-state.js';
import { CHALLENGE_TTL_MS, type MfaContext } from '../config.js';
import { SENT_CODE_TTL_MS, deliverCode, type Contact, type ContactType, type SendContext } from '../delivery/deliver-code.js';
import { limitSends } from '../send-budget.js';
import type { StoredChallenge } from '../stores/store.js';
import { assertNotLocked, attemptCode } from './attempt.js';

export { SENT_CODE_TTL_MS };
export const SENT_CODE_DIGITS = 6;
/** How long the user waits before "Send a new code". */
export const RESEND_AFTER_MS = 30_000;
/** Codes one challenge or enrollment may send in all (the first one included). */
export const MAX_SENDS = 5;

/** The part of a challenge's or enrollment's state that tracks the code that was sent. */
export interface SentCodeState {
  codeHash: string;
  codeExpiresAt: number;
  sentAt: number;
  sends: number;
  /** The last send failed (the sender threw). */
  failed?: boolean;
}

/** Uniform over 000000–999999: rejection sampling, no modulo bias. */
export function generateSentCode(random: (n: number) => Buffer): string {
  for (;;) {
    const n = random(4).readUInt32BE(0);
    if (n < 4_294_000_000) return String(n % 1_000_000).padStart(SENT_CODE_DIGITS, '0');
  }
}

/** What the store keeps: HMAC of the code bound to where it may be used. */
const hashSentCode = (ctx: MfaContext, bindTo: string, code: string): string => ctx.box.mac(`sent-code:${bindTo}:${code}`);

function sentCodeMatches(ctx: MfaContext, bindTo: string, code: string, storedHash: string): boolean {
  const given = Buffer.from(hashSentCode(ctx, bindTo, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** Seconds until a resend is allowed (0 = now); null when no more codes may be sent. */
export function resendAfterSeconds(state: SentCodeState, now: number): number | null {
  if (state.sends >= MAX_SENDS) return null;
  if (state.failed) return 0;
  return Math.max(0, Math.ceil((state.sentAt + RESEND_AFTER_MS - now) / 1000));
}

/** A new code bound to `bindTo` (a challenge id) and the state that records it. */
export function newSentCode(ctx: MfaContext, bindTo: string, previous: SentCodeState | undefined): { code: string; state: SentCodeState } {
  const code = generateSentCode(ctx.random);
  const now = ctx.now();
  return {
    code,
    state: { codeHash: hashSentCode(ctx, bindTo, code), codeExpiresAt: now + SENT_CODE_TTL_MS, sentAt: now, sends: (previous?.sends ?? 0) + 1 },
  };
}

/** What a send needs: whom, where, and whether the send budgets were already spent. */
export interface SendTarget {
  type: ContactType;
  contact: Contact;
  from: SendContext;
  /** True for a code to a factor that is not confirmed yet (enrollment). */
  enrolling?: boolean;
  /** The caller already spent the send budgets (enrollment does, before it stores the pending factor). */
  counted?: boolean;
}

/**
 * Stores the state that holds a new code — one insert or compare-and-set, so of racing resends
 * or picks exactly one sends a message — and only then delivers it. When the sender fails, the
 * stored state says so (best effort: a newer code stored meanwhile wins) and the answer carries
 * `deliveryFailed`. The send budgets (anti-pumping) are spent first, so a refusal stores nothing.
 * `previous`: the code this one replaces (a resend), whose count of sends it continues.
 */
export async function sendCode(
  ctx: MfaContext, challenge: StoredChallenge, expected: Expected, previous: SentCodeState | undefined,
  wrap: (sent: SentCodeState) => ChallengeState, target: SendTarget,
): Promise<{ challenge: StoredChallenge; sent: SentCodeState }> {
  const fresh = newSentCode(ctx, challenge.id, previous);
  const { type, contact, from } = target;
  if (!target.counted) await limitSends(ctx, { sub: challenge.sub, ip: from.ip, type, contact, confirmed: !target.enrolling });
  const stored: StoredChallenge = { ...challenge, state: writeState(wrap(fresh.state)) };
  await putChallenge(ctx, stored, expected);
  if (await deliverCode(ctx, type, challenge.sub, contact, fresh.code, fresh.state.sends, from)) return { challenge: stored, sent: fresh.state };
  const sent = { ...fresh.state, failed: true };
  const marked: StoredChallenge = { ...stored, state: writeState(wrap(sent)) };
  return { challenge: (await ctx.store.updateChallenge(marked, stored.state)) ? marked : stored, sent };
}

/** A 6-digit sent code, as the server accepts it (400 otherwise, not counted). */
function parseSentCode(value: string): string {
  const code = parseCodeOfLength(value, SENT_CODE_DIGITS);
  if (code === null) throw new MfaError('malformed_code', 'Enter the 6-digit code we sent you.');
  return code;
}

/** Checks a sent code for challenge `bindTo` under the lockout rule of `key`. */
export async function attemptSentCode(
  ctx: MfaContext, sub: string, key: string, bindTo: string, sent: SentCodeState, value: string, amr: string, resetOnSuccess = true,
): Promise<void> {
  const code = parseSentCode(value);
  await attemptCode(ctx, sub, key, async () => sent.codeExpiresAt > ctx.now() && sentCodeMatches(ctx, bindTo, code, sent.codeHash), amr, resetOnSuccess);
}

/** The resend rule: wait for the countdown, at most MAX_SENDS codes. */
export async function assertMayResend(ctx: MfaContext, sub: string, lockKey: string, previous: SentCodeState): Promise<void> {
  const wait = resendAfterSeconds(previous, ctx.now());
  if (wait === null) throw new MfaError('rate_limited', 'No more codes can be sent for this request. Start again later.', { retryAfter: CHALLENGE_TTL_MS / 1000 });
  if (wait > 0) throw new MfaError('rate_limited', 'Wait a moment before asking for a new code.', { retryAfter: wait });
  // Failures are per factor, not per code: a new code never resets them (docs/security.md), and
  // a locked factor gets no new code.
  await assertNotLocked(ctx, sub, lockKey);
}

/** The wire step "Enter the code sent to +1 ••• 4567". */
export function sentCodeStep(guid: string, sentTo: string, sent: SentCodeState, now: number): ChallengeStep {
  const resendAfter = resendAfterSeconds(sent, now);
  return {
    guid, type: 'code', label: `Enter the code sent to ${sentTo}`, fieldName: 'code', length: SENT_CODE_DIGITS, inputMode: 'numeric', sentTo,
    ...(resendAfter !== null && { resendAfter }),
    ...(sent.failed && { deliveryFailed: true }),
  };
}
