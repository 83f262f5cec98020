/** The one mapping from `MfaError` codes to HTTP statuses (docs/server.md "HTTP protocol"). */
import { MfaError } from '../../core/errors.js';
import type { ErrorBody } from '../../core/types.js';

const STATUS: Record<string, number> = {
  malformed_request: 400,
  malformed_code: 400,
  invalid_phone: 400,
  invalid_option: 400,
  invalid_credential: 400,
  unsupported_factor: 400,
  unsupported_channel: 400,
  country_not_allowed: 400,
  unauthenticated: 401,
  insufficient_user_authentication: 401,
  invalid_code: 403,
  code_used: 403,
  forbidden_origin: 403,
  not_found: 404,
  not_enrolled: 409,
  conflict: 409,
  expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked: 423,
  rate_limited: 429,
  unavailable: 503,
};

export const statusOf = (code: string): number => STATUS[code] ?? 500;

export function errorBody(code: string, message: string, extra: { attemptsLeft?: number; retryAfter?: number } = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

/**
 * A refusal that already is its HTTP answer: the guard's 401 with its RFC 9470 challenge (or its
 * 503), thrown by a service that needs a fresh step-up (e.g. `mfa`/`manage` to add a factor).
 */
export class GuardRefusal extends MfaError {
  constructor(readonly response: Response) {
    super('insufficient_user_authentication', 'A fresh second-factor check is needed.');
  }
}

/**
 * JSON error response for any thrown value. Input is validated before any service runs, so an
 * unexpected error is in practice a store outage: it is answered with a generic 503
 * `unavailable` (no detail, fail closed), never a success.
 */
export function errorResponse(err: unknown): Response {
  if (err instanceof GuardRefusal) return err.response;
  const e = err instanceof MfaError ? err : new MfaError('unavailable', 'The service is unavailable right now. Try again.');
  const body = errorBody(e.code, e.message, {
    ...(e.attemptsLeft !== undefined && { attemptsLeft: e.attemptsLeft }),
    ...(e.retryAfter !== undefined && { retryAfter: e.retryAfter }),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  return new Response(JSON.stringify(body), { status: statusOf(e.code), headers });
}
