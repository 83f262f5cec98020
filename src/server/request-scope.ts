/**
 * The scope of one HTTP request, built once at the edge (http/app.ts) and passed to services as
 * one value: who is signed in (user and app session), where the request came from (its checked
 * Origin, host and client IP) and how to check its step-up token. The IP also reaches every
 * audit event written while handling the request without being passed through every function:
 * the services get the server's context as the request sees it (`contextFor`), whose audit log
 * stamps the IP. Outside a request (timers, CLI, tests calling services directly) events carry
 * only the IP their caller gives.
 */
import type { MfaContext, SessionUser } from './config.js';
import type { StepUpRequirement } from './guard/step-up-guard.js';

export interface RequestScope {
  /** The client IP as the `clientIp` option (or the socket) gives it. */
  readonly ip?: string;
  /** The request's Origin (checked for state-changing requests): the WebAuthn relying party. */
  readonly origin?: string;
  /** Its host name: the WebOTP line of an SMS names it. */
  readonly host?: string;
}

/** A signed-in user's request, as the services see it. */
export interface Scope extends RequestScope {
  readonly user: SessionUser;
  /** Checks the request's step-up token for `req`: null when it passes, else the guard's 401 (or 503). */
  readonly checkStepUp?: (req: StepUpRequirement) => Promise<Response | null>;
}

/**
 * The server's context as one request from `scope` sees it: the same store, keys and policy, with
 * an audit log whose events carry the request's client IP. Per-instance state must not be keyed
 * on the context object (there is one per request): key it on `ctx.store`.
 */
export function contextFor(ctx: MfaContext, scope: RequestScope): MfaContext {
  return scope.ip === undefined ? ctx : { ...ctx, audit: ctx.audit.forClient(scope.ip) };
}
