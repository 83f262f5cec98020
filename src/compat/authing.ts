/**
 * Authing compatibility: `new AuthenticationClient({ appId }).mfa` with the method names of
 * authing-js-sdk's `MfaAuthenticationClient` — including their spelling "assosicate", kept on purpose
 * so existing code runs unchanged.
 *
 * ```ts
 * import { AuthenticationClient } from 'mfa-elements/compat/authing';
 * const authenticationClient = new AuthenticationClient({ appId: 'YOUR_APP_ID' });
 * await authenticationClient.mfa.assosicateMfaAuthenticator({ authenticatorType: 'totp' });
 * ```
 *
 * Every method is one or two native `MfaClient` calls on the page-wide client. SSR-safe: importing
 * touches no DOM and defines nothing.
 */
import { ensureOpener } from '../api/open-auth-idp-modal.js';
import { getDefaultClient } from '../client/default-client.js';
import type { MfaClient } from '../client/mfa-client.js';
import { MfaError } from '../core/errors.js';
import type { FactorType, VerifiedResponse } from '../core/types.js';
import { qrPath } from '../elements/mfa-enroll/qr-path.js';

export interface AuthenticationClientOptions {
  /** Accepted for source compatibility and ignored: the app's own session identifies the user. */
  appId?: string;
  /** Accepted and ignored: use `configure({ apiBase })` for where the MFA server lives. */
  appHost?: string;
  /** Scope of `verifyTotpMfa` / `verifyTotpRecoveryCode` (default `app`). */
  resource?: string;
  /** Default `sign_in`: Authing's MFA check completes a sign-in. */
  action?: string;
}

/** `IMfaAssociation`. */
export interface IMfaAssociation {
  authenticator_type: 'totp';
  secret: string;
  /** The `otpauth://` URI. */
  qrcode_uri: string;
  /** The same as an SVG `data:` URL, for an `<img>`. */
  qrcode_data_url: string;
}

/** `IMfaConfirmAssociation`; `recoveryCodes` only when this was the user's first factor (shown once). */
export interface IMfaConfirmAssociation {
  code: 200;
  message: string;
  recoveryCodes?: string[];
}

