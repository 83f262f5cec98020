import { isMfaError, MfaError } from '../../core/errors.js';

/**
 * Server and network failures arrive as `MfaError`s; anything else is a bug or a failed chunk
 * load. Those are logged for the developer (they never carry user secrets) and shown as a
 * generic error, so the element stays usable.
 */
export function asMfaError(err: unknown): MfaError {
  if (isMfaError(err)) return err;
  console.error('[mfa-elements]', err);
  return new MfaError('server');
}
