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
/** RFC 6238 §5.2 and docs/server.md "Factors": one step either side absorbs clock drift and typing time. */
export const TOTP_WINDOW = 1;
/** 160-bit secrets, as RFC 4226 §4 recommends. */
export const SECRET_BYTES = 20;

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
const HASH = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;

export function generateSecret(random: (n: number) => Buffer = randomBytes): Buffer {
  return random(SECRET_BYTES);
}

// Scratch buffers, reused by every call: everything below is synchronous, so no two calls can
// interleave. Verification is the server's hot path; allocating and stringifying per window step
// cost ~25% of its time (bench/totp.bench.mjs).
const COUNTER = Buffer.alloc(8);
const GIVEN = Buffer.alloc(4);
const EXPECTED = Buffer.alloc(4);
const ASCII_DIGITS = /^[0-9]+$/;
/** Never the value of a code: those are < 10^8. Stands in for a malformed `code` so it matches nothing. */
const NO_CODE = 0xffff_ffff;

/** RFC 4226 §5.3: HMAC of the 8-byte big-endian counter, then dynamic truncation to 31 bits. */
function truncatedMac(secret: Uint8Array, counter: number, algorithm: TotpAlgorithm): number {
  // Counters beyond 2^32 occur for far-future times (RFC 6238 vector 20000000000).
  COUNTER.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 0);
  COUNTER.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac(HASH[algorithm], secret).update(COUNTER).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
}

/** The code for counter `counter` (RFC 4226 §5.3 dynamic truncation). */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'SHA1'): string {
  return String(truncatedMac(secret, counter, algorithm) % POW10[digits]).padStart(digits, '0');
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
  const { digits, algorithm } = params;
  const modulus = POW10[digits];
  // Codes are compared as numbers of the factor's length: 4 bytes, the same work for every
  // candidate. A code of another length (or not ASCII digits, or for an unsupported number of
  // digits) gets a value no candidate can have, so it is still compared against the whole window
  // and never matches.
  const wellFormed = modulus !== undefined && code.length === digits && ASCII_DIGITS.test(code);
  GIVEN.writeUInt32BE(wellFormed ? Number(code) : NO_CODE, 0);
  const now = timeStep(epochMs, params.period);
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    EXPECTED.writeUInt32BE(truncatedMac(secret, step, algorithm) % modulus, 0);
    const same = timingSafeEqual(EXPECTED, GIVEN);
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
