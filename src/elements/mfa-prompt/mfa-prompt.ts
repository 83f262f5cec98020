import { html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { asMfaError } from '../shared/as-mfa-error.js';
import type { ChallengedResponse, ChallengeResponse, FactorType, IdpAuthResponse, IdpErrorReason } from '../../core/types.js';
import { format, plural } from '../../i18n/localize.js';
import { emit } from '../shared/events.js';
import { loadSteps } from '../shared/lazy.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { promptStyles } from './mfa-prompt.styles.js';

type Phase = 'loading' | 'code' | 'verifying' | 'blocked' | 'enroll';

/**
 * @summary The step-up modal: starts a challenge, asks for what the server asks (an app code, a texted
 * or emailed code, a passkey, a recovery code, questions, choices, pictures), verifies it with the server.
 * @tag mfa-prompt
 *
 * @slot code - Filled by the element itself with its light-DOM `<input autocomplete="one-time-code">`.
 *
 * @fires {CustomEvent<IdpAuthResponse>} resolve - Verified: `{ success: true, sid, timestamp, resource, action }`.
 * @fires {CustomEvent<IdpAuthResponse>} reject - Not verified: `error` is `cancelled`, `not_enrolled`, `locked`, `expired`, `network`, `server` or `denied`.
 * @fires {CustomEvent<void>} mfa-show - The element opened.
 * @fires {CustomEvent<void>} mfa-hide - The element closed.
 * @fires {CustomEvent<void>} mfa-request-close - Escape or the close button; cancel it to keep the dialog open.
 * @fires {CustomEvent<{code: string, attemptsLeft?: number}>} mfa-error - A recoverable error, e.g. a wrong code.
 *
 * @csspart dialog - The `<dialog>` (or the inline section).
 * @csspart header - The title row.
 * @csspart title - The heading.
 * @csspart close-button - The × button.
 * @csspart body - The content.
 * @csspart footer - The button row.
 * @csspart code-input - The code `<input>` (light DOM, so also stylable as `mfa-prompt input`).
 * @csspart button - Every action button.
 * @csspart verify-button - Verify (also `button`).
 * @csspart cancel-button - Cancel (also `button`).
 * @csspart switch-button - "Use another method" (also `button`).
 * @csspart methods - The list of other methods.
 * @csspart method-button - One method in that list (also `button`).
 * @csspart resend-button - "Send a new code" with its countdown, for codes sent by SMS, call or email (also `button`).
 * @csspart choices - The radio group of an `options` or `image` step.
 * @csspart choice - One choice (a `<label>` with its radio, picture and text).
 * @csspart answer-input - The text input of a question step.
 * @csspart message - The app's `message`, above the input.
 * @csspart enroll - The embedded `<mfa-enroll>` of `enroll-if-missing`.
 * @csspart status - The live region with errors and progress.
 *
 * @cssprop --mfa-color-text - Text color (default #1b1f24; dark #e6edf3).
 * @cssprop --mfa-color-text-muted - Secondary text (default #57606a; dark #9ea7b3).
 * @cssprop --mfa-color-surface - Dialog background (default #ffffff; dark #161b22).
 * @cssprop --mfa-color-border - Borders (default #8c959f; dark #6e7681).
 * @cssprop --mfa-color-accent - Primary button and links (default #0a58ca; dark #4c9aff).
 * @cssprop --mfa-color-on-accent - Text on the primary button (default #ffffff; dark #0d1117).
 * @cssprop --mfa-color-danger - Errors (default #b3261e; dark #ff8a80).
 * @cssprop --mfa-color-focus - Focus ring (default #0a58ca; dark #79b8ff).
 * @cssprop --mfa-font - Font shorthand (default 400 1rem/1.5 system-ui).
 * @cssprop --mfa-radius - Corner radius (default 12px).
 * @cssprop --mfa-spacing - Base spacing (default 16px).
 * @cssprop --mfa-dialog-width - Dialog width (default 26rem, never wider than the viewport).
 * @cssprop --mfa-backdrop - Backdrop behind the modal (default rgb(0 0 0 / 0.45)).
 */
export class MfaPrompt extends MfaModalElement {
  static override styles = [modalStyles, promptStyles];

  /** What the step-up protects, e.g. `payments`. */
  @property({ reflect: true }) resource = 'app';
  /** The action on it, e.g. `transfer`. */
  @property({ reflect: true }) action = 'confirm';
  /** Preferred factor type (`totp`, `webauthn`, `phone`, `email`, `recovery`; `kba` for an integration's questions). */
  @property() factor?: FactorType;
  /** Always ask, even when the server says the user stepped up recently. */
  @property({ type: Boolean }) force = false;
  /** Optional text shown above the input (e.g. what is about to happen). */
  @property() message?: string;
  /** Why the app asks (recorded in the audit event; Q2 `promptForMFA({ code })`). */
  @property() reason?: string;
  /** Seconds: an earlier step-up older than this does not count (the route's RFC 9470 `max_age`). */
  @property({ attribute: 'max-age', type: Number }) maxAge?: number;
  /** A user without any factor sets one up here, in the same dialog, then steps up. */
  @property({ attribute: 'enroll-if-missing', type: Boolean }) enrollIfMissing = false;
  /**
   * The level the route asks for (its RFC 9470 `acr_values`): `phr` offers passkeys only and, when
   * the user has none, says so (and offers to add one with `enroll-if-missing`). Default `mfa`.
   */
  @property() acr?: 'mfa' | 'phr';

  @state() private phase: Phase = 'loading';
  @state() private challenge?: ChallengedResponse;
  @state() private status = '';
  @state() private statusUrgent = false;
  /** Progress rather than an error ("Checking…"): shown muted. */
  @state() private statusInfo = false;
  /** Action offered with a blocking error (retry a failed start, start over after expiry). */
  @state() private retry: (() => void) | null = null;
  /** The retry button's label when it is not "Try again" ("Add a passkey"). */
  @state() private retryLabel?: string;
  /** The embedded enrollment's factor type (passkey-required.ts); default TOTP. */
  @state() private enrollType?: string;
  /** When a lockout ends (ms): reported with a `locked` outcome as `retryAt`. */
  private retryAt?: number;
  /** The lazily loaded steps (sent codes, questions, choices, passkeys, the method list): prompt-steps.ts. */
  @state() private x?: typeof import('./prompt-steps.js');
  /** The "use another method" list is shown. */
  @state() private listing = false;

  constructor() {
    super();
    this.codeInput.onSubmit = () => void this.verify();
  }

  private get usingRecovery(): boolean {
    return this.challenge?.factor.type === 'recovery';
  }

  protected override outcomeScope() {
    return { resource: this.resource, action: this.action, ...(this.pendingFailure === 'locked' && this.retryAt !== undefined && { retryAt: this.retryAt }) };
  }

  protected override begin(): void {
    this.enrolled = false;
    this.afterEnroll = false;
    this.enrollType = undefined;
    this.retryAt = undefined;
    // Shown only once there is something to show: a still-fresh step-up resolves without a
    // flash; a slow server still gets a visible "Loading…" after a moment.
    setTimeout(() => this.present(), 400);
    void this.start(this.factor);
  }

  private async start(factorType?: FactorType, factorId?: string): Promise<void> {
    this.phase = 'loading';
    this.setStatus('');
    this.retry = null;
    this.retryLabel = undefined;
    try {
      const answer = await this.api.startChallenge({
        resource: this.resource,
        action: this.action,
        acr: this.acr,
        force: this.force || undefined,
        maxAge: this.maxAge,
        factorType,
        factorId,
        reason: this.reason,
      });
      this.handleAnswer(answer);
    } catch (err) {
      this.handleError(err, () => void this.start(factorType));
    }
  }

  private handleAnswer(answer: ChallengeResponse): void {
    if (answer.status === 'VERIFIED') {
      this.finish({ success: true, sid: answer.sid, timestamp: Date.now(), resource: this.resource, action: this.action });
      return;
    }
    this.challenge = answer;
    const step = answer.challenges[0];
    this.codeInput.configure({
      mode: step.inputMode === 'text' ? 'text' : 'numeric',
      length: step.length,
    });
    this.codeInput.clear();
    this.codeInput.setInvalid(false);
    this.codeInput.disabled = false;
    this.phase = 'code';
    this.present();
    void this.updateComplete.then(() => this.codeInput.focus());
    // Anything beyond a typed TOTP or recovery code: load the steps module (once), then show it.
    if (step.type != 'code' || step.sentTo) void this.steps().then((m) => m.stepShown(this as never));
  }

  private async verify(given?: string): Promise<void> {
    if (this.phase !== 'code' || !this.challenge) return;
    const s = this.strings;
    const step = this.challenge.challenges[0];
    const code = step.type == 'code';
    // An empty code field ('') goes on to the shape check below, which says what is missing.
    const value = code ? this.codeInput.value : given ?? this.x?.answerOf(this as never);
    if (value === undefined) return;
    // Check the shape here too, so an obvious typo costs no round trip (and never an attempt).
    const wellFormed = !code || (this.usingRecovery
      ? /^[a-z2-7]{16}$/i.test(value.replace(/-/g, ''))
      : new RegExp(`^[0-9]{${step.length ?? 6}}$`).test(value));
    if (!wellFormed) {
      this.codeInput.setInvalid(true);
      this.setStatus(this.usingRecovery ? s.malformedRecoveryCode : format(s.malformedCode, { digits: step.length ?? 6 }));
      this.codeInput.focus();
      return;
    }
    this.phase = 'verifying';
    this.codeInput.disabled = true;
    this.setStatus(s.verifying, false, true);
    try {
      this.handleAnswer(await this.api.resume(this.challenge.challengeId, [{ guid: step.guid, value }]));
    } catch (err) {
      this.codeInput.disabled = false;
      this.handleError(err, () => void this.start(this.challenge?.factor.type));
    }
  }

  private handleError(err: unknown, retry: () => void): void {
    const e = asMfaError(err);
    const s = this.strings;
    emit(this, 'mfa-error', { code: e.code, attemptsLeft: e.attemptsLeft });
    if (this.x?.stepError(this as never, e)) return;
    // Rarer answers (a code used already, a lockout with its ways out) live in the lazy steps.
    if (e.code === 'locked') this.retryAt = Date.now() + (e.retryAfter ?? 60) * 1000;
    if (e.code === 'code_used' || e.code === 'locked') {
      void this.steps().then((m) => m.stepError(this as never, e));
      return;
    }
    switch (e.code) {
      case 'invalid_code':
        this.phase = 'code';
        this.codeInput.clear();
        this.codeInput.setInvalid(true);
        this.setStatus(plural(this.resolvedLocale, s.wrongCode, e.attemptsLeft ?? 0));
        this.codeInput.focus();
        return;
      case 'malformed_code':
        this.phase = 'code';
        this.codeInput.setInvalid(true);
        this.setStatus(this.usingRecovery ? s.malformedRecoveryCode : format(s.malformedCode, { digits: this.challenge?.challenges[0].length ?? 6 }));
        this.codeInput.focus();
        return;
      case 'not_enrolled':
        // The account has factors, just no passkey: explain, maybe offer one (passkey-required.ts).
        if (this.acr === 'phr' && this.phase === 'loading') {
          void this.steps().then((m) => m.passkeyRequired(this as never));
          return;
        }
        if (this.enrollIfMissing && this.phase === 'loading') {
          void this.steps().then((m) => m.enterEnrollment(this as never));
          return;
        }
        this.finish({ success: false, error: 'not_enrolled', timestamp: Date.now(), ...this.outcomeScope() });
        return;
      case 'expired':
      case 'not_found':
        this.block('expired', s.expired, retry);
        return;
      case 'network':
        // Offline while checking an answer: keep it (and the challenge); Verify sends it again.
        if (this.phase == 'verifying') {
          this.phase = 'code';
          this.setStatus(s.networkError, true);
          this.codeInput.focus();
          return;
        }
        this.block('network', s.networkError, retry);
        return;
      default:
        this.block(e.code === 'unauthenticated' || e.code === 'forbidden_origin' ? 'denied' : 'server', s.serverError, retry);
    }
  }

  /** A state the user cannot type through: show why, offer a retry if one helps, report it on close. */
  private block(reason: IdpErrorReason, message: string, retry: (() => void) | null, urgent = false): void {
    this.phase = 'blocked';
    this.present();
    this.pendingFailure = reason;
    this.retry = retry;
    this.setStatus(message, urgent);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('footer button')?.focus());
  }

  private finish(outcome: IdpAuthResponse): void {
    this.settle(outcome);
    this.hide();
  }

  private setStatus(text: string, urgent = false, info = false): void {
    this.status = text;
    this.statusUrgent = urgent;
    this.statusInfo = info;
  }

  /** The embedded enrollment (prompt-steps.ts) succeeded. */
  @state() private enrolled = false;
  /** Just enrolled: the code used to confirm is spent, so the user needs the app's next one. */
  @state() private afterEnroll = false;

  /** Loads prompt-steps.ts once and lends it Lit's `html` and our formatting. */
  private steps() {
    return loadSteps().then((m) => (m.init({ html, format, plural }, this as never), (this.x = m)));
  }

  /** "Use another method": the list of the user's other factors (prompt-steps.ts). */
  private switchFactor(): void {
    void this.steps().then((m) => m.showMethods(this as never));
  }

  protected override renderTitle(): string {
    return this.strings.promptTitle;
  }

  protected override codeInputLabel(): string {
    return this.usingRecovery ? this.strings.recoveryCodeLabel : this.strings.codeLabel;
  }

  protected override renderBody() {
    const s = this.strings;
    if (this.phase === 'enroll') return this.x!.renderEnroll(this as never);
    const c = this.challenge;
    const canSwitch = c && c.factors.length > 1 && this.phase !== 'loading';
    return html`
      ${this.message ? html`<p class="message" part="message">${this.message}</p>` : nothing}
      <p id="intro" class="muted">
        ${this.phase === 'loading' ? s.loading : this.x?.introOf(this as never) ?? (this.phase === 'blocked' ? '' : this.usingRecovery ? s.recoveryIntro : this.afterEnroll ? s.nextCodeHint : s.promptIntro)}
      </p>
      <div class="field" ?hidden=${this.phase === 'loading' || this.phase === 'blocked' || c?.challenges[0].type != 'code'}>
        <span class="label" aria-hidden="true">${this.usingRecovery ? s.recoveryCodeLabel : s.codeLabel}</span>
        <slot name="code"></slot>
      </div>
      ${this.x?.renderStep(this as never)}
      <p
        class="status"
        part="status"
        role=${this.statusUrgent ? 'alert' : 'status'}
        aria-live=${this.statusUrgent ? 'assertive' : 'polite'}
        data-kind=${this.statusInfo ? 'info' : 'error'}
      >${this.status}</p>
      ${canSwitch && this.phase !== 'blocked'
        ? html`<button class="link" part="button switch-button" @click=${this.switchFactor}>
            ${s.useAnotherMethod}
          </button>`
        : nothing}
    `;
  }

  protected override renderFooter() {
    const s = this.strings;
    if (this.phase === 'enroll') return nothing; // the embedded enrollment has its own buttons
    if (this.phase === 'blocked') {
      return html`
        <button part="button" @click=${this.requestClose}>${s.close}</button>
        ${this.retry ? html`<button class="primary" part="button" @click=${this.retry}>${this.listing ? s.back : this.retryLabel ?? s.tryAgain}</button>` : nothing}
      `;
    }
    return html`
      <button part="button cancel-button" @click=${this.requestClose}>${s.cancel}</button>
      <button class="primary" part="button verify-button" ?disabled=${this.phase !== 'code'} @click=${() => this.verify()}>
        ${this.phase === 'verifying' ? s.verifying : this.x?.verifyLabel(this as never) ?? s.verify}
      </button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-prompt': MfaPrompt;
  }
}
