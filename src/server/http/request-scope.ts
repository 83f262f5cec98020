/**
 * The scope of one HTTP request, carried through every `await` by AsyncLocalStorage, so that
 * what is known at the edge (the client IP) reaches the audit log without being passed through
 * every service function. The app's middleware (http/app.ts) enters it; `AuditLog.record` reads
 * it. Outside a request (timers, CLI, tests calling services directly) there is no scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  /** The client IP as the `clientIp` option (or the socket) gives it. */
  readonly ip?: string;
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
