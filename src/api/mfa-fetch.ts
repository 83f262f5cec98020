/** The page-wide `mfaFetch` and token accessor, bound to the default client and prompt. */
import { getDefaultClient } from '../client/default-client.js';
import { createMfaFetch } from '../client/mfa-fetch.js';
import { openAuthIdpModal } from './open-auth-idp-modal.js';

let bound: ReturnType<typeof createMfaFetch> | undefined;

/** `fetch` that opens `<mfa-prompt>` when the server answers with an RFC 9470 step-up challenge. */
export function mfaFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  bound ??= createMfaFetch(getDefaultClient(), () => openAuthIdpModal);
  return bound(input, init);
}

/** The step-up token for a scope, if one is held in memory and not expired. */
export function getAccessToken(scope: { resource: string; action: string }): string | null {
  return getDefaultClient().token.getAccessToken(scope);
}

/** Forgets every step-up token and tells the server (call it on sign-out). */
export function clearMfa(): Promise<void> {
  return getDefaultClient().clearMfa();
}
