/**
 * Codes the server sends (SMS, voice, email) — DESIGN §7: 6 digits from a CSPRNG, valid at most
 * 10 minutes, stored only as a keyed hash bound to one challenge (so a code from challenge A is
 * wrong on challenge B, and a new code replaces the old one), compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MfaContext } from '../config.js';

export const SENT_CODE_DIGITS = 6;
/** How long a sent code can be used (never longer than its challenge). */
export const SENT_CODE_TTL_MS = 10 * 60_000;
/** How long the user waits before "Send a new code". */
export const RESEND_AFTER_MS = 30_000;
/** Codes one challenge or enrollment may send in all (the first one included). */
export const MAX_SENDS = 5;

/** Uniform over 000000–999999: rejection sampling, no modulo bias. */
export function generateSentCode(random: (n: number) => Buffer): string {
  for (;;) {
    const n = random(4).readUInt32BE(0);
    if (n < 4_294_000_000) return String(n % 1_000_000).padStart(SENT_CODE_DIGITS, '0');
  }
}

/** What the store keeps: HMAC of the code bound to where it may be used. */
export const hashSentCode = (ctx: MfaContext, bindTo: string, code: string): string => ctx.box.mac(`sent-code:${bindTo}:${code}`);

export function sentCodeMatches(ctx: MfaContext, bindTo: string, code: string, storedHash: string): boolean {
  const given = Buffer.from(hashSentCode(ctx, bindTo, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** The part of a challenge's or enrollment's state that tracks the code that was sent. */
export interface SentCodeState {
  codeHash: string;
  codeExpiresAt: number;
  sentAt: number;
  sends: number;
  /** The last send failed (the sender threw). */
  failed?: boolean;
}

/** Seconds until a resend is allowed (0 = now); null when no more codes may be sent. */
export function resendAfterSeconds(state: SentCodeState, now: number): number | null {
  if (state.sends >= MAX_SENDS) return null;
  if (state.failed) return 0;
  return Math.max(0, Math.ceil((state.sentAt + RESEND_AFTER_MS - now) / 1000));
}
