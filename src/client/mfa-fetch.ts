/**
 * `mfaFetch` (DESIGN §2): a `fetch` that answers RFC 9470 step-up challenges by itself.
 * It sends the matching step-up token when it has one; on a 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication"` it opens the prompt for
 * the resource/action the server named and retries the request once with the new token.
 * A cancelled prompt returns the original 401 response, untouched.
 */
import { STEP_UP_HEADER, type StepUpChallengeBody } from '../core/types.js';
import { parseStepUpChallenge } from '../core/www-authenticate.js';
import type { MfaClient, StepUpOpener } from './mfa-client.js';

type Scope = { resource: string; action: string };

/** Which scope a URL asked for last time, so the next call sends the token up front. */
const scopeKey = (method: string, url: string) => `${method.toUpperCase()} ${new URL(url, globalThis.location?.href).pathname}`;

export function createMfaFetch(client: MfaClient, opener: () => StepUpOpener | undefined) {
  const known = new Map<string, Scope>();

  return async function mfaFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const base = input instanceof Request ? input : new Request(input, init);
    // Buffer the body once so the retry sends exactly the same bytes (streams are single-use).
    const body = base.body ? await base.arrayBuffer() : undefined;
    const key = scopeKey(base.method, base.url);

    const send = (scope?: Scope) => {
      const headers = new Headers(base.headers);
      const token = scope && client.token.getAccessToken(scope);
      if (token) headers.set(STEP_UP_HEADER, token);
      return fetch(new Request(base, { headers, body }));
    };

    const first = await send(known.get(key));
    const challenge = first.status === 401 ? parseStepUpChallenge(first.headers.get('www-authenticate')) : null;
    const open = opener();
    if (!challenge || !open) return first;

    const details = (await first.clone().json().catch(() => null)) as Partial<StepUpChallengeBody> | null;
    if (!details?.resource || !details.action) return first;
    const scope = { resource: details.resource, action: details.action };
    known.set(key, scope);
    const outcome = await open(scope);
    return outcome.success ? send(scope) : first;
  };
}
