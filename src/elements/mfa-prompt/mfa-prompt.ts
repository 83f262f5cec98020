import { html, type PropertyDeclarations, type PropertyValues } from 'lit';
import { asMfaError } from '../shared/as-mfa-error.js';
import { MfaError } from '../../core/errors.js';
import type { ChallengedResponse, ChallengeResponse, FactorType, IdpAuthResponse, IdpErrorReason } from '../../core/types.js';
import { format, plural } from '../../i18n/localize.js';
import { describeError } from '../shared/describe-error.js';
import { emit } from '../shared/events.js';
import { loadSteps } from '../shared/lazy.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { promptStyles } from './mfa-prompt.styles.js';
import type { PromptPhase } from './prompt-host.js';
import { renderBody, renderFooter, type PromptView } from './prompt-view.js';
import { latest } from './latest-request.js';
import { wellFormedCode } from './code-shape.js';

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
 * @csspart details - The "You are confirming" block of a bound transaction.
 * @csspart detail - One label/value row in it.
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
 * @cssprop --mfa-font - Font shorthand (default: the page's font family, 400 1rem/1.5).
 * @cssprop --mfa-radius - Corner radius (default 12px).
 * @cssprop --mfa-spacing - Base spacing (default 16px).
 * @cssprop --mfa-dialog-width - Dialog width (default 26rem, never wider than the viewport).
 * @cssprop --mfa-backdrop - Backdrop behind the modal (default rgb(0 0 0 / 0.45)).
 */
export class MfaPrompt extends MfaModalElement implements PromptView {
  /** Lit's reactive properties, declared statically rather than by decorators: no decorator helpers on the prompt path (docs/packaging.md). */
  static override properties: PropertyDeclarations = {
    resource: { reflect: true },
    action: { reflect: true },
    factor: {},
    force: { type: Boolean },
    message: {},
    reason: {},
    maxAge: { attribute: 'max-age', type: Number },
    enrollIfMissing: { attribute: 'enroll-if-missing', type: Boolean },
    acr: {},
    heading: {},
    details: { attribute: false },
    d: { state: true },
    phase: { state: true },
    challenge: { state: true },
    status: { state: true },
    statusUrgent: { state: true },
    statusInfo: { state: true },
    retry: { state: true },
    steps: { state: true },
  };
  static override styles = [modalStyles, promptStyles];

  /** What the step-up protects, e.g. `payments`. */
  resource = 'app';
  /** The action on it, e.g. `transfer`. */
  action = 'confirm';
  /** Preferred factor type (`totp`, `webauthn`, `phone`, `email`, `recovery`; `kba` for an integration's questions). */
  factor?: FactorType;
  /** Always ask, even when the server says the user stepped up recently. */
  force = false;
  /** Optional text shown above the input (e.g. what is about to happen). */
  message?: string;
  /** Why the app asks (recorded in the audit event; Q2 `promptForMFA({ code })`). */
  reason?: string;
  /** Seconds: an earlier step-up older than this does not count (the route's RFC 9470 `max_age`). */
  maxAge?: number;
  /** A user without any factor sets one up here, in the same dialog, then steps up. */
  enrollIfMissing = false;
  /**
   * The level the route asks for (its RFC 9470 `acr_values`): `phr` offers passkeys only and, when
   * the user has none, says so (and offers to add one with `enroll-if-missing`). Default `mfa`.
   */
  acr?: 'mfa' | 'phr';
  /** When a lockout ends (ms): reported with a `locked` outcome as `retryAt`. */
  private retryAt?: number;
  /** The heading, e.g. "Send money" (a bound route's `describe`); default: one for the action, else "Confirm it's you". */
  heading?: string;
  /** The transaction to confirm, label → value (shown as text; the token is bound to it, docs/server.md). */
  details?: Record<string, string>;
  /** The bound route's `binding` for `details` (a property only); the server refuses a mismatch. */
  binding?: string;
  /**
   * The step the server said this step-up's challenge will ask for first (a guarded route's 401
   * `likely_factor`, which `mfaFetch` passes on; the server names one only when a challenge will
   * ask). With `totp` the prompt shows and focuses its code input before the challenge answers, as
   * a forced one does. Read once, by the first start.
   */
  likelyFactor?: FactorType;
  /** @internal prompt-details.ts, loaded when there is a transaction to show (a title alone is shown as it is). */
  d?: typeof import('./prompt-details.js');
  private detailsReady?: Promise<unknown>;

  /** @internal */
  phase: PromptPhase = 'loading';
  /** @internal */
  challenge?: ChallengedResponse;
  /** @internal The live region's text; `statusUrgent`: said assertively (role=alert). */
  status = '';
  /** @internal */
  statusUrgent = false;
  /** @internal Progress rather than an error ("Checking…"): shown muted. */
  statusInfo = false;
  /** @internal Action offered with a blocking error (retry a failed start, start over after expiry). */
  retry: (() => void) | null = null;
  /** @internal The lazily loaded step renderers (sent codes, questions, choices, passkeys, the method list): prompt-steps.ts. */
  steps?: typeof import('./prompt-steps.js');

  constructor() {
    super();
    this.codeInput.onSubmit = () => void this.verify();
  }

  /** @internal */
  get usingRecovery(): boolean {
    return this.challenge?.factor.type === 'recovery';
  }

  /** @internal */
  override outcomeScope() {
    return { resource: this.resource, action: this.action, ...(this.pendingFailure === 'locked' && this.retryAt !== undefined && { retryAt: this.retryAt }) };
  }

  /** Opening starts the challenge before the first render: the request leaves at once, and an early
   * code step (start()) is what that first render shows: the dialog opens with one render, one layout. */
  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!changed.has('open') || !this.open || changed.get('open')) return;
    this.retryAt = undefined;
    this.detailsReady = this.details ? import('./prompt-details.js').then((m) => (this.d = m)) : undefined;
    void this.start(this.factor);
  }

  protected override begin(): void {
    // Shown only once there is something to show: a still-fresh step-up resolves without a
    // flash; a slow server still gets a visible "Loading…" after a moment.
    setTimeout(() => this.present(), 400);
  }

  /** Enter or Verify before the challenge id arrived: verify as soon as it is here. */
  private submitted?: boolean;

  /** @internal */
  async start(factorType?: FactorType, factorId?: string): Promise<void> {
    const ask = () => this.fresh(this.api.startChallenge({
      resource: this.resource,
      action: this.action,
      acr: this.acr,
      force: this.force,
      maxAge: this.maxAge,
      factorType,
      factorId,
      reason: this.reason,
      details: this.details,
      binding: this.binding,
    }));
    this.setStatus('');
    this.retry = null;
    this.submitted = false;
    // Open before the answer (docs/architecture.md "Time to open"): when an app code is the likely
    // first step (asked for, announced by the server's 401, or what the server named last time),
    // the input is shown and focused now; typing starts at once and the answer only confirms it
    // (or switches the step). Only when a challenge will surely ask — forced, or the server said
    // so for this step-up: otherwise a still-fresh step-up may answer at once, which must not
    // flash a dialog. Never before a transaction to confirm is on screen: the user first sees
    // what the code approves.
    const announced = this.likelyFactor;
    this.likelyFactor = undefined;
    const likely = factorType ?? announced ?? this.api.likelyFactor;
    const early = likely == 'totp' && (this.force || announced == 'totp') && !this.detailsReady;
    // The request leaves now (the dialog renders while it is in flight), or, opening early, right
    // after the input has focus.
    const answer = early ? this.showStep().then(ask) : ask();
    if (early) {
      this.challenge = undefined;
      this.codeInput.configure({ mode: 'numeric', length: 6 });
      this.phase = 'code';
    } else {
      this.phase = 'loading';
      // Started from the open dialog (Try again, another method): the control pressed goes with
      // this render; focus waits on Verify (inert while loading), not on <body>.
      if (this.dialog?.open) this.showStep('.primary');
      // Another likely step needs the steps module: fetch it beside the request.
      if (likely) void this.withSteps();
    }
    try {
      const answered = await answer;
      await this.detailsReady;
      this.handleAnswer(answered);
    } catch (err) {
      this.handleError(err, () => void this.start(factorType));
    }
  }

  /** @internal */
  handleAnswer(answer: ChallengeResponse): void {
    if (answer.status === 'VERIFIED') {
      this.finish({ success: true, sid: answer.sid, timestamp: Date.now(), ...this.outcomeScope() });
      return;
    }
    const step = answer.challenges[0];
    const more = step.type != 'code' || step.sentTo;
    // Anything beyond a typed TOTP or recovery code: load the steps module (once) first, so the
    // switch from an early code input is one render and focus moves straight to the new step.
    if (more && !this.steps) return void this.withSteps().then(() => this.handleAnswer(answer));
    // Typed before the answer (only an early code input is 'code' here; resends are for sent
    // codes), and the answer asks for that very code: keep it.
    const keep = this.phase == 'code' && answer.factor.type == 'totp';
    this.challenge = answer;
    this.codeInput.configure({ mode: step.inputMode || 'numeric', length: step.length });
    if (!keep) this.codeInput.clear();
    this.codeInput.setInvalid(false);
    this.codeInput.disabled = false;
    this.phase = 'code';
    if (more) this.steps!.stepShown(this);
    // Another step: its first answer (question, choice), else "Use another method" or Cancel (a
    // passkey, whose ceremony runs in the browser's own UI); never the hidden input or <body>.
    this.showStep(step.type != 'code' && '.answer input,.link,footer button');
    if (keep && this.submitted) void this.verify();
  }

  /** After this render: the dialog shows (once, content in place: one layout), focus to the code input or `sel` (an
   * `autofocus` while showModal() runs, so the dialog's own focusing lands there, not on the close button first). */
  private showStep(sel?: string | false): Promise<void> {
    return this.updateComplete.then(() => {
      const input = this.codeInput.input;
      input.autofocus = !sel;
      this.present();
      input.autofocus = false;
      (sel ? this.renderRoot.querySelector<HTMLElement>(sel) : input)?.focus();
    });
  }

  /** The code's length, 0 for a recovery code (describeError). */
  private get digits(): number {
    return this.usingRecovery ? 0 : this.challenge?.challenges[0].length ?? 6;
  }

  /** A code to type again: say why, with the field marked and focused. */
  private retype(text: string, clear?: boolean): void {
    this.phase = 'code';
    if (clear) this.codeInput.clear();
    this.codeInput.setInvalid(true);
    this.setStatus(text);
    this.codeInput.focus();
  }

  /** @internal */
  async verify(given?: string): Promise<void> {
    if (this.phase !== 'code') return;
    const s = this.strings;
    // No challenge yet: the early code input of start(), an app code.
    const step = this.challenge?.challenges[0];
    const code = !step || step.type == 'code';
    // An empty code field ('') goes on to the shape check below, which says what is missing.
    const value = code ? this.codeInput.value : given ?? this.steps?.answerOf(this);
    if (value === undefined) return;
    if (code && !wellFormedCode(value, this.usingRecovery, step?.length)) return this.retype(describeError(new MfaError('malformed_code'), s, this.resolvedLocale, { digits: this.digits }).text);
    this.setStatus(s.verifying, false, true);
    // Sent once the challenge id arrives (handleAnswer); typing stays possible until then.
    if (!step) return void (this.submitted = true);
    this.phase = 'verifying';
    this.codeInput.disabled = true;
    try {
      this.handleAnswer(await this.fresh(this.api.resume(this.challenge!.challengeId, [{ guid: step.guid, value }])));
    } catch (err) {
      this.codeInput.disabled = false;
      this.handleError(err, () => void this.start(this.challenge?.factor.type));
    }
  }

  /** @internal */
  handleError(err: unknown, retry: () => void): void {
    const e = asMfaError(err);
    emit(this, 'mfa-error', { code: e.code, attemptsLeft: e.attemptsLeft });
    if (e.code === 'locked') this.retryAt = Date.now() + (e.retryAfter ?? 60) * 1000;
    if (this.steps?.stepError(this, e, retry)) return;
    // Rarer answers (a code used already, a lockout with its ways out, no factor yet, the session
    // gone) live in the lazy steps.
    if (/^(code_used|locked|not_enrolled|unauthenticated)$/.test(e.code)) {
      void this.withSteps().then((m) => m.stepError(this, e, retry));
      return;
    }
    const { text, outcome } = describeError(e, this.strings, this.resolvedLocale, { digits: this.digits });
    if (!outcome) return this.retype(text, e.code == 'invalid_code');
    if ((outcome == 'network' || (e.status ?? 0) >= 500) && this.phase == 'verifying') {
      // Offline, or the server failed (5xx), while checking an answer: keep it (and the
      // challenge) and say so; Verify sends it again.
      this.phase = 'code';
      this.setStatus(text, true);
      this.codeInput.focus();
    } else this.block(outcome, text, retry);
  }

  /** @internal A state the user cannot type through: show why, offer a retry if one helps, report it on close. */
  block(reason: IdpErrorReason | undefined, message: string, retry: (() => void) | null, urgent = false): void {
    this.phase = 'blocked';
    this.pendingFailure = reason;
    this.retry = retry;
    this.setStatus(message, urgent);
    // The last button: Try again when there is one (so Enter retries), else Close.
    this.showStep('footer button:last-of-type');
  }

  /**
   * Escape (or ×) in the "use another method" list goes back to the code entry, as Back does;
   * only the footer's Close ends the step-up there.
   */
  /** @internal */
  override requestClose(): void {
    if (this.steps?.listing(this) && this.retry) return this.retry();
    super.requestClose();
  }

  /** @internal */
  closeAll(): void {
    super.requestClose();
  }

  /** @internal */
  enter(phase: PromptPhase, retry: (() => void) | null = null): void {
    this.phase = phase;
    this.retry = retry;
  }
  /** @internal */
  report(reason: IdpErrorReason | undefined): void {
    this.pendingFailure = reason;
  }

  /** @internal Only the newest request's answer counts, and none after closing (latest-request.ts). */
  readonly fresh = latest(() => this.open);

  /** @internal */
  finish(outcome: IdpAuthResponse): void {
    this.settle(outcome);
    this.hide();
  }

  /** @internal */
  setStatus(text: string, urgent = false, info = false): void {
    this.status = text;
    this.statusUrgent = urgent;
    this.statusInfo = info;
  }

  /** Loads prompt-steps.ts once and lends it Lit's `html` and our formatting. */
  private withSteps() {
    return loadSteps().then((m) => (m.init({ html, format, plural, describeError }, this), (this.steps = m)));
  }

  /** "Use another method": the list of the user's other factors (prompt-steps.ts). */
  /** @internal */
  switchFactor(): void {
    void this.withSteps().then((m) => m.showMethods(this));
  }

  protected override renderTitle(): string {
    return this.d?.promptTitleOf(this.strings, this.heading, this.action, this.details) ?? this.heading ?? this.strings.promptTitle;
  }

  protected override codeInputLabel(): string {
    return this.usingRecovery ? this.strings.recoveryCodeLabel : this.strings.codeLabel;
  }

  protected override renderBody() {
    return renderBody(this);
  }

  protected override renderFooter() {
    return renderFooter(this);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-prompt': MfaPrompt;
  }
}
