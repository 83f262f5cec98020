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
import { ACR_MFA, ACR_PHR, acceptableAcrs } from '../acr.js';
import { findFresh } from '../freshness.js';
import { currentUser, isRevoked, sessionClaim } from '../session.js';
import { bindingOf, detailsProblem, DETAILS_LIMITS, type TransactionDetails } from '../binding.js';
import { factorsAt, usableFactors } from '../challenge-refs.js';

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
  /**
   * Binds the step-up to the transaction (docs/server.md "Binding a step-up to the transaction"):
   * derives from the request what the user approves, as short label → value strings in display
   * order (`{ amount: '$100.00', to: 'Savings' }`). It gets a copy of the request, so reading
   * its body leaves it to the handler. The 401 then carries `details` and `binding`; only a
   * token whose `txn` is that binding opens the route, and freshness never answers it.
   */
  bind?: (request: Request) => TransactionDetails | Promise<TransactionDetails>;
  /** What the prompt says this is for ("Send money"): a string, or made from the bound details. */
  describe?: string | ((details: TransactionDetails | undefined) => string);
}

export type StepUpVerdict =
  | { ok: true; user: SessionUser; claims: StepUpClaims }
  | { ok: false; response: Response };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });

/** The transaction a bound route's request asks to approve, with its binding. */
export interface BoundTransaction {
  details: TransactionDetails;
  binding: string;
}

/**
 * The 401 that asks for a step-up. `likelyFactor`: the factor type the user's challenge will ask
 * for first, when one will ask (see `likelyFactorOf`); `message` says why a presented token did not do.
 */
export function stepUpRequiredResponse(
  req: StepUpRequirement,
  maxAge: number,
  { txn, message, likelyFactor }: { txn?: BoundTransaction; message?: string; likelyFactor?: string } = {},
): Response {
  const acrValues = req.acrValues ?? [ACR_MFA];
  const title = typeof req.describe === 'function' ? req.describe(txn?.details) : req.describe;
  const body: StepUpChallengeBody = {
    ...errorBody(INSUFFICIENT_USER_AUTHENTICATION, message ?? `A fresh second-factor check is needed for ${req.resource}/${req.action}.`),
    resource: req.resource,
    action: req.action,
    acr_values: acrValues.join(' '),
    max_age: maxAge,
    // A title too long for the prompt is cut rather than refused: it is the route's own text.
    ...(title && { title: title.slice(0, DETAILS_LIMITS.title) }),
    ...(txn && { details: txn.details, binding: txn.binding }),
    ...(likelyFactor && { likely_factor: likelyFactor as StepUpChallengeBody['likely_factor'] }),
  };
  return json(401, body, { 'www-authenticate': formatStepUpChallenge({ acrValues, maxAge }) });
}

/**
 * Runs the route's `bind` on a copy of the request. A request whose transaction cannot be read
 * or shown (a hostile payee of 10 KB, 100 fields, bidi overrides) is the client's fault: 400.
 */
async function boundTransaction(request: Request, req: StepUpRequirement): Promise<BoundTransaction | Response> {
  let details: TransactionDetails;
  try {
    details = await req.bind!(request.clone());
  } catch {
    return json(400, errorBody('malformed_request', 'The request does not name a transaction that can be confirmed.'));
  }
  const problem = detailsProblem(details);
  if (problem) return json(400, errorBody('malformed_request', `This transaction cannot be shown for confirmation: ${problem}.`));
  return { details, binding: bindingOf(req, details) };
}

/**
 * The factor type a challenge the client starts now for this route would ask for first
 * (challenge-refs.ts order: the strongest, then the one used last; passkeys only for a `phr`
 * route), or nothing when no challenge would ask: an earlier step-up of this session still
 * answers it (freshness, never for a bound transaction), or the route takes only an
 * integration's questions. It lets the prompt show its code input before the challenge answers
 * (docs/architecture.md "Time to open"); said only when a challenge will ask, it never makes a
 * still-fresh step-up flash a dialog. Only ever computed for the signed-in user, after the
 * session check; a store failure just leaves it out.
 */
async function likelyFactorOf(ctx: MfaContext, user: SessionUser, req: StepUpRequirement, maxAge: number, txn?: BoundTransaction): Promise<string | undefined> {
  // The level the client's challenge will ask for (mfa-fetch.ts reads acr_values the same way).
  const acrValues = req.acrValues ?? [ACR_MFA];
  const acr = acrValues.includes(ACR_MFA) ? ACR_MFA : acrValues.includes(ACR_PHR) ? ACR_PHR : undefined;
  if (!acr) return undefined;
  try {
    const [fresh, factors] = await Promise.all([
      txn ? null : findFresh(ctx, user, { resource: req.resource, action: req.action, maxAge }, acr),
      usableFactors(ctx, user.sub),
    ]);
    if (fresh) return undefined;
    return factorsAt(ctx, factors, acr)[0]?.type;
  } catch {
    return undefined;
  }
}

/** `Step-Up-Token`, else (when the app opted in with `acceptBearer`) `Authorization: Bearer`. */
export function stepUpTokenOf(ctx: MfaContext, request: Request): string | null {
  const header = request.headers.get(STEP_UP_HEADER);
  if (header) return header;
  if (!ctx.policy.acceptBearer) return null;
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
  const maxAge = req.maxAge ?? ctx.policy.token.lifetime;
  let txn: BoundTransaction | undefined;
  if (req.bind) {
    const bound = await boundTransaction(request, req);
    if (bound instanceof Response) return { ok: false, response: bound };
    txn = bound;
  }
  const refuse = async (message?: string): Promise<StepUpVerdict> => ({
    ok: false,
    response: stepUpRequiredResponse(req, maxAge, { txn, message, likelyFactor: await likelyFactorOf(ctx, user, req, maxAge, txn) }),
  });
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
    ? await verifyStepUpToken(keys, ctx.policy.token, token, {
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
  if (!claims) return refuse();
  // What you see is what you sign: the token approves exactly the transaction the user was shown
  // (the same amount, the same payee), checked before it is spent so a tampered retry burns nothing.
  if (txn && claims.txn !== txn.binding) {
    return refuse(claims.txn === undefined
      ? 'This step-up did not confirm a transaction; confirm this one.'
      : 'This step-up confirmed a different transaction; confirm this one.');
  }
  try {
    // Logout / clearMfa() ended the session after this token was issued: step up again.
    if (await isRevoked(ctx, user.sub, claims.ssn, claims.iat)) return refuse();
    // A used one-time token is answered like a missing one: step up again.
    if (!req.reusable && !(await ctx.store.useTokenOnce(claims.jti, acceptedUntilMs(ctx.policy.token, claims.exp), ctx.now()))) {
      return refuse('This step-up was used already; confirm again.');
    }
    // The mark is committed before the protected action runs (stores/store.ts `flush`).
    if (!req.reusable) await ctx.store.flush?.();
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
