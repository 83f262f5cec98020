/**
 * `mfaFetch` (docs/elements.md): a `fetch` that answers RFC 9470 step-up challenges by itself.
 * It sends the matching step-up token when it has one; on a 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication"` it opens the prompt for
 * the resource/action the server named (honouring its `max_age`) and retries the request once
 * with the new token. A cancelled prompt returns the original 401 response, untouched (or throws
 * an `MfaError`, by option). Concurrent requests hitting the same scope share one prompt because
 * the opener joins calls for the same resource/action.
 *
 * Tokens are spent, not shown: guarded routes accept a token once by default, so each request
 * takes the held token out of the cache. When callers that shared one prompt find the token
 * already taken, each opens again, and the server's freshness answers at once with a token of
 * its own (no second code), so no token is ever sent twice.
 *
 * Trust: only requests to the page's own origin, or to one of the client's `trustedOrigins`,
 * get tokens or have their challenges answered; any other origin's response is returned as it
 * came. A challenge for resource `mfa` (factor management) is never answered here, whoever
 * sends it: management steps up through the elements, not on a server's word.
 */
import { MfaError } from '../core/errors.js';
import { MANAGE_SCOPE, STEP_UP_HEADER, type FactorType, type IdpAuthResponse, type StepUpChallengeBody } from '../core/types.js';
import { parseStepUpChallenge } from '../core/www-authenticate.js';
import type { MfaClient } from './mfa-client.js';

/**
 * `factor: 'kba'` when the route accepts only knowledge answers (`acr_values="kba"`); `acr: 'phr'`
 * when it accepts only a phishing-resistant step-up (a passkey, `acr_values="phr"`).
 */
export type StepUpScope = {
  resource: string; action: string; maxAge?: number; factor?: 'kba'; acr?: 'phr';
  /** From a bound route's 401: what the prompt shows, and the digest the server checks. */
  title?: string; details?: Record<string, string>; binding?: string;
  /** The 401's `likely_factor`: what this step-up's challenge will ask for first (the prompt may show it before the answer). */
  likelyFactor?: FactorType;
};

/** A flat record of strings, or undefined: anything else in a 401 body is not shown. */
const stringRecord = (v: unknown): Record<string, string> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
export type ScopeOpener = (scope: StepUpScope) => Promise<IdpAuthResponse>;

/**
 * Why a step-up did not happen: the `reject` outcome's `error` — `cancelled` (the user closed the
 * prompt), `not_enrolled` (no method set up yet), `locked` (too many wrong answers), `expired`,
 * `network`, `server` or `denied`. The 401 `mfaFetch` returns then carries it as `mfaReason`
 * (with `onCancel: 'throw'`, the `MfaError`'s `code` is the same value). A `locked` one also
 * carries `mfaRetryAt`: when the user may try again, ms since the epoch (the `MfaError`'s
 * `retryAfter` in seconds).
 */
export type StepUpFailureReason = NonNullable<IdpAuthResponse['error']>;
export type StepUpFailedResponse = Response & { mfaReason: StepUpFailureReason; mfaRetryAt?: number };

export interface MfaFetchOptions {
  /** `response` (default): a cancelled step-up returns the server's 401. `throw`: an `MfaError`. */
  onCancel?: 'response' | 'throw';
  /** The fetch to wrap (default: the global one at call time). */
  fetch?: typeof fetch;
}

/** An origin as `URL#origin` spells it; `null` for what is not one (or an opaque origin). */
const originOf = (url: string): string | null => {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
};