/** One entry of `IMfaAuthenticators`. Never carries the secret or recovery codes (Authing's does). */
export interface IMfaAuthenticator {
  id: string;
  authenticatorType: FactorType;
  enable: true;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export type IMfaAuthenticators = IMfaAuthenticator[];

/** `IMfaDeleteAssociation`. */
export interface IMfaDeleteAssociation {
  code: 200;
  message: string;
}

/**
 * What `verifyTotpMfa` / `verifyTotpRecoveryCode` resolve with instead of Authing's `User`: the
 * step-up outcome. `token` is the step-up token (also held by the client, so `mfaFetch` sends it);
 * `tokenExpiredAt` is its expiry, as on Authing's `User`.
 */
export interface AuthingStepUpResult {
  token: string;
  tokenExpiredAt: string;
  sid: string;
  acr: string;
  amr: string[];
  resource: string;
  action: string;
}

const svgDataUrl = ({ size, d }: { size: number; d: string }) =>
  'data:image/svg+xml,' + encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 ${size + 8} ${size + 8}" shape-rendering="crispEdges"><rect x="-4" y="-4" width="${size + 8}" height="${size + 8}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`,
  );

export class MfaAuthenticationClient {
  readonly #scope: { resource: string; action: string };
  /** Factor id of the last `assosicateMfaAuthenticator` (Authing confirms "the" pending TOTP without an id). */
  #pendingFactorId?: string;

  constructor(options: AuthenticationClientOptions = {}) {
    this.#scope = { resource: options.resource ?? 'app', action: options.action ?? 'sign_in' };
  }

  /** The page-wide client, with the step-up opener installed so management calls can prompt. */
  get #api(): MfaClient {
    ensureOpener();
    return getDefaultClient();
  }

  /** Native `listFactors()`, filtered by `type` (default `totp`, as Authing's). */
  async getMfaAuthenticators(options: { type?: string; mfaToken?: string } = {}): Promise<IMfaAuthenticators> {
    const type = options.type ?? 'totp';
    const { factors } = await this.#api.listFactors();
    return factors
      .filter((f) => f.type === type)
      .map((f) => ({ id: f.id, authenticatorType: f.type, enable: true, label: f.label, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt }));
  }

  /**
   * Native `enroll('totp')` (pending until confirmed). Adding a factor next to a confirmed one needs a
   * step-up for `mfa`/`manage`: the prompt opens by itself. Recovery codes come with the confirmation,
   * not here (Authing's `recovery_code`): see `confirmAssosicateMfaAuthenticator`.
   */
  async assosicateMfaAuthenticator(options: { authenticatorType?: string; mfaToken?: string } = {}): Promise<IMfaAssociation> {
    assertTotp(options.authenticatorType);
    const enrollment = await this.#api.enroll('totp');
    this.#pendingFactorId = enrollment.factorId;
    return {
      authenticator_type: 'totp',
      secret: enrollment.secret,
      qrcode_uri: enrollment.otpauthUri,
      qrcode_data_url: svgDataUrl(await qrPath(enrollment.otpauthUri)),
    };
  }

  /** Native `confirmEnrollment(factorId, totp)` for the factor the last `assosicateMfaAuthenticator` started. */
  async confirmAssosicateMfaAuthenticator(options: { authenticatorType?: string; totp?: string; mfaToken?: string }): Promise<IMfaConfirmAssociation> {
    assertTotp(options.authenticatorType);
    if (!this.#pendingFactorId) throw new MfaError('conflict', 'Call assosicateMfaAuthenticator first.');
    const { recoveryCodes } = await this.#api.confirmEnrollment(this.#pendingFactorId, options.totp ?? '');
    this.#pendingFactorId = undefined;
    return { code: 200, message: 'TOTP MFA bound', ...(recoveryCodes && { recoveryCodes }) };
  }

  /**
   * Authing unbinds "the" TOTP authenticator; we remove every TOTP factor (native `removeFactor`),
   * which needs a step-up for `mfa`/`manage`: the prompt opens by itself, and a cancel rejects with
   * an `MfaError` (`cancelled`) with nothing removed.
   */
  async deleteMfaAuthenticator(): Promise<IMfaDeleteAssociation> {
    const api = this.#api;
    const { factors } = await api.listFactors();
    for (const factor of factors.filter((f) => f.type === 'totp')) await api.removeFactor(factor.id);
    return { code: 200, message: 'TOTP MFA unbound' };
  }

  /**
   * A step-up with a TOTP code in hand: native `startChallenge({ factorType: 'totp', force: true })`
   * then `resume`. `force`: the given code must really be checked, even inside the freshness window.
   * `mfaToken` (Authing's sign-in ticket) is ignored: the app session identifies the user. A wrong code
   * rejects with an `MfaError` (`invalid_code`, with `attemptsLeft`), as Authing's SDK throws.
   */
  verifyTotpMfa(options: { totp: string; mfaToken?: string; authenticatorType?: string }): Promise<AuthingStepUpResult> {
    return this.#verify('totp', options.totp);
  }

  /**
   * The same with a recovery code (`factorType: 'recovery'`). authing-js-sdk takes `{ recoveryCode,
   * mfaToken }`; its documentation shows `{ authenticatorType: 'totp', totp }`: both are accepted.
   */
  verifyTotpRecoveryCode(options: { recoveryCode?: string; totp?: string; mfaToken?: string; authenticatorType?: string }): Promise<AuthingStepUpResult> {
    return this.#verify('recovery', options.recoveryCode ?? options.totp ?? '');
  }

  async #verify(factorType: 'totp' | 'recovery', value: string): Promise<AuthingStepUpResult> {
    const api = this.#api;
    const started = await api.startChallenge({ ...this.#scope, factorType, force: true });
    const answer = started.status === 'VERIFIED'
      ? started
      : await api.resume(started.challengeId, [{ guid: started.challenges[0].guid, value }]);
    if (answer.status !== 'VERIFIED') {
      // A second step (phone: choose number, then code) cannot be answered with one code.
      throw new MfaError('conflict', 'This factor asks more than one question; use MfaClient.resume for it.');
    }
    return toResult(answer);
  }
}

function toResult(v: VerifiedResponse): AuthingStepUpResult {
  return { token: v.token, tokenExpiredAt: v.expiresAt, sid: v.sid, acr: v.acr, amr: v.amr, resource: v.resource, action: v.action };
}

/** Only TOTP can be bound on this server (phone, email and passkeys arrive later): anything else fails clearly. */
function assertTotp(type: string | undefined): void {
  if (type !== undefined && type !== 'totp') {
    throw new MfaError('unsupported_authenticator', `Only "totp" authenticators can be bound on this server, not "${type}".`);
  }
}

export class AuthenticationClient {
  readonly options: AuthenticationClientOptions;
  readonly mfa: MfaAuthenticationClient;

  constructor(options: AuthenticationClientOptions = {}) {
    this.options = options;
    this.mfa = new MfaAuthenticationClient(options);
  }
}
