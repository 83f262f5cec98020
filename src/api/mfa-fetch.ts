/** The page-wide `mfaFetch`, `interceptFetch`, token accessor and audit call, bound to the default client and prompt. */
import { getDefaultClient } from '../client/default-client.js';
import type { UserActionEvent } from '../client/mfa-client.js';
import type { InterceptOptions } from '../client/mfa-fetch.js';
import { ensureOpener } from './open-auth-idp-modal.js';

/** `fetch` that opens `<mfa-prompt>` when the server answers with an RFC 9470 step-up challenge, then retries once. */
export function mfaFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  ensureOpener();
  return getDefaultClient().fetch(input, init);
}

/**
 * Opt-in (Q2 behaviour): every matching `fetch` on the page steps up by itself. Returns a promise
 * of the undo function (the wrapper's code loads on first use).
 */
export async function interceptFetch(options: InterceptOptions): Promise<() => void> {
  ensureOpener();
  const client = getDefaultClient();
  // Loaded lazily and never imported statically anywhere on the prompt path (keeps it small).
  const { interceptFetch: intercept } = await import('../client/mfa-fetch.js');
  return intercept(client, () => client.opener, options);
}

/** The step-up token for a scope, if one is held in memory and not expired. */
export function getAccessToken(scope: { resource: string; action: string }): string | null {
  return getDefaultClient().token.getAccessToken(scope);
}

/** Forgets every step-up token (in every tab) and ends the session's freshness on the server. Call it on sign-out. */
export function clearMfa(): Promise<void> {
  return getDefaultClient().clearMfa();
}

/** Records an app event in the audit log; `{ webhookNotification: true }` also alerts. */
export function trackUserAction(event: UserActionEvent, options?: { webhookNotification?: boolean }): Promise<void> {
  return getDefaultClient().trackUserAction(event, options);
}
