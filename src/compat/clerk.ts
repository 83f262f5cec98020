/**
 * Clerk compatibility: a `SignIn`-like object with Clerk's second-factor methods,
 * `prepareSecondFactor({ strategy })` and `attemptSecondFactor({ strategy, code })`, both resolving
 * with the object itself; check `secondFactorVerification.status`.
 *
 * ```ts
 * import { createSignIn } from 'mfa-elements/compat/clerk';
 * const signIn = createSignIn({ resource: 'payments', action: 'transfer' });
 * await signIn.attemptSecondFactor({ strategy: 'totp', code });
 * if (signIn.secondFactorVerification.status === 'verified') { … }
 * ```
 *
 * Headless: a thin mapping onto `MfaClient.startChallenge` / `MfaClient.resume`. On success the
 * step-up token is held by that client (so `mfaFetch` / `getAccessToken` use it), exactly as after
 * the native calls. SSR-safe: importing touches no DOM and defines nothing.
 */
import { getDefaultClient } from '../client/default-client.js';
import type { MfaClient } from '../client/mfa-client.js';
import { MfaError, isMfaError } from '../core/errors.js';
import type { ChallengedResponse, ChallengeResponse } from '../core/types.js';

/** Clerk's second-factor strategies (`phone_code`: a code texted to the user's phone). */
export type SecondFactorStrategy = 'totp' | 'phone_code' | 'backup_code';

/** Clerk's verification vocabulary. */
export type VerificationStatus = 'unverified' | 'verified' | 'failed' | 'expired';

/** Clerk's `SignIn.status`, restricted to the two states a step-up can be in. */
export type SignInStatus = 'needs_second_factor' | 'complete';

export interface SecondFactorError {
  /** Our `MfaError` code (`invalid_code`, `malformed_code`, `locked`, `expired`, `strategy_not_supported`). */
  code: string;
  message: string;
  meta?: { attemptsLeft?: number; retryAfter?: number };
}

/** Clerk's `Verification`, with the fields a second factor uses. */
export interface SecondFactorVerification {
  /** `null` until `prepareSecondFactor` or `attemptSecondFactor` ran (as in Clerk). */
  status: VerificationStatus | null;
  strategy: SecondFactorStrategy | null;
  /** Attempts made on this sign-in. */
  attempts: number | null;
  /** When the open challenge stops accepting answers. */
  expireAt: Date | null;
  error: SecondFactorError | null;
}

export interface PrepareSecondFactorParams {
  strategy: SecondFactorStrategy;
  /** `phone_code` with several phones: which one (a factor id from `GET /mfa/factors`); default the first offered. */
  phoneNumberId?: string;
}

export interface AttemptSecondFactorParams {
  strategy: SecondFactorStrategy;
  code: string;
}

export interface SignInOptions {
  /** What the step-up protects (default `app`). */
  resource?: string;
  /** The action on it (default `sign_in`: Clerk's second factor completes a sign-in). */
  action?: string;
  /** Default: the page-wide client (`configure()`). */
  client?: MfaClient;
}

/** Raised (and recorded on `secondFactorVerification.error`) for a strategy this server cannot run. */
export const STRATEGY_NOT_SUPPORTED = 'strategy_not_supported';

/** Clerk strategy → native `factorType` of `POST /mfa/challenges`. */
const FACTOR_TYPE = { totp: 'totp', backup_code: 'recovery', phone_code: 'phone' } as const;

export class SignIn {
  status: SignInStatus = 'needs_second_factor';
  secondFactorVerification: SecondFactorVerification = { status: null, strategy: null, attempts: null, expireAt: null, error: null };
  /** Clerk's session id after sign-in; here the step-up session id (`sid`, the token's `jti`). */
  createdSessionId: string | null = null;
  readonly resource: string;
  readonly action: string;
  readonly #client?: MfaClient;
  /** The open native challenge (one `challengeId` = one Clerk verification). */
  #challenge?: ChallengedResponse;

  constructor(options: SignInOptions = {}) {
    this.resource = options.resource ?? 'app';
    this.action = options.action ?? 'sign_in';
    this.#client = options.client;
  }

