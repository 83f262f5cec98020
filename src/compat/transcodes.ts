/**
 * Transcodes compatibility: a `transcodes` object with the call shapes of Transcodes' step-up
 * guide — `openAuthIdpModal` → `{ success, payload: [IdpAuthResponse] }`, `token.getAccessToken()`,
 * `trackUserAction(event, { webhookNotification })` and `openAuthConsoleModal()`.
 *
 * ```ts
 * import { transcodes } from 'mfa-elements/compat/transcodes';
 * const mfaResult = await transcodes.openAuthIdpModal({ resource: 'sensitive_action', action: 'delete' });
 * if (mfaResult.success && mfaResult.payload[0]?.success) { … }
 * ```
 *
 * Every call goes to the native promise API (`openAuthIdpModal`, `getAccessToken`, `trackUserAction`,
 * `openAuthConsoleModal`); this file only reshapes. SSR-safe: importing touches no DOM and defines nothing.
 */
import { openAuthConsoleModal } from '../api/open-auth-console-modal.js';
import { openAuthIdpModal, type OpenAuthIdpModalRequest } from '../api/open-auth-idp-modal.js';
import { getAccessToken, trackUserAction } from '../api/mfa-fetch.js';
import type { UserActionEvent } from '../client/mfa-client.js';
import type { IdpAuthResponse } from '../core/types.js';

export type { IdpAuthResponse, UserActionEvent };

/** Transcodes' request: `resource` + `action` (RBAC), `forceStepUp`; the native extras (`message`, `enrollIfMissing`, …) pass through. */
export type TranscodesIdpRequest = OpenAuthIdpModalRequest;

/** Transcodes' envelope around the outcome. */
export interface TranscodesApiResponse<T> {
  success: boolean;
  payload: T;
  /** Copied from `payload[0].error` when the step-up did not complete. */
  error?: string;
}

/** Scope of the newest step-up this facade saw succeed: what `token.getAccessToken()` returns the token of. */
let lastScope: { resource: string; action: string } | undefined;

export const transcodes = {
  /**
   * Native `openAuthIdpModal`, wrapped as `{ success, payload: [outcome] }`. The envelope's `success`
   * is the outcome's own `success` (not "the SDK call worked"), so code that checks only
   * `mfaResult.success` still never proceeds after a cancel — fail closed. Like the native call it
   * never throws for a user outcome, and a step-up still fresh for the resource resolves at once.
   */
  async openAuthIdpModal(request: TranscodesIdpRequest): Promise<TranscodesApiResponse<[IdpAuthResponse]>> {
    const outcome = await openAuthIdpModal(request);
    // Remembered only on success: a cancel must not make `getAccessToken()` forget the last good token.
    if (outcome.success) lastScope = { resource: outcome.resource ?? request.resource, action: outcome.action ?? request.action };
    return { success: outcome.success, payload: [outcome], ...(outcome.error !== undefined && { error: outcome.error }) };
  },

  token: {
    /**
     * Without arguments: the step-up token of the most recent successful `transcodes.openAuthIdpModal`
     * (Transcodes has one token per user; ours are per resource/action, so "the last one" is the
     * faithful reading). With `{ resource, action }`: that scope's token (native `getAccessToken`).
     * `null` when none is held or it expired (tokens live in memory only, 5 min by default).
     * Send it as the `Step-Up-Token` header — or let `mfaFetch` do it — since our guard reads that
     * header, not `Authorization`.
     */
    async getAccessToken(scope?: { resource: string; action: string }): Promise<string | null> {
      const wanted = scope ?? lastScope;
      return wanted ? getAccessToken(wanted) : null;
    },
  },

  /** Native `trackUserAction` unchanged: `POST /mfa/audit` with `{ tag, severity, status, metadata }` (+ `webhookNotification`). */
  trackUserAction(event: UserActionEvent, options?: { webhookNotification?: boolean }): Promise<void> {
    return trackUserAction(event, options);
  },

  /**
   * Native `openAuthConsoleModal` unchanged: the user's MFA settings — today the set-up flow
   * (`<mfa-enroll>`), which is what Transcodes' "set up MFA first" example needs. Resolves when it closes.
   */
  openAuthConsoleModal(): Promise<void> {
    return openAuthConsoleModal();
  },
};
