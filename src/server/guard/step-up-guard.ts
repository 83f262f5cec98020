/**
 * The RFC 9470 guard. `checkStepUp` is framework-free (Request in, verdict out); the Hono
 * middleware and the management endpoints both use it, so every route refuses the same way:
 *  - no app session           → 401 `unauthenticated`, no step-up details (RFC 9470 §9);
 *  - no/invalid/other token   → 401 + `WWW-Authenticate: Bearer error="insufficient_user_authentication", …`.
 */
import type { MiddlewareHandler } from 'hono';
import { STEP_UP_HEADER, type StepUpChallengeBody } from '../../core/types.js';
import { formatStepUpChallenge, INSUFFICIENT_USER_AUTHENTICATION } from '../../core/www-authenticate.js';
import type { Authenticate, MfaContext, SessionUser } from '../config.js';
import { MfaError } from '../../core/errors.js';
import { errorBody, errorResponse } from '../http/errors.js';
import type { SigningKeys } from '../tokens/signing-keys.js';
import { acceptedUntilMs, unknownKid, verifyStepUpToken, type StepUpClaims } from '../tokens/step-up-token.js';
import { ACR_MFA, acceptableAcrs } from '../acr.js';
import { currentUser, isRevoked, sessionClaim } from '../session.js';

export interface StepUpRequirement {
  resource: string;
  action: string;
  /** Seconds since the step-up; default: the token lifetime. */
  maxAge?: number;
  /** Acceptable `acr` values; default `['mfa']`. */
  acrValues?: string[];
  /**
   * Tokens are one-time by default: the first request this guard accepts consumes the token's
   * `jti` (remembered until it expires, atomically across instances), so one step-up approves
   * one request. `reusable: true` lets a token open the route again until it expires.
   */
  reusable?: boolean;
  /** @deprecated One-time is the default now; kept so wave-1 code still compiles. */
  oneTime?: boolean;
}

export type StepUpVerdict =
  | { ok: true; user: SessionUser; claims: StepUpClaims }
  | { ok: false; response: Response };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });

export function stepUpRequiredResponse(req: StepUpRequirement, maxAge: number): Response {
  const acrValues = req.acrValues ?? [ACR_MFA];
  const body: StepUpChallengeBody = {
    ...errorBody(INSUFFICIENT_USER_AUTHENTICATION, `A fresh second-factor check is needed for ${req.resource}/${req.action}.`),
    resource: req.resource,
    action: req.action,
    acr_values: acrValues.join(' '),
    max_age: maxAge,
  };
  return json(401, body, { 'www-authenticate': formatStepUpChallenge({ acrValues, maxAge }) });
}

/** `Step-Up-Token`, else (when the app opted in with `acceptBearer`) `Authorization: Bearer`. */
export function stepUpTokenOf(ctx: MfaContext, request: Request): string | null {
  const header = request.headers.get(STEP_UP_HEADER);
  if (header) return header;
  if (!ctx.acceptBearer) return null;
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i.exec(request.headers.get('authorization') ?? '');
  return m ? m[1]! : null;
}

export async function checkStepUp(
  ctx: MfaContext,
  authenticate: Authenticate,
  request: Request,
  req: StepUpRequirement,
): Promise<StepUpVerdict> {
  let user: SessionUser | null;
  try {
    user = await currentUser(ctx, authenticate, request);
  } catch (err) {
    return { ok: false, response: errorResponse(err) };
  }
  if (!user) return { ok: false, response: json(401, errorBody('unauthenticated', 'Sign in first.')) };
  const maxAge = req.maxAge ?? ctx.token.lifetime;
  const token = stepUpTokenOf(ctx, request);
  let keys: SigningKeys | undefined;
  if (token) {
    try {
      keys = await ctx.keys();
      // A key rotated in by another instance (or the CLI) since our last read.
      if (unknownKid(keys, token)) keys = await ctx.keys({ fresh: true });
    } catch {
      // Keys live in the store: an outage fails closed with a generic 503 (docs/server.md "HTTP protocol"), as a
      // verdict rather than an exception the host app's error handler would have to map.
      return { ok: false, response: errorResponse(new MfaError('unavailable', 'The service is unavailable right now. Try again.')) };
    }
  }
  const claims = token && keys
    ? await verifyStepUpToken(keys, ctx.token, token, {
        sub: user.sub,
        ssn: sessionClaim(user),
        resource: req.resource,
        action: req.action,
        maxAge,
        // A `phr` token also satisfies a route that asks for `mfa` (docs/server.md "Assurance levels").
        acrValues: acceptableAcrs(req.acrValues ?? [ACR_MFA]),
        now: ctx.now(),
      })
    : null;
  if (!claims) return { ok: false, response: stepUpRequiredResponse(req, maxAge) };
  try {
    // Logout / clearMfa() ended the session after this token was issued: step up again.
    if (await isRevoked(ctx, user.sub, claims.ssn, claims.iat)) return { ok: false, response: stepUpRequiredResponse(req, maxAge) };
    // A used one-time token is answered like a missing one: step up again.
    if (!req.reusable && !(await ctx.store.useTokenOnce(claims.jti, acceptedUntilMs(ctx.token, claims.exp), ctx.now()))) {
      return { ok: false, response: stepUpRequiredResponse(req, maxAge) };
    }
  } catch {
    return { ok: false, response: errorResponse(new MfaError('unavailable', 'The service is unavailable right now. Try again.')) };
  }
  return { ok: true, user, claims };
}

/** Variables the Hono middleware sets for the route handler. */
export interface StepUpVariables {
  stepUp: StepUpClaims;
}

export function honoStepUp(ctx: MfaContext, authenticate: Authenticate, req: StepUpRequirement): MiddlewareHandler<{ Variables: StepUpVariables }> {
  return async (c, next) => {
    const verdict = await checkStepUp(ctx, authenticate, c.req.raw, req);
    if (!verdict.ok) return verdict.response;
    c.set('stepUp', verdict.claims);
    await next();
  };
}