  /** Resolved on each call, not at construction: a later `configure()` still counts. */
  get #api(): MfaClient {
    return this.#client ?? getDefaultClient();
  }

  /**
   * Starts the verification (native `startChallenge`). Clerk needs it only for `phone_code`; for
   * `totp` and `backup_code` it is optional, as in Clerk, and `attemptSecondFactor` starts one itself.
   */
  async prepareSecondFactor(params: PrepareSecondFactorParams): Promise<SignIn> {
    const factorType = this.#supported(params.strategy);
    try {
      let answer = await this.#api.startChallenge(this.#startInput(factorType));
      // Several phones: the server first asks which one gets the code (Clerk's `phoneNumberId`).
      const step = answer.status === 'CHALLENGED' ? answer.challenges[0] : undefined;
      if (answer.status === 'CHALLENGED' && step?.type === 'options' && step.fieldName === 'destination') {
        answer = await this.#api.resume(answer.challengeId, [{ guid: step.guid, value: params.phoneNumberId ?? step.options![0].value }]);
      }
      this.#apply(answer, params.strategy);
    } catch (err) {
      this.#fail(err, params.strategy);
    }
    return this;
  }

  /**
   * Answers the open verification with `code` (native `resume`), starting one first when none is open
   * for this strategy. A wrong or malformed code resolves with `status: 'failed'` (the challenge stays
   * open: attempt again); an expired one with `'expired'` (the next attempt starts a new challenge);
   * a locked factor with `'failed'` and `error.code === 'locked'`. Transport and session errors reject
   * with the native `MfaError`, as Clerk rejects with its API error.
   */
  async attemptSecondFactor(params: AttemptSecondFactorParams): Promise<SignIn> {
    const factorType = this.#supported(params.strategy);
    try {
      if (!this.#challenge || this.secondFactorVerification.strategy !== params.strategy) {
        const started = await this.#api.startChallenge(this.#startInput(factorType));
        this.#apply(started, params.strategy);
        if (started.status === 'VERIFIED') return this;
      }
      const challenge = this.#challenge!;
      this.secondFactorVerification.attempts = (this.secondFactorVerification.attempts ?? 0) + 1;
      // One code answers the current step (the server's challenge steps are one question each today).
      this.#apply(await this.#api.resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: params.code }]), params.strategy);
    } catch (err) {
      this.#fail(err, params.strategy);
    }
    return this;
  }

  /**
   * `force: true`: Clerk's contract is "this code is checked". Without it a still-fresh step-up would
   * answer VERIFIED at once and a wrong code would come back `verified` — so the freshness shortcut is
   * for the native prompt (`openAuthIdpModal`), not for this code-in-hand API.
   */
  #startInput(factorType: 'totp' | 'recovery' | 'phone') {
    return { resource: this.resource, action: this.action, factorType, force: true };
  }

  /** `phone_code` fails clearly until the server has phone factors: a typed error, recorded as `failed`. */
  #supported(strategy: SecondFactorStrategy): 'totp' | 'recovery' | 'phone' {
    const factorType = (FACTOR_TYPE as Record<string, 'totp' | 'recovery' | 'phone' | undefined>)[strategy];
    if (factorType) return factorType;
    const error = new MfaError(STRATEGY_NOT_SUPPORTED, `The "${strategy}" strategy is not available; use "totp", "phone_code" or "backup_code".`);
    this.secondFactorVerification = { ...this.secondFactorVerification, status: 'failed', strategy, error: { code: error.code, message: error.message } };
    throw error;
  }

  /** Native answer → Clerk state: `CHALLENGED` is `unverified` (a further step or the first), `VERIFIED` is `verified` + `complete`. */
  #apply(answer: ChallengeResponse, strategy: SecondFactorStrategy): void {
    const v = this.secondFactorVerification;
    v.strategy = strategy;
    v.error = null;
    if (answer.status === 'VERIFIED') {
      this.#challenge = undefined;
      v.status = 'verified';
      v.expireAt = null;
      this.status = 'complete';
      this.createdSessionId = answer.sid;
      return;
    }
    // The server falls back to the user's default factor; Clerk's phone_code means a phone or nothing.
    if (strategy === 'phone_code' && answer.factor.type !== 'phone') throw new MfaError('not_enrolled', 'There is no phone on this account.');
    this.#challenge = answer;
    v.status = 'unverified';
    v.attempts ??= 0;
    v.expireAt = new Date(answer.expiresAt);
  }

  /** Native `MfaError` → Clerk status; anything that is not about the code itself is rethrown. */
  #fail(err: unknown, strategy: SecondFactorStrategy): void {
    if (!isMfaError(err)) throw err;
    const v = this.secondFactorVerification;
    const error: SecondFactorError = { code: err.code, message: err.message, meta: { attemptsLeft: err.attemptsLeft, retryAfter: err.retryAfter } };
    switch (err.code) {
      case 'invalid_code':
      case 'code_used':
      case 'malformed_code':
        // The challenge stays open on the server: the next attempt answers it again.
        Object.assign(v, { status: 'failed', strategy, error });
        return;
      case 'locked':
        this.#challenge = undefined;
        Object.assign(v, { status: 'failed', strategy, error });
        return;
      case 'expired':
      case 'not_found': // the challenge is gone (expired and swept, or already used)
        this.#challenge = undefined;
        Object.assign(v, { status: 'expired', strategy, error: { ...error, code: 'expired' } });
        return;
      default:
        throw err;
    }
  }
}

/** A new `SignIn` for a step-up scope (Clerk gets it from `useSignIn()` / `clerk.client.signIn`). */
export function createSignIn(options: SignInOptions = {}): SignIn {
  return new SignIn(options);
}
