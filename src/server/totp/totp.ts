/**
 * RFC 4226 HOTP and RFC 6238 TOTP on node:crypto. Pure functions: the caller passes the time.
 *
 * Verification computes every code of the window and compares each in constant time, without
 * stopping at the first match, so the time taken does not reveal which step (if any) matched.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TotpAlgorithm } from '../stores/store.js';

export interface TotpParams {
  algorithm: TotpAlgorithm;
  digits: number;
  /** Seconds per step. */
  period: number;
}

export const DEFAULT_TOTP: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
/** RFC 6238 §5.2 and DESIGN §5: one step either side absorbs clock drift and typing time. */
export const TOTP_WINDOW = 1;
/** 160-bit secrets, as RFC 4226 §4 recommends. */
export const SECRET_BYTES = 20;

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
const HASH = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;

export function generateSecret(random: (n: number) => Buffer = randomBytes): Buffer {
  return random(SECRET_BYTES);
}

/** The code for counter `counter` (RFC 4226 §5.3 dynamic truncation). */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'SHA1'): string {
  const msg = Buffer.alloc(8);
  // Counters beyond 2^32 occur for far-future times (RFC 6238 vector 20000000000).
  msg.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 0);
  msg.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac(HASH[algorithm], secret).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % POW10[digits]).padStart(digits, '0');
}

export const timeStep = (epochMs: number, period = 30): number => Math.floor(epochMs / 1000 / period);

export function totp(secret: Uint8Array, epochMs: number, params: TotpParams = DEFAULT_TOTP): string {
  return hotp(secret, timeStep(epochMs, params.period), params.digits, params.algorithm);
}

/**
 * Returns the time step whose code equals `code` within ±window of `epochMs`, or null.
 * `code` must already be checked to be ASCII digits of the right length.
 */
export function matchTotpStep(
  secret: Uint8Array,
  code: string,
  epochMs: number,
  params: TotpParams = DEFAULT_TOTP,
  window = TOTP_WINDOW,
): number | null {
  const given = Buffer.from(code, 'latin1');
  const now = timeStep(epochMs, params.period);
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    const expected = Buffer.from(hotp(secret, step, params.digits, params.algorithm), 'latin1');
    // Lengths are equal by construction; timingSafeEqual throws otherwise, which we avoid.
    const same = expected.length === given.length && timingSafeEqual(expected, given);
    // Prefer the newest matching step (only matters for a code that repeats inside the window).
    if (same) matched = step;
  }
  return matched;
}

/** `otpauth://totp/Issuer:account?secret=…&issuer=Issuer…` (Key Uri Format; both parts encoded). */
export function otpauthUri(opts: { secret: string; issuer: string; account: string } & TotpParams): string {
  const label = `${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.account)}`;
  const query = new URLSearchParams({ secret: opts.secret, issuer: opts.issuer });
  // Defaults are omitted: some authenticator apps ignore or mishandle explicit values.
  if (opts.algorithm !== 'SHA1') query.set('algorithm', opts.algorithm);
  if (opts.digits !== 6) query.set('digits', String(opts.digits));
  if (opts.period !== 30) query.set('period', String(opts.period));
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
