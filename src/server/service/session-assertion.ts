/**
 * The app-session assertion of the standalone service (docs/service.md): the app (Django, Spring,
 * Rails, Go…) mints a short JWT with `sub` (user id) and `sid` (its session id) and the browser
 * sends it as `Authorization: Bearer …` or in a cookie. Verified with a shared HS256 secret or
 * the app's (or its IdP's) JWKS. This is the service's `authenticate` hook.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { MfaError } from '../../core/errors.js';
import { STEP_UP_TOKEN_TYPE } from '../../core/types.js';
import type { Authenticate } from '../config.js';

export interface AssertionConfig {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string;
  /** JWKS of the app or its IdP (asymmetric algorithms only). */
  jwksUrl?: string;
  /** Cookie that may carry the assertion instead of the Authorization header. */
  cookie?: string;
  /** Expected `iss` / `aud`, when set. */
  issuer?: string;
  audience?: string;
}

/** Clock difference tolerated between the app minting the assertion and this service (s). */
export const ASSERTION_LEEWAY_S = 30;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

function fromCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The assertion in the request: `Authorization: Bearer` first, then the cookie. */
export function assertionOf(request: Request, cookie?: string): string | undefined {
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i.exec(request.headers.get('authorization') ?? '');
  if (m) return m[1];
  return cookie ? fromCookie(request.headers.get('cookie'), cookie) : undefined;
}

export function assertionAuthenticator(config: AssertionConfig, now: () => number = Date.now): Authenticate {
  const options = (): JWTVerifyOptions => ({
    requiredClaims: ['sub', 'sid', 'exp'],
    clockTolerance: ASSERTION_LEEWAY_S,
    currentDate: new Date(now()),
    ...(config.issuer && { issuer: config.issuer }),
    ...(config.audience && { audience: config.audience }),
  });
  const secret = config.secret ? new TextEncoder().encode(config.secret) : undefined;
  const jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 }) : undefined;
  return async (request) => {
    const token = assertionOf(request, config.cookie);
    if (!token) return null;
    try {
      const { payload, protectedHeader } = secret
        ? await jwtVerify(token, secret, { ...options(), algorithms: ['HS256'] })
        : await jwtVerify(token, jwks!, { ...options(), algorithms: ASYMMETRIC });
      // A step-up token is never a session: refuse it even if an app signed both with one key.
      if (protectedHeader.typ === STEP_UP_TOKEN_TYPE) return null;
      const { sub, sid } = payload as { sub?: unknown; sid?: unknown };
      if (typeof sub !== 'string' || !sub || sub.length > 256 || typeof sid !== 'string' || !sid || sid.length > 512) return null;
      return { sub, sessionId: sid };
    } catch (err) {
      // The app's JWKS being unreachable is an outage (503), not a signed-out user.
      if (err instanceof errors.JWKSTimeout || (jwks && !(err instanceof errors.JOSEError))) {
        throw new MfaError('unavailable', 'The service is unavailable right now. Try again.');
      }
      return null;
    }
  };
}
