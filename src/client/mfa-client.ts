/**
 * `MfaClient` — the headless client of the HTTP protocol (docs/elements.md, docs/server.md "HTTP protocol") and the engine under
 * the elements. Holds step-up tokens in memory; throws `MfaError` for every error answer.
 */
import { MfaError } from '../core/errors.js';
import {
  INSUFFICIENT_USER_AUTHENTICATION,
  MANAGE_SCOPE,
  STEP_UP_HEADER,
  type ChallengeAnswer,
  type ChallengeResponse,
  type CodeEnrollment,
  type ConfirmEnrollmentResponse,
  type EnrollableFactorType,
  type Enrollment,
  type FactorType,
  type ErrorBody,
  type FactorList,
  type FactorSummary,
  type IdpAuthResponse,
  type TotpEnrollment,
  type VerifiedResponse,
  type WebauthnEnrollment,
} from '../core/types.js';
import { TokenCache } from './token-cache.js';

export interface MfaClientOptions {
  /** Where the server's protocol is mounted (default `/mfa`). */
  apiBase?: string;
  /** Extra headers on every request (e.g. an app's CSRF header). */
  headers?: Record<string, string>;
  /** Default `same-origin`; `include` for a server on another origin. */
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
  /**
   * Origins besides the page's own (`location.origin`) whose RFC 9470 challenges `client.fetch`,
   * `mfaFetch` and `interceptFetch` answer, and which get step-up tokens, e.g.
   * `['https://api.example.com']`. Any other origin's 401 is returned untouched and no token is
   * ever sent there.
   */
  trustedOrigins?: string[];
  /** What `client.fetch` / `mfaFetch` does when the user cancels the step-up: return the 401 (default) or throw an `MfaError`. */
  onStepUpCancel?: 'response' | 'throw';
}

/**
 * Opens the step-up UI for a scope and resolves with its outcome. `api/` injects one that
 * shows `<mfa-prompt>`; the client itself never imports elements (docs/architecture.md layers).
 */
export type StepUpOpener = (req: {
  resource: string; action: string; maxAge?: number; factor?: 'kba'; acr?: 'phr';
  /** A bound route's transaction, its binding and the route's title (from its 401). */
  title?: string; details?: Record<string, string>; binding?: string;
}) => Promise<IdpAuthResponse>;

/** Transcodes `trackUserAction` event. */
export interface UserActionEvent {
  tag: string;
  severity?: 'low' | 'medium' | 'high' | 'critical' | 'info' | 'warning';
  status?: boolean | 'success' | 'failure';
  metadata?: Record<string, unknown>;
}

export interface StartChallengeInput {
  resource: string;
  action: string;
  factorId?: string;
  factorType?: FactorType;
  force?: boolean;
  /** The route's RFC 9470 `max_age`: an earlier step-up older than this does not count. */
  maxAge?: number;
  reason?: string | number;
  /** The transaction the user approves (label → value); the token then carries its binding as `txn`. */
  details?: Record<string, string>;
  /** A bound route's 401 `binding`: the server refuses it when it is not the digest of `details`. */
  binding?: string;
  /** The route's level (`acr_values`): `phr` asks for a passkey only. Default `mfa`. */
  acr?: 'mfa' | 'phr';
}

export class MfaClient {
  readonly apiBase: string;
  /** `trustedOrigins` as given: read by `client.fetch` and `interceptFetch`. */
  readonly trustedOrigins?: readonly string[];
  readonly tokens = new TokenCache();
  /** Set by the promise API so management calls can step up by themselves. */
  opener?: StepUpOpener;
  /**
   * The factor type the server will most likely ask for first: named by its last step-up
   * challenge (401 `likely_factor`) or challenge start. Kept in memory only; the prompt opens its
   * code input before the server answers when this is `totp` (docs/architecture.md "Time to open").
   */
  likelyFactor?: FactorType;
  readonly #options: MfaClientOptions;

