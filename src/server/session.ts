/**
 * The app session a step-up belongs to (docs/security.md "Sessions"). `authenticate` must name
 * the session (`sessionId`): tokens carry a hash of it (`ssn`), freshness is kept per session,
 * and logout / `clearMfa()` revoke that session's tokens. A hook that names no session is a
 * configuration error: logged once, and every request fails closed with 503 rather than
 * quietly sharing step-ups between all of a user's sessions.
 */
import { createHash } from 'node:crypto';
import { MfaError } from '../core/errors.js';
import type { Authenticate, MfaContext, SessionUser } from './config.js';
import { forgetFresh } from './freshness.js';
import { acceptedUntilMs } from './tokens/step-up-token.js';

/** How long a revocation must be kept: until the last token issued before it stops being accepted. */
const revokedUntil = (ctx: MfaContext, now: number) => acceptedUntilMs(ctx.policy.token, Math.ceil(now / 1000) + ctx.policy.token.lifetime);

/** The token's `ssn` claim: a hash, so a token never reveals the app's session id. */
export const sessionClaim = (user: SessionUser): string =>
  createHash('sha256').update(`mfa-ssn:${user.sessionId}`, 'utf8').digest('base64url').slice(0, 32);

const warned = new WeakSet<object>();

/** `authenticate` as every route calls it: null without a user, 503 without a session id. */
export async function currentUser(ctx: MfaContext, authenticate: Authenticate, request: Request): Promise<SessionUser | null> {
  const user = await authenticate(request);
  if (!user) return null;
  if (typeof user.sessionId !== 'string' || user.sessionId === '') {
    if (!warned.has(ctx.store)) {
      warned.add(ctx.store); // once per server: the context is a new object per request (request-scope.ts)
      ctx.logger.warn('[mfa] configuration error: authenticate() returned no sessionId; step-ups are refused until it does');
    }
    throw new MfaError('unavailable', 'The service is unavailable right now. Try again.');
  }
  return user;
}

/**
 * Logout, `DELETE /mfa/session`, `mfa.endSession()`: the session's recent step-ups stop counting
 * and every token it was issued so far stops working (remembered as long as a token can live).
 */
export async function endSession(ctx: MfaContext, user: SessionUser): Promise<void> {
  const now = ctx.now();
  await ctx.store.revokeSession(user.sub, sessionClaim(user), now, revokedUntil(ctx, now));
  await forgetFresh(ctx, user);
}

/**
 * The revocation record that stands for every session of a user (an admin reset): session claims
 * are base64url hashes, so `*` is never one of them.
 */
export const ALL_SESSIONS = '*';

/** Every token of the user issued so far stops working, in every session (admin reset). */
export async function revokeUser(ctx: MfaContext, sub: string): Promise<void> {
  const now = ctx.now();
  await ctx.store.revokeSession(sub, ALL_SESSIONS, now, revokedUntil(ctx, now));
  await ctx.store.clearFreshness(sub);
}

/**
 * True when the session — or every session of the user — was ended at or after the token was
 * issued (same second included: fail closed).
 */
export async function isRevoked(ctx: MfaContext, sub: string, ssn: string, iat: number): Promise<boolean> {
  const now = ctx.now();
  const [session, user] = await Promise.all([ctx.store.sessionRevokedAt(sub, ssn, now), ctx.store.sessionRevokedAt(sub, ALL_SESSIONS, now)]);
  const revokedAt = Math.max(session, user);
  return revokedAt > 0 && iat * 1000 <= revokedAt;
}
