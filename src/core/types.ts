/**
 * Wire types shared by the browser client, the elements and the reference server.
 * Isomorphic: no DOM and no Node APIs here.
 */
import type { FactorStrength } from './factor-strength.js';

/** What `openAuthIdpModal` resolves with and what `<mfa-prompt>`'s `resolve` / `reject` events carry. */
export type IdpAuthResponse = IdpAuthSuccess | IdpAuthFailure;

/** What `<mfa-enroll>`'s `resolve` / `reject` events carry. */
export type EnrollResponse = EnrollSuccess | IdpAuthFailure;

/** The detail of every `resolve` / `reject` event: `factorType` tells an enrollment from a step-up. */
export type MfaOutcome = IdpAuthResponse | EnrollResponse;

interface IdpAuthOutcome {
  /** `Date.now()` when the outcome was reached (ms). */
  timestamp: number;
  action?: string;
  resource?: string;
}

/** `if (r.success)` narrows to this: `sid` is set. */
export interface IdpAuthSuccess extends IdpAuthOutcome {
  success: true;
  /** Step-up session id (the token's `jti`). */
  sid: string;
  error?: undefined;
}

/** `<mfa-enroll>` added a factor (no step-up happened, so no `sid`). */
export interface EnrollSuccess extends IdpAuthOutcome {
  success: true;
  /** The factor type that was added. */
  factorType: FactorType;
  sid?: undefined;
  error?: undefined;
}

export interface IdpAuthFailure extends IdpAuthOutcome {
  success: false;
  sid?: undefined;
  /** Why it failed. */
  error: IdpErrorReason;
  /**
   * With `error: 'locked'`: when the user may try this method again (ms since the epoch, like
   * `timestamp`), from the server's `Retry-After`. Show it ("try again at 14:05").
   */
  retryAt?: number;
}

export type IdpErrorReason =
  | 'cancelled'
  | 'not_enrolled'
  | 'locked'
  | 'expired'
  | 'network'
  | 'server'
  | 'denied';

/**
 * `kba` (security questions of an integration) is never a user factor: it only names a challenge.
 * A server may add factor types of its own (`createMfaServer({ factors })`).
 */
export type FactorType = 'totp' | 'phone' | 'email' | 'webauthn' | 'recovery' | 'kba' | (string & {});

/** A confirmed factor as `GET /mfa/factors` lists it. */
export interface FactorSummary {
  id: string;
  type: FactorType;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  /**
   * How much the factor proves alone, as the server's registry says (an app's own factor
   * included); absent from servers older than this field (then `strengthOf(type)`).
   */
  strength?: FactorStrength;
}

export interface FactorList {
  factors: FactorSummary[];
  recoveryCodesLeft: number;
  /** Factor types this server can enroll (phone/email only with a sender configured). */
  available: EnrollableFactorType[];
}

export type EnrollableFactorType = 'totp' | 'webauthn' | 'phone' | 'email';

export type ChallengeStepType = 'code' | 'text' | 'options' | 'image' | 'webauthn';

/** One question of a challenge, after the MX model. */
export interface ChallengeStep {
  guid: string;
  type: ChallengeStepType;
  /** Server-given text: render as text only. */
  label: string;
  fieldName?: string;
  /** `options` and `image` steps: the choices. `image` is a data: URL or a same-origin path. */
  options?: { label: string; value: string; image?: string }[];
  /** A picture the question is about (data: URL or same-origin path; never script). */
  image?: string;
  /** What that picture shows, for people who cannot see it (its `alt`). */
  imageAlt?: string;
  /** For `code` steps: how many digits to expect (recovery codes: undefined). */
  length?: number;
  /** For `code` steps: `numeric` for one-time codes, `text` for recovery codes. */
  inputMode?: 'numeric' | 'text';
  /** Sent codes: where to (masked, e.g. `+1 ••• ••• 4567`). */
  sentTo?: string;
  /** Sent codes: seconds until "Send a new code" may be used (absent: no resend). */
  resendAfter?: number;
  /** Sent codes: the sender failed; the challenge stays usable, resend to try again. */
  deliveryFailed?: boolean;
  /** `webauthn` steps: the `PublicKeyCredentialRequestOptionsJSON` for the browser. */
  publicKey?: Record<string, unknown>;
}

