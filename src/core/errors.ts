/**
 * Every failure the product reports is an `MfaError` with a stable `code`.
 * The server maps codes to HTTP statuses in one place (server/http/errors.ts);
 * the client rebuilds `MfaError`s from `{error:{code,message}}` bodies.
 */
export type MfaErrorCode =
  | 'malformed_request'
  | 'malformed_code'
  | 'invalid_phone'
  | 'invalid_option'
  | 'invalid_credential'
  | 'unsupported_factor'
  | 'unsupported_channel'
  | 'country_not_allowed'
  | 'unauthenticated'
  | 'insufficient_user_authentication'
  | 'invalid_code'
  | 'code_used'
  | 'forbidden_origin'
  | 'not_found'
  | 'not_enrolled'
  | 'conflict'
  | 'expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'locked'
  | 'rate_limited'
  | 'unavailable'
  | 'cancelled'
  | 'network'
  | 'server';

export interface MfaErrorDetails {
  attemptsLeft?: number;
  retryAfter?: number;
  status?: number;
}

export class MfaError extends Error {
  override name = 'MfaError';
  readonly code: MfaErrorCode | string;
  readonly attemptsLeft?: number;
  readonly retryAfter?: number;
  /** HTTP status when the error came from the server. */
  readonly status?: number;

  constructor(code: MfaErrorCode | string, message?: string, details: MfaErrorDetails = {}) {
    super(message ?? code);
    this.code = code;
    this.attemptsLeft = details.attemptsLeft;
    this.retryAfter = details.retryAfter;
    this.status = details.status;
  }
}

export const isMfaError = (e: unknown): e is MfaError =>
  e instanceof MfaError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'MfaError');