export function createMfaFetch(client: MfaClient, opener: () => ScopeOpener | undefined, options: MfaFetchOptions = {}) {
  /** Which scope a URL (origin + method + path) asked for last time, so the next call sends the token up front. */
  const known = new Map<string, StepUpScope>();
  /** The page's origin and the client's `trustedOrigins`: the only ones that get tokens and answers. */
  const trusted = new Set([globalThis.location?.origin, ...(client.trustedOrigins ?? [])].map((o) => originOf(String(o))));

  return async function mfaFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const doFetch = options.fetch ?? globalThis.fetch;
    const base = new Request(input, init);
    const origin = originOf(base.url);
    // Another server gets no token, and its 401 opens nothing: it goes back to the caller as it came.
    if (!origin || !trusted.has(origin)) return doFetch(base);
    // Buffer the body once so the retry sends exactly the same bytes (streams are single-use).
    const body = base.body ? await base.arrayBuffer() : undefined;
    const key = `${base.method.toUpperCase()} ${origin}${new URL(base.url).pathname}`;

    const take = (scope: StepUpScope) => client.tokens.take(scope.resource, scope.action)?.token;
    const send = (token?: string) => {
      const headers = new Headers(base.headers);
      if (token) headers.set(STEP_UP_HEADER, token);
      return doFetch(new Request(base, { headers, body }));
    };

    const knownScope = known.get(key);
    const first = await send(knownScope && take(knownScope));
    const challenge = first.status === 401 ? parseStepUpChallenge(first.headers.get('www-authenticate')) : null;
    const open = opener();
    if (!challenge || !open) return first;

    const details = (await first.clone().json().catch(() => null)) as Partial<StepUpChallengeBody> | null;
    if (typeof details?.resource !== 'string' || typeof details.action !== 'string') return first;
    // Factor management is never stepped up on a server's word (its token could add a factor).
    if (details.resource === MANAGE_SCOPE.resource) return first;
    // The route's max_age (header, else body) goes to the challenge: freshness older than it would
    // only mint a token the route refuses.
    const bodyMaxAge = typeof details.max_age === 'number' && Number.isSafeInteger(details.max_age) && details.max_age >= 0 ? details.max_age : undefined;
    const scope: StepUpScope = { resource: details.resource, action: details.action, maxAge: challenge.maxAge ?? bodyMaxAge };
    // What the user approves: the route's title and bound transaction go to the prompt (as text).
    if (typeof details.title === 'string') scope.title = details.title;
    const txn = stringRecord(details.details);
    if (txn && typeof details.binding === 'string') Object.assign(scope, { details: txn, binding: details.binding });
    // A route that accepts only an integration's questions (RFC 9470 acr_values="kba") gets them.
    if (challenge.acrValues?.includes('kba') && !challenge.acrValues.includes('mfa')) scope.factor = 'kba';
    // A route that accepts only the phishing-resistant level gets a passkey-only prompt.
    if (challenge.acrValues?.includes('phr') && !challenge.acrValues.includes('mfa')) scope.acr = 'phr';
    // Only the scope is remembered for sending a token up front: a transaction is never reused.
    known.set(key, { resource: scope.resource, action: scope.action, maxAge: scope.maxAge, factor: scope.factor, acr: scope.acr });
    // What the server will ask first (it says so only when a challenge will ask): the prompt can
    // show its code input before the challenge answers. Kept for later forced step-ups too.
    if (typeof details.likely_factor === 'string') client.likelyFactor = scope.likelyFactor = details.likely_factor;
    let outcome = await open(scope);
    let token = outcome.success ? take(scope) : undefined;
    // Another caller that shared the prompt took its token: open again for one of our own
    // (the server's freshness answers without asking, unless the app's policy says otherwise).
    // The 401's hint predates that step-up: opening early on it would flash a dialog.
    if (outcome.success && !token) {
      delete scope.likelyFactor;
      outcome = await open(scope);
      token = outcome.success ? take(scope) : undefined;
    }
    if (token) return send(token); // once: a second 401 is returned as it is, no loop
    const retryAt = outcome.success ? undefined : outcome.retryAt;
    if (options.onCancel === 'throw') {
      const retryAfter = retryAt === undefined ? undefined : Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      throw new MfaError(outcome.error ?? 'cancelled', 'The second-factor check did not complete.', { status: 401, retryAfter });
    }
    // The server's 401 as it came, plus why the step-up did not happen, so the app can say the right thing.
    return Object.assign(first, { mfaReason: outcome.error ?? 'cancelled', ...(retryAt !== undefined && { mfaRetryAt: retryAt }) }) satisfies StepUpFailedResponse;
  };
}

export interface InterceptOptions extends Omit<MfaFetchOptions, 'fetch'> {
  /**
   * Which requests to watch: a URL prefix, a RegExp on the URL, or a predicate. Of those, only
   * the page's origin and the client's `trustedOrigins` are answered (see `configure`).
   */
  match: string | RegExp | ((request: Request) => boolean);
}

/**
 * Q2's behaviour, opt-in: from now on, every matching `fetch` on the page opens the prompt by
 * itself when the server demands a step-up. Returns a function that restores the original fetch.
 */
export function interceptFetch(client: MfaClient, opener: () => ScopeOpener | undefined, options: InterceptOptions): () => void {
  const original = globalThis.fetch;
  const wrapped = createMfaFetch(client, opener, { ...options, fetch: original });
  const matches = (request: Request) =>
    typeof options.match === 'string'
      ? request.url.startsWith(new URL(options.match, globalThis.location?.href).href)
      : options.match instanceof RegExp
        ? options.match.test(request.url)
        : options.match(request);
  const patched: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    return matches(request) ? wrapped(request) : original(request);
  };
  globalThis.fetch = patched;
  return () => {
    if (globalThis.fetch === patched) globalThis.fetch = original;
  };
}
