/**
 * `openAuthIdpModal({ resource, action })` (docs/elements.md): shows one `<mfa-prompt>` appended to
 * `<body>`, resolves with an `IdpAuthResponse` once the dialog has closed and focus is back,
 * never throws for a user outcome. One modal at a time: a call for the same resource/action
 * joins the open one; a different one waits its turn. A call with `details` (a transaction) joins
 * only a call for the very same transaction: each transaction is confirmed on its own.
 */
import { MANAGE_SCOPE, type FactorType, type IdpAuthResponse } from '../core/types.js';
import { getDefaultClient } from '../client/default-client.js';
import type { MfaClient } from '../client/mfa-client.js';
import { MfaPrompt } from '../elements/mfa-prompt/mfa-prompt.js';
import { defineElement } from '../elements/shared/define-element.js';
import { configuredLocale } from './configured-locale.js';

export interface OpenAuthIdpModalRequest {
  resource: string;
  action: string;
  /** Ask even when the server says the user stepped up recently. */
  forceStepUp?: boolean;
  /** Text shown above the input. */
  message?: string;
  factor?: FactorType;
  /** Why the app asks (recorded in the audit log). */
  reason?: string;
  /** Seconds: an earlier step-up older than this does not count (a route's RFC 9470 `max_age`). */
  maxAge?: number;
  /**
   * A user without any factor sets one up inside the same modal, then steps up. With
   * `acr: 'phr'`, a user without a passkey is offered to add one.
   */
  enrollIfMissing?: boolean;
  /** `phr`: only a passkey will do (the route's `acr_values="phr"`); default `mfa`. */
  acr?: 'mfa' | 'phr';
  /** The client that verifies and keeps the token (default: the page-wide one). */
  client?: MfaClient;
  /** The prompt's heading, e.g. "Send money" (default: one for the action, else "Confirm it's you"). */
  title?: string;
  /**
   * The transaction the user approves, shown under "You are confirming" as label → value rows
   * (e.g. `{ amount: '$100.00', to: 'Savings' }`). The server binds the token to it (`txn`);
   * only a route whose `bind` derives the same details accepts it (docs/server.md).
   */
  details?: Record<string, string>;
  /** A bound route's 401 `binding` (`mfaFetch` passes it); the server refuses a mismatch. */
  binding?: string;
  /**
   * What the server said this step-up's challenge will ask for first: a guarded route's 401
   * `likely_factor` (`mfaFetch` passes it). With `'totp'` the prompt shows and focuses its code
   * input before the challenge answers. Only pass what the server said for this step-up: it names
   * a factor only when a challenge will ask, not when an earlier step-up still answers.
   */
  likelyFactor?: FactorType;
}

let queue: Promise<unknown> = Promise.resolve();
const inFlight = new Map<string, Promise<IdpAuthResponse>>();
/** Prompts on screen now. */
let showing = 0;

export function openAuthIdpModal(request: OpenAuthIdpModalRequest): Promise<IdpAuthResponse> {
  ensureOpener();
  // A management step-up asked from inside an open prompt (its embedded enrollment adding a
  // passkey for a phr step-up) opens on top of it: queued, it would wait for itself.
  if (request.resource === MANAGE_SCOPE.resource && showing > 0) return showPrompt(request);
  const key = `${request.resource}\u0000${request.action}\u0000${request.acr ?? ''}\u0000${request.details ? JSON.stringify(request.details) : ''}`;
  const joined = inFlight.get(key);
  if (joined) return joined;
  const run = queue.then(() => showPrompt(request));
  queue = run.catch(() => {});
  const done = run.finally(() => inFlight.delete(key));
  inFlight.set(key, done);
  return done;
}

/** Lets management calls (`<mfa-enroll>` adding a second factor…) step up through the same modal. */
export function ensureOpener(client: MfaClient = getDefaultClient()): void {
  // The prompt must verify through the same client that will read the token afterwards.
  client.opener ??= (scope) => openAuthIdpModal({ ...scope, client });
}

function showPrompt(request: OpenAuthIdpModalRequest): Promise<IdpAuthResponse> {
  defineElement('mfa-prompt', MfaPrompt);
  const prompt = document.createElement('mfa-prompt') as MfaPrompt;
  prompt.resource = request.resource;
  prompt.action = request.action;
  prompt.force = !!request.forceStepUp;
  if (request.message) prompt.message = request.message;
  if (request.factor) prompt.factor = request.factor;
  if (request.reason) prompt.reason = request.reason;
  if (request.maxAge !== undefined) prompt.maxAge = request.maxAge;
  if (request.title) prompt.heading = request.title;
  if (request.details) prompt.details = request.details;
  if (request.binding) prompt.binding = request.binding;
  if (request.likelyFactor) prompt.likelyFactor = request.likelyFactor;
  prompt.enrollIfMissing = !!request.enrollIfMissing;
  if (request.acr) prompt.acr = request.acr;
  // Always this copy's client: with two copies of the package on a page, the element may be the other's.
  prompt.client = request.client ?? getDefaultClient();
  const locale = configuredLocale();
  if (locale) prompt.locale = locale;

  return new Promise<IdpAuthResponse>((resolve) => {
    let outcome: IdpAuthResponse | undefined;
    const remember = (e: Event) => (outcome = (e as CustomEvent<IdpAuthResponse>).detail);
    prompt.addEventListener('resolve', remember);
    prompt.addEventListener('reject', remember);
    // `mfa-hide` comes after focus went back to the opener: only then is the page usable again.
    prompt.addEventListener('mfa-hide', () => {
      showing--;
      prompt.remove();
      resolve({ resource: request.resource, action: request.action, ...(outcome ?? { success: false, error: 'cancelled', timestamp: Date.now() }) });
    }, { once: true });
    showing++;
    document.body.append(prompt);
    prompt.show();
  });
}
