/**
 * Q2 Tecton's `promptForMFA(promptOptions?)` → `Promise<void>`: resolves when the user
 * completed the step-up, rejects with an `MfaError` (its `.code` is the reason) otherwise.
 */
import { MfaError } from '../core/errors.js';
import { openAuthIdpModal } from './open-auth-idp-modal.js';

export interface PromptOptions {
  message?: string;
  /** The app's reason code, recorded in the audit event. */
  code?: number;
  resource?: string;
  action?: string;
}

export async function promptForMFA(options: PromptOptions = {}): Promise<void> {
  const outcome = await openAuthIdpModal({
    resource: options.resource ?? 'app',
    action: options.action ?? 'confirm',
    message: options.message,
    reason: options.code === undefined ? undefined : String(options.code),
  });
  if (!outcome.success) throw new MfaError(outcome.error ?? 'cancelled', 'The second-factor check did not complete.');
}
