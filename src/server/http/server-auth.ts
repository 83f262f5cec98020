/**
 * Authentication of server-to-server calls (`/mfa/introspect`, `/mfa/admin/*`): the admin token
 * as `Authorization: Bearer`, or — introspection only — HTTP Basic client credentials. Secrets are
 * compared in constant time. A wrong or missing credential is a 401, an audit event (filed under
 * sub `*`: it concerns no user) and one count against the caller's IP; past the limit the caller
 * gets 429 with Retry-After. Secrets must be long random strings (checked at start-up), so the
 * limit is there to keep floods out of the logs, not to make short secrets safe.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { MfaError } from '../../core/errors.js';
import type { MfaContext, MfaPolicy } from '../config.js';
import { enforceLimit, ipKey, type Limit } from '../rate-limit.js';
import { errorResponse } from './errors.js';

/** Sub of audit events that concern no user. */
export const NO_USER = '*';
/** Shortest accepted admin token or client secret. */
export const MIN_SECRET_LENGTH = 32;
/** Failed server-to-server authentications per client IP. */
export const SERVER_AUTH_FAILURES: Limit = { limit: 10, windowMs: 10 * 60_000 };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Constant time whatever the lengths: both sides are hashed first. */
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Refuses configured secrets that are too short to stand online guessing (start-up error). */
export function checkServerSecrets(admin: MfaPolicy['admin']): void {
  if (admin.token !== undefined && admin.token.length < MIN_SECRET_LENGTH) {
    throw new Error(`mfa-elements configuration error: the admin token must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
  for (const [id, secret] of Object.entries(admin.clients ?? {})) {
    if (!id || id.includes(':')) throw new Error('mfa-elements configuration error: an introspection client id must be non-empty and without ":"');
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`mfa-elements configuration error: the secret of client "${id}" must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

export type ServerCaller = { kind: 'admin' } | { kind: 'client'; clientId: string };

function identify(ctx: MfaContext, header: string | undefined, allowBasic: boolean): ServerCaller | null {
  const m = /^(Bearer|Basic)[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  if (!m) return null;
  const [, scheme, value] = m as unknown as [string, string, string];
  if (scheme.toLowerCase() === 'bearer') return ctx.policy.admin.token !== undefined && sameSecret(value, ctx.policy.admin.token) ? { kind: 'admin' } : null;
  if (!allowBasic || !ctx.policy.admin.clients) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded inside Basic.
  let id: string, secret: string;
  try {
    id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
  } catch {
    return null;
  }
  const expected = Object.prototype.hasOwnProperty.call(ctx.policy.admin.clients, id) ? ctx.policy.admin.clients[id]! : undefined;
  // Compare even for an unknown id, so timing does not reveal which ids exist.
  const ok = sameSecret(secret, expected ?? '\0unknown-client');
  return ok && expected !== undefined ? { kind: 'client', clientId: id } : null;
}

/**
 * Middleware: the caller must present the admin token (or, with `allowBasic`, client
 * credentials). Server-to-server callers send no `Origin`; a browser request (one with an Origin
 * not in `origins`) is refused, so a page cannot drive these endpoints with cached credentials.
 */
export function requireServerCaller(ctx: MfaContext, clientIp: (c: Context) => string | undefined, allowBasic: boolean): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !(ctx.policy.origins ?? []).includes(origin)) {
      return errorResponse(new MfaError('forbidden_origin', 'This endpoint is for server-to-server calls.'));
    }
    const caller = identify(ctx, c.req.header('authorization'), allowBasic);
    if (!caller) {
      const ip = clientIp(c);
      await ctx.audit.record({
        type: 'server_auth.failed', sub: NO_USER, status: 'failure', severity: 'warning',
        metadata: { endpoint: new URL(c.req.url).pathname, presented: c.req.header('authorization') ? 'wrong' : 'none' },
        ...(ip && { ip }),
      });
      if (ip) await enforceLimit(ctx, `server-auth-ip:${ipKey(ip)}`, SERVER_AUTH_FAILURES, NO_USER, { name: 'server-auth-ip', severity: 'critical' });
      const res = errorResponse(new MfaError('unauthenticated', 'Present the admin token or client credentials.'));
      res.headers.set('www-authenticate', allowBasic && ctx.policy.admin.clients ? 'Basic realm="mfa"' : 'Bearer realm="mfa"');
      return res;
    }
    c.set('caller' as never, caller as never);
    await next();
  };
}