  /** Transcodes-style accessor: `client.token.getAccessToken({ resource, action })`. */
  readonly token = {
    getAccessToken: ({ resource, action }: { resource: string; action: string }): string | null =>
      this.tokens.get(resource, action)?.token ?? null,
  };

  /**
   * Tells the app's other tabs to forget their tokens when this one signs out. Opened with this
   * tab's first token (before it there is nothing to forget), not when the client is made: the
   * default client is made while the script-tag bundle runs, and opening a channel there cost the
   * prompt's first opening ≈ 1 ms of its main thread (docs/performance.md "Time to open").
   */
  #channel?: BroadcastChannel;

  #fetcher?: Promise<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>>;

  /**
   * `mfaFetch` bound to this client and its opener. Its code loads on first use, so pages that
   * only call `openAuthIdpModal` do not carry it.
   */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    this.#fetcher ??= import('./mfa-fetch.js').then((m) =>
      m.createMfaFetch(this, () => this.opener, { onCancel: this.#options.onStepUpCancel, fetch: this.#options.fetch }));
    return this.#fetcher.then((f) => f(input, init));
  };

  constructor(options: MfaClientOptions = {}) {
    this.#options = options;
    this.apiBase = (options.apiBase ?? '/mfa').replace(/\/+$/, '');
    this.trustedOrigins = options.trustedOrigins;
  }

  #crossTab(): BroadcastChannel | undefined {
    if (!this.#channel && globalThis.BroadcastChannel) {
      const channel = (this.#channel = new BroadcastChannel(`mfa-elements:${this.apiBase}`));
      channel.onmessage = (event: MessageEvent) => event.data == 'clear' && this.tokens.clear();
      // Node (SSR, scripts) has BroadcastChannel too: an open one must not keep the process alive.
      (channel as { unref?: () => void }).unref?.();
    }
    return this.#channel;
  }

  listFactors(): Promise<FactorList> {
    return this.#call('GET', '/factors');
  }

  /** Starts a step-up; a `VERIFIED` answer (still fresh) is remembered like one after `resume`. */
  async startChallenge(input: StartChallengeInput): Promise<ChallengeResponse> {
    const answer = await this.#call<ChallengeResponse>('POST', '/challenges', input);
    if (answer.status === 'VERIFIED') this.#remember(answer);
    // What the user answers with now is what the server will likely ask for next time.
    else this.likelyFactor = answer.factor.type;
    return answer;
  }

  async resume(challengeId: string, answers: ChallengeAnswer[]): Promise<ChallengeResponse> {
    const answer = await this.#call<ChallengeResponse>('POST', `/challenges/${encodeURIComponent(challengeId)}/resume`, { answers });
    if (answer.status === 'VERIFIED') this.#remember(answer);
    return answer;
  }

  /** "Send a new code" of a challenge step that sent one (the countdown must be over). */
  resend(challengeId: string): Promise<ChallengeResponse> {
    return this.#call('POST', `/challenges/${encodeURIComponent(challengeId)}/resend`, {});
  }

  /** Adding a factor when one exists already needs a step-up for mfa/manage; it opens by itself. */
  enroll(type: 'totp', opts?: { label?: string }): Promise<TotpEnrollment>;
  enroll(type: 'phone', opts: { phone: string; channel?: 'sms' | 'voice'; label?: string }): Promise<CodeEnrollment>;
  enroll(type: 'email', opts: { email: string; label?: string }): Promise<CodeEnrollment>;
  enroll(type: 'webauthn', opts?: { label?: string }): Promise<WebauthnEnrollment>;
  enroll(type: EnrollableFactorType, opts?: Record<string, string>): Promise<Enrollment>;
  enroll(type: EnrollableFactorType, opts: Record<string, string> = {}): Promise<Enrollment> {
    return this.#managed('POST', '/factors', { type, ...opts });
  }

  /** Proves the new factor: the code it shows or received, or a passkey's registration response. */
  confirmEnrollment(factorId: string, answer: string | { credential: object }): Promise<ConfirmEnrollmentResponse> {
    // A management call: adding a second factor needs the mfa/manage step-up at confirmation too.
    return this.#managed('POST', `/factors/${encodeURIComponent(factorId)}/confirm`, typeof answer === 'string' ? { code: answer } : answer);
  }

  /** "Send a new code" while adding a phone or email. */
  resendEnrollment(factorId: string): Promise<CodeEnrollment> {
    return this.#call('POST', `/factors/${encodeURIComponent(factorId)}/resend`, {});
  }

  async renameFactor(factorId: string, label: string): Promise<FactorSummary> {
    return (await this.#call<{ factor: FactorSummary }>('PATCH', `/factors/${encodeURIComponent(factorId)}`, { label })).factor;
  }

  removeFactor(factorId: string): Promise<void> {
    return this.#managed('DELETE', `/factors/${encodeURIComponent(factorId)}`);
  }

  async regenerateRecoveryCodes(): Promise<string[]> {
    return (await this.#managed<{ recoveryCodes: string[] }>('POST', '/recovery-codes')).recoveryCodes;
  }

  /** Forgets every step-up token and tells the server to end the user's freshness. */
  async clearMfa(): Promise<void> {
    this.tokens.clear();
    this.#crossTab()?.postMessage('clear');
    await this.#call('DELETE', '/session');
  }

  /** Records an app event in the audit log (`POST /mfa/audit`); `webhookNotification` also alerts. */
  trackUserAction(event: UserActionEvent, options: { webhookNotification?: boolean } = {}): Promise<void> {
    return this.#call('POST', '/audit', { ...event, ...(options.webhookNotification !== undefined && { webhookNotification: options.webhookNotification }) });
  }

  #remember(v: VerifiedResponse): void {
    this.#crossTab();
    this.tokens.set(v.resource, v.action, { token: v.token, sid: v.sid, expiresAt: Date.parse(v.expiresAt) });
  }

  /** A management call: sends the mfa/manage token if any; on a step-up demand, opens the prompt and retries once. */
  async #managed<T>(method: string, path: string, body?: unknown): Promise<T> {
    const withToken = () => {
      const token = this.token.getAccessToken(MANAGE_SCOPE);
      return token ? { [STEP_UP_HEADER]: token } : undefined;
    };
    try {
      return await this.#call<T>(method, path, body, withToken());
    } catch (err) {
      if (!(err instanceof MfaError) || err.code !== INSUFFICIENT_USER_AUTHENTICATION || !this.opener) throw err;
      const outcome = await this.opener(MANAGE_SCOPE);
      if (!outcome.success) throw new MfaError(outcome.error ?? 'cancelled', 'The second-factor check did not complete.');
      return this.#call<T>(method, path, body, withToken());
    }
  }

  async #call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const doFetch = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(this.apiBase + path, {
        method,
        credentials: this.#options.credentials ?? 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...this.#options.headers,
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new MfaError('network', 'The server could not be reached.');
    }
    if (response.status === 204) return undefined as T;
    const data = (await response.json().catch(() => null)) as (T & Partial<ErrorBody>) | null;
    if (response.ok && data) return data;
    const error = data?.error;
    // Not the protocol's JSON: usually nothing (or an app's fallback page) is mounted at `apiBase`.
    if (!error) console.warn(`[mfa-elements] ${method} ${this.apiBase}${path} answered ${response.status} without an MFA error body: is the MFA server at api-base "${this.apiBase}"?`);
    // A non-JSON answer (a proxy's page, a crashed server) is still an HTTP answer, not a network failure.
    throw new MfaError(error?.code ?? (response.status === 401 ? 'unauthenticated' : 'server'), error?.message ?? response.statusText, {
      status: response.status,
      attemptsLeft: error?.attemptsLeft,
      retryAfter: error?.retryAfter,
    });
  }
}