export interface ChallengeFactorRef {
  id: string;
  type: FactorType;
  label: string;
}

export interface ChallengedResponse {
  status: 'CHALLENGED';
  challengeId: string;
  factor: ChallengeFactorRef;
  /** Every factor the user could switch to (including recovery codes when they have some). */
  factors: ChallengeFactorRef[];
  challenges: ChallengeStep[];
  expiresAt: string;
}

export interface VerifiedResponse {
  status: 'VERIFIED';
  sid: string;
  token: string;
  expiresAt: string;
  acr: string;
  amr: string[];
  resource: string;
  action: string;
}

export type ChallengeResponse = ChallengedResponse | VerifiedResponse;

export interface ChallengeAnswer {
  guid: string;
  value: string;
}

export interface TotpEnrollment {
  factorId: string;
  type: 'totp';
  secret: string;
  otpauthUri: string;
  /** Digits the authenticator app will show. */
  digits: number;
  period: number;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
}

/** Phone or email: a code was sent to the address, confirm with it. */
export interface CodeEnrollment {
  factorId: string;
  type: 'phone' | 'email';
  sentTo: string;
  /** Seconds until "Send a new code" may be used (absent: no more codes for this enrollment). */
  resendAfter?: number;
  deliveryFailed?: boolean;
  /** `restricted`: phone codes are weaker (SIM swap); the user should add an app or a passkey. */
  notice?: 'restricted';
}

/** Passkey: the browser creates a credential with these options, then confirms with it. */
export interface WebauthnEnrollment {
  factorId: string;
  type: 'webauthn';
  /** `PublicKeyCredentialCreationOptionsJSON`. */
  publicKey: Record<string, unknown>;
}

export type Enrollment = TotpEnrollment | CodeEnrollment | WebauthnEnrollment;

export interface ConfirmEnrollmentResponse {
  factor: FactorSummary;
  /** Present only when the first factor is confirmed; shown once. */
  recoveryCodes?: string[];
  /** `restricted`: the user's only factor is a phone; suggest adding an app or a passkey. */
  notice?: 'restricted';
}

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    attemptsLeft?: number;
    /** Seconds until the caller may try again. */
    retryAfter?: number;
  };
}

/** Body of a RFC 9470 step-up challenge (401 insufficient_user_authentication). */
export interface StepUpChallengeBody extends ErrorBody {
  resource: string;
  action: string;
  acr_values: string;
  max_age: number;
  /** What the step-up is for, in the route's words (`describe`). */
  title?: string;
  /** A bound route's transaction: label → value strings in display order. */
  details?: Record<string, string>;
  /** base64url SHA-256 of the canonical JSON of `{ action, details, resource }` (docs/server.md). */
  binding?: string;
  /**
   * The factor type a challenge for this route will ask for first (the signed-in user's own; never
   * in an unauthenticated 401), present only when a challenge will ask (no earlier step-up of the
   * session still answers it), so a client can show the code input before the challenge answers.
   */
  likely_factor?: FactorType;
}

/** Header the step-up token travels in. */
export const STEP_UP_HEADER = 'Step-Up-Token';
/** The JWT `typ` of step-up tokens. */
export const STEP_UP_TOKEN_TYPE = 'mfa-step-up+jwt';
/** Resource/action that guards factor management (add a second factor, remove, regenerate). */
export const MANAGE_SCOPE = { resource: 'mfa', action: 'manage' } as const;
/** The RFC 9470 error code of a step-up challenge (also the `code` of its JSON body). */
export const INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication';
