/**
 * The scope of one HTTP request, built once at the edge (http/app.ts) and passed to services as
 * one value: who is signed in (user and app session), where the request came from (its checked
 * Origin, host and client IP) and how to check its step-up token. The IP part is also carried
 * through every `await` by AsyncLocalStorage, so every audit event written while handling the
 * request carries it without being passed through every function (`AuditLog.record` reads it).
 * Outside a request (timers, CLI, tests calling services directly) there is no ambient scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SessionUser } from './config.js';
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

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it awaits) inside `scope`. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(Object.freeze({ ...scope }), fn);
}

/** The current request's scope, or undefined outside a request. */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
