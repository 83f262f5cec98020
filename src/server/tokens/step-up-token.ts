/**
 * Step-up tokens (docs/server.md "Step-up tokens and the guard"): short-lived JWTs bound to user + resource + action.
 * Verification pins the algorithm, type, issuer and audience, and then checks every claim the
 * guard relies on; any mismatch is one refusal, never a partial acceptance.
 */
import { KeyObject, sign } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type CryptoKey } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../core/types.js';
import { ED25519_ALGS, TOKEN_ALG, type SigningKeys, type TokenAlg } from './signing-keys.js';

export interface StepUpClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  /** The app session it was issued in: a hash of `sessionId` (server/session.ts). */
  ssn: string;
  resource: string;
  action: string;
  acr: string;
  amr: string[];
  auth_time: number;
  iat: number;
  exp: number;
  /** The transaction it approves (docs/server.md "Binding a step-up to the transaction"); absent for an unbound step-up. */
  txn?: string;
}

export interface TokenConfig {
  issuer: string;
  audience: string;
  /** Seconds. */
  lifetime: number;
  /** JWS `alg` name written into new tokens (`EdDSA` or `Ed25519`); both are accepted. */
  alg?: TokenAlg;
  /**
   * Seconds of clock difference allowed on `exp` and `iat`/`nbf` (not on `max_age` or the lifetime
   * rule, which are policy): `clockToleranceSec`, default 30, as docs/verify-anywhere.md asks of
   * every verifier, so a token gets one verdict wherever it is checked.
   */
  clockTolerance?: number;
}

const b64url = (json: string) => Buffer.from(json).toString('base64url');

const keyObjects = new WeakMap<CryptoKey, KeyObject>();
/** The signing key as node:crypto takes it, converted once per key. */
function keyObjectOf(key: CryptoKey): KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = KeyObject.from(key as Parameters<typeof KeyObject.from>[0])));
  return k;
}

/**
 * Until when a used (one-time) or revoked token must be remembered: as long as any verifier may
 * still accept it, i.e. its `exp` plus the clock tolerance. Forgetting it at `exp` would let a
 * spent token through again during the tolerance.
 */
export const acceptedUntilMs = (config: TokenConfig, exp: number): number => (exp + (config.clockTolerance ?? 0)) * 1000;

export async function signStepUpToken(
  keys: SigningKeys,
  config: TokenConfig,
  claims: { sub: string; sid: string; ssn: string; resource: string; action: string; acr: string; amr: string[]; authTime: number; now: number; txn?: string },
): Promise<{ token: string; exp: number }> {
  const iat = Math.floor(claims.now / 1000);
  const exp = iat + config.lifetime;
  const header = { alg: config.alg ?? TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: keys.kid };
  const payload = {
    sid: claims.sid, ssn: claims.ssn, resource: claims.resource, action: claims.action, acr: claims.acr,
    amr: claims.amr, auth_time: claims.authTime, ...(claims.txn !== undefined && { txn: claims.txn }), iss: config.issuer, aud: config.audience, sub: claims.sub,
    jti: claims.sid, iat, exp,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  // Ed25519 through node:crypto, synchronously: the same signature as jose's, without a WebCrypto
  // job per token (docs/performance.md). Verification stays with jose (verifyStepUpToken).
  const signature = sign(null, Buffer.from(input), keyObjectOf(keys.privateKey));
  const token = `${input}.${signature.toString('base64url')}`;
  return { token, exp };
}

export interface Expectation {
  sub: string;
  /** The current request's session claim: a token from another session is refused. */
  ssn: string;
  resource: string;
  action: string;
  /** Seconds: the authentication must be at most this old. */
  maxAge?: number;
  acrValues: string[];
  now: number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The token's `kid` when it names no key of the ring (a key rotated in elsewhere, or a forgery). */
export function unknownKid(keys: SigningKeys, token: string): boolean {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' && !keys.ring.some((k) => k.kid === kid);
  } catch {
    return false;
  }
}

/**
 * Signature, pinned alg (either Ed25519 name), typ, issuer, audience and the claims every token
 * of ours has; the key is the ring's key of the token's `kid`. Null for anything else.
 */
export async function verifyTokenSignature(keys: SigningKeys, config: TokenConfig, token: string, now: number, subject?: string): Promise<StepUpClaims | null> {
  // Compact serialization only, base64url without padding (RFC 7515 §7.1): one spelling per token,
  // as every verifier in another language reads it (docs/verify-anywhere.md).
  if (!COMPACT_JWS.test(token)) return null;
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = keys.ring.find((k) => k.kid === kid);
    if (!key) return null;
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [...ED25519_ALGS],
      typ: STEP_UP_TOKEN_TYPE,
      issuer: config.issuer,
      audience: config.audience,
      ...(subject !== undefined && { subject }),
      requiredClaims: ['jti', 'sid', 'ssn', 'resource', 'action', 'acr', 'amr', 'auth_time', 'iat', 'exp'],
      currentDate: new Date(now),
      clockTolerance: config.clockTolerance ?? 0,
    });
    const claims = payload as unknown as StepUpClaims;
    const nowSec = Math.floor(now / 1000);
    // Shapes this server never issues, even when signed with its key: refuse them too.
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || typeof claims.auth_time !== 'number') return null;
    // Issued "in the future" by an instance whose clock runs ahead: allowed within the tolerance.
    if (claims.iat > nowSec + (config.clockTolerance ?? 0) || claims.exp - claims.iat > config.lifetime || claims.auth_time > claims.iat) return null;
    if (typeof claims.ssn !== 'string' || typeof claims.jti !== 'string' || typeof claims.sid !== 'string') return null;
    if (!Array.isArray(claims.amr) || !claims.amr.every((a) => typeof a === 'string')) return null;
    if (typeof claims.resource !== 'string' || typeof claims.action !== 'string' || typeof claims.acr !== 'string') return null;
    if (claims.txn !== undefined && typeof claims.txn !== 'string') return null;
    return claims;
  } catch {
    return null;
  }
}

/** Returns the claims when the token satisfies every expectation, otherwise null. */
export async function verifyStepUpToken(
  keys: SigningKeys,
  config: TokenConfig,
  token: string,
  expect: Expectation,
): Promise<StepUpClaims | null> {
  const claims = await verifyTokenSignature(keys, config, token, expect.now, expect.sub);
  if (!claims) return null;
  if (claims.resource !== expect.resource || claims.action !== expect.action) return null;
  if (claims.ssn !== expect.ssn) return null;
  if (!expect.acrValues.includes(claims.acr)) return null;
  if (expect.maxAge !== undefined && Math.floor(expect.now / 1000) - claims.auth_time > expect.maxAge) return null;
  return claims;
}
