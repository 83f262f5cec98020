/**
 * Step-up tokens (docs/server.md "Step-up tokens and the guard"): short-lived JWTs bound to user + resource + action.
 * Verification pins the algorithm, type, issuer and audience, and then checks every claim the
 * guard relies on; any mismatch is one refusal, never a partial acceptance.
 */
import { SignJWT, jwtVerify } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../core/types.js';
import { TOKEN_ALG, type SigningKeys } from './signing-keys.js';

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
}

export interface TokenConfig {
  issuer: string;
  audience: string;
  /** Seconds. */
  lifetime: number;
}

export async function signStepUpToken(
  keys: SigningKeys,
  config: TokenConfig,
  claims: { sub: string; sid: string; ssn: string; resource: string; action: string; acr: string; amr: string[]; authTime: number; now: number },
): Promise<{ token: string; exp: number }> {
  const iat = Math.floor(claims.now / 1000);
  const exp = iat + config.lifetime;
  const token = await new SignJWT({
    sid: claims.sid,
    ssn: claims.ssn,
    resource: claims.resource,
    action: claims.action,
    acr: claims.acr,
    amr: claims.amr,
    auth_time: claims.authTime,
  })
    .setProtectedHeader({ alg: TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: keys.kid })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(claims.sub)
    .setJti(claims.sid)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keys.privateKey);
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

/** Returns the claims when the token satisfies every expectation, otherwise null. */
export async function verifyStepUpToken(
  keys: SigningKeys,
  config: TokenConfig,
  token: string,
  expect: Expectation,
): Promise<StepUpClaims | null> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keys.publicKey, {
      algorithms: [TOKEN_ALG],
      typ: STEP_UP_TOKEN_TYPE,
      issuer: config.issuer,
      audience: config.audience,
      subject: expect.sub,
      requiredClaims: ['jti', 'sid', 'ssn', 'resource', 'action', 'acr', 'amr', 'auth_time', 'iat', 'exp'],
      currentDate: new Date(expect.now),
      clockTolerance: 0,
    });
    const claims = payload as unknown as StepUpClaims;
    const nowSec = Math.floor(expect.now / 1000);
    // Shapes this server never issues, even when signed with its key: refuse them too.
    if (protectedHeader.kid !== keys.kid) return null;
    if (claims.iat > nowSec || claims.exp - claims.iat > config.lifetime || claims.auth_time > claims.iat) return null;
    if (claims.resource !== expect.resource || claims.action !== expect.action) return null;
    if (claims.ssn !== expect.ssn) return null;
    if (!expect.acrValues.includes(claims.acr)) return null;
    if (!Array.isArray(claims.amr) || typeof claims.auth_time !== 'number') return null;
    if (expect.maxAge !== undefined && Math.floor(expect.now / 1000) - claims.auth_time > expect.maxAge) return null;
    return claims;
  } catch {
    return null;
  }
}
