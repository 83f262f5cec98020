import { html, unsafeCSS, type PropertyDeclarations } from 'lit';
import { asMfaError } from '../shared/as-mfa-error.js';
import { MfaError } from '../../core/errors.js';
import { parseCodeOfLength } from '../../core/code-format.js';
import type { CodeEnrollment, ConfirmEnrollmentResponse, EnrollableFactorType, TotpEnrollment } from '../../core/types.js';
import { enConsole } from '../../i18n/en-console.js';
import { enEnroll } from '../../i18n/en-enroll.js';
import { enSteps } from '../../i18n/en-steps.js';
import type { MfaStrings } from '../../i18n/localize.js';
import { emit } from '../shared/events.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { enrollStyles } from './mfa-enroll.styles.js';
import { qrPath } from './qr-path.js';
import { copyText, downloadRecoveryCodes, recoveryCodesStyles } from '../shared/recovery-codes.js';
import { accountOf, addressView, blockedFooter, chooseView, codeStepView, codesFooter, codesView, stepFooter } from './enroll-views.js';
import { describeError } from '../shared/describe-error.js';
import { addPasskey, addressRefusal, resendCode, sendToAddress } from './enroll-requests.js';
import { tickUntil } from '../shared/resend.js';
import { stepsCss } from '../shared/steps-css.js';

/**
 * choose: which kind of factor · address: type the phone number / email address · scan: the QR
 * (TOTP) or the sent code is asked · passkey: ready to create one · codes: the recovery codes.
 */
type Phase = 'loading' | 'choose' | 'address' | 'scan' | 'passkey' | 'verifying' | 'codes' | 'blocked';

/**
 * @summary Adds a second factor — an authenticator app (QR code and setup key), a passkey or
 * security key, a phone (SMS or voice code) or an email address — confirms it, then shows the
 * recovery codes once (first factor only). With `type="choose"` the user picks among the kinds the
 * server offers.
 * @tag mfa-enroll
 *
 * @slot code - Filled by the element itself with its light-DOM `<input autocomplete="one-time-code">`.
 *
 * @fires {CustomEvent<IdpAuthResponse>} resolve - The factor was added: `{ success: true, resource: 'mfa', action: 'enroll', factorType, timestamp }`.
 * @fires {CustomEvent<IdpAuthResponse>} reject - Not added: `error` is `cancelled`, `locked`, `expired`, `network`, `server` or `denied`.
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
 * @csspart qr - The QR code (`<svg role="img">`).
 * @csspart secret - The setup key, grouped for reading.
 * @csspart code-input - The code `<input>` (light DOM).
 * @csspart recovery-codes - The list of recovery codes.
 * @csspart button - Every action button.
 * @csspart confirm-button - Confirm the first code (also `button`).
 * @csspart cancel-button - Cancel (also `button`).
 * @csspart copy-button - Copy the setup key (also `button`).
 * @csspart done-button - Done, after the recovery codes (also `button`).
 * @csspart open-app - The `otpauth://` link for an authenticator app on this device.
 * @csspart status - The live region with errors and progress.
 * @csspart factor-types - The list of kinds to choose from (`type="choose"`).
 * @csspart factor-type-button - One kind in that list (also `button`).
 * @csspart address-input - The phone number or email address `<input>`.
 * @csspart resend-button - "Send a new code" with its countdown (also `button`).
 * @csspart notice - The warning shown when a phone would be the only strong-enough factor.
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
export class MfaEnroll extends MfaModalElement {

  /** Reactive properties, declared statically (no decorator helpers in the bundles, docs/packaging.md). */
  static override properties: PropertyDeclarations = {
    type: { reflect: true },
    label: {},
    phase: { state: true },
    kind: { state: true },
    available: { state: true },
    enrollment: { state: true },
    resendAt: { state: true },
    qr: { state: true },
    recoveryCodes: { state: true },
    status: { state: true },
    statusOk: { state: true },
    copied: { state: true },
  };
  static override styles = [modalStyles, recoveryCodesStyles, enrollStyles, unsafeCSS(stepsCss)];

  /**
   * The factor to add: `totp` (default), `webauthn` (passkey or security key), `phone`, `email`,
   * or `choose` to let the user pick among what the server can add.
   */
  type: EnrollableFactorType | 'choose' = 'totp';
  /** Name of the new factor as the user will see it in their list. */
  label?: string;

  private phase: Phase = 'loading';
  /** The kind being added (the `type`, or the user's choice). */
  private kind: EnrollableFactorType = 'totp';
  private available: EnrollableFactorType[] = [];
  private enrollment?: TotpEnrollment | CodeEnrollment;
  /** Phone/email: when "Send a new code" opens (ms), null when no more may be sent. */
  private resendAt: number | null = null;
  private qr?: { size: number; d: string };
  private recoveryCodes: string[] = [];
  private status = '';
  /** The status is good news ("We sent a new code"), not an error: shown in the normal tone. */
  private statusOk = false;
  private copied = false;
  /** An authenticator app picked from the list, its QR on the way. */
  private pickedFromList = false;

  constructor() {
    super();
    this.codeInput.onSubmit = () => void this.confirm();
  }

  /** @internal */ override outcomeScope() {
    return { resource: 'mfa', action: 'enroll' };
  }

  protected override begin(): void {
    this.present();
    void this.start();
  }

  private async start(): Promise<void> {
    this.phase = 'loading';
    this.setStatus('');
    this.recoveryCodes = [];
    this.enrollment = undefined;
    if (this.type !== 'choose') return this.startKind(this.type);
    try {
      this.available = (await this.api.listFactors()).available;
      if (this.available.length === 1) return this.startKind(this.available[0]);
      this.phase = 'choose';
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.methods button')?.focus());
    } catch (err) {
      this.fail(err);
    }
  }

  private async startKind(kind: EnrollableFactorType): Promise<void> {
    if (this.phase === 'choose' && this.pickedFromList) return; // one pick at a time
    this.kind = kind;
    this.setStatus('');
    if (kind === 'phone' || kind === 'email') {
      this.phase = 'address';
      void this.updateComplete.then(() => this.addressInput?.focus());
      return;
    }
    if (kind === 'webauthn') {
      this.phase = 'passkey';
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('footer .primary')?.focus());
      return;
    }
    // Picked from the list, the list stays (and keeps focus on the pick) until the QR is there:
    // a "Loading…" in its place would drop focus to <body> while the dialog is open.
    if (this.phase === 'choose') this.pickedFromList = true;
    else this.phase = 'loading';
    try {
      const enrollment = await this.api.enroll('totp', this.label ? { label: this.label } : {});
      this.qr = await qrPath(enrollment.otpauthUri);
      this.askCode(enrollment, enrollment.digits);
    } catch (err) {
      this.fail(err);
    } finally {
      this.pickedFromList = false;
    }
  }

  private askCode(enrollment: TotpEnrollment | CodeEnrollment, digits: number): void {
    this.enrollment = enrollment;
    this.codeInput.configure({ mode: 'numeric', length: digits });
    this.codeInput.clear();
    this.codeInput.setInvalid(false);
    this.codeInput.disabled = false;
    this.phase = 'scan';
    void this.updateComplete.then(() => this.codeInput.focus());
  }

  private get addressInput(): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>('#address');
  }

  /** Phone or email: check the address here first (a typo costs no message), then send the code. */
  private async sendCode(): Promise<void> {
    const input = this.addressInput;
    if (this.phase !== 'address' || !input) return;
    const phone = this.kind === 'phone';
    const refusal = addressRefusal(this.strings, input, phone);
    input.setAttribute('aria-invalid', String(!!refusal));
    if (refusal) return this.setStatus(refusal), input.focus();
    const channel = this.renderRoot.querySelector<HTMLInputElement>('input[name=channel]:checked')?.value ?? 'sms';
    this.phase = 'verifying';
    try {
      const sent = await sendToAddress(this.api, this.strings, input, phone, channel, this.label);
      if ('ok' in sent) return this.sent(sent.ok);
      input.setAttribute('aria-invalid', 'true');
      this.phase = 'address';
      this.setStatus(sent.retry);
      void this.updateComplete.then(() => input.focus());
    } catch (err) {
      this.fail(err);
    }
  }

  /** A code went out (or failed to): ask for it, with the resend countdown. */
  private sent(enrollment: CodeEnrollment): void {
    const s = this.strings;
    this.resendAt = enrollment.resendAfter === undefined ? null : Date.now() + enrollment.resendAfter * 1000;
    // The enrollment is recorded first: the countdown ticks only while it is the current one.
    this.askCode(enrollment, 6);
    if (this.resendAt) tickUntil(this, this.resendAt, () => this.open && this.enrollment === enrollment);
    this.setStatus(enrollment.deliveryFailed ? s.deliveryFailed : '');
  }

  private async resend(): Promise<void> {
    const e = this.enrollment;
    if (!e || e.type === 'totp') return;
    try {
      const answer = await resendCode(this.api, e.factorId);
      if (answer && 'ok' in answer) {
        this.sent(answer.ok);
        if (!this.status) this.setStatus(this.strings.codeResent, true);
      } else if (answer) {
        // "Wait a moment" counts down again; otherwise no more codes.
        this.resendAt = answer.wait ? Date.now() + answer.wait * 1000 : null;
        if (this.resendAt) tickUntil(this, this.resendAt, () => this.open && this.enrollment === e);
        else this.setStatus(this.strings.noMoreCodes);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private async createPasskey(): Promise<void> {
    if (this.phase !== 'passkey') return;
    this.phase = 'verifying';
    this.setStatus('');
    try {
      const added = await addPasskey(this.api, this.strings, this.label);
      if ('ok' in added) return this.done(added.ok);
      this.phase = 'passkey';
      this.setStatus(added.retry);
      if (added.cancelled) emit(this, 'mfa-error', { code: 'cancelled' });
    } catch (err) {
      this.fail(err);
    }
  }

  private async confirm(): Promise<void> {
    if (this.phase !== 'scan' || !this.enrollment) return;
    const s = this.strings;
    const digits = this.enrollment.type === 'totp' ? this.enrollment.digits : 6;
    // The server's own rule (core/code-format.ts): a malformed code costs no attempt and no request.
    const value = parseCodeOfLength(this.codeInput.value, digits);
    if (value === null) {
      this.codeInput.setInvalid(true);
      this.setStatus(describeError(new MfaError('malformed_code'), s, this.resolvedLocale, { digits }).text);
      this.codeInput.focus();
      return;
    }
    this.phase = 'verifying';
    this.codeInput.disabled = true;
    try {
      const confirmed = await this.api.confirmEnrollment(this.enrollment.factorId, value);
      this.codeInput.disabled = false;
      this.codeInput.detach();
      this.done(confirmed);
    } catch (err) {
      this.codeInput.disabled = false;
      const e = asMfaError(err);
      emit(this, 'mfa-error', { code: e.code, attemptsLeft: e.attemptsLeft });
      const { text, outcome } = describeError(e, s, this.resolvedLocale, { digits });
      if (outcome) return this.fail(e);
      // A wrong, malformed or already used code: type the next one.
      this.phase = 'scan';
      this.codeInput.clear();
      this.codeInput.setInvalid(true);
      this.setStatus(text);
      this.codeInput.focus();
    }
  }

  /** The factor exists: however the dialog closes now, the outcome is a success. */
  private done({ recoveryCodes }: ConfirmEnrollmentResponse): void {
    this.setStatus('');
    this.pendingFailure = undefined;
    this.settle({ success: true, resource: 'mfa', action: 'enroll', factorType: this.kind, timestamp: Date.now() });
    if (!recoveryCodes?.length) {
      this.hide();
      return;
    }
    this.recoveryCodes = recoveryCodes;
    this.phase = 'codes';
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.codes')?.focus());
  }

  private setStatus(text: string, ok = false): void {
    this.status = text;
    this.statusOk = ok;
  }

  /**
   * The user cancelled the step-up that guards adding a factor: that is a choice, not an error.
   * Back one step with what they typed kept (the number, the code), or closed when there is none.
   */
  private stepBack(): void {
    this.setStatus('');
    const find = (selector: string) => () => this.renderRoot.querySelector<HTMLElement>(selector);
    const [phase, focus]: [Phase?, (() => HTMLElement | null)?] = this.enrollment ? ['scan', () => this.codeInput.input]
      : this.kind === 'phone' || this.kind === 'email' ? ['address', () => this.addressInput]
      : this.kind === 'webauthn' ? ['passkey', find('footer .primary')]
      : this.type === 'choose' && this.available.length > 1 ? ['choose', find('.methods button')]
      : [];
    if (!phase) return this.hide();
    this.phase = phase;
    void this.updateComplete.then(() => focus?.()?.focus());
  }

  /** A failure the user cannot type through: say it (describeError), offer Try again unless locked. */
  private fail(err: unknown): void {
    const e = asMfaError(err);
    if (e.code === 'cancelled') return this.stepBack();
    const { text, outcome } = describeError(e, this.strings, this.resolvedLocale);
    this.phase = 'blocked';
    this.pendingFailure = outcome ?? 'server';
    this.setStatus(text);
  }

  /** The setup key or the recovery codes to the clipboard ("Copied"). */
  private async copy(text: string): Promise<void> {
    await copyText(text);
    this.copied = true;
  }

  private downloadCodes(): void {
    const uri = this.enrollment?.type === 'totp' ? this.enrollment.otpauthUri : '';
    downloadRecoveryCodes(this.recoveryCodes, this.strings.recoveryFileHeader, accountOf(uri));
  }

  /** @internal English enrollment strings come from their own modules; a loaded locale has them already. */
  override get strings(): MfaStrings {
    return { ...enSteps, ...enConsole, ...enEnroll, ...super.strings };
  }

  protected override codeInputLabel(): string {
    return this.kind === 'totp' ? this.strings.enrollCodeLabel : this.strings.sentCodeLabel;
  }

  protected override renderTitle(): string {
    const s = this.strings;
    if (this.phase === 'codes') return s.recoveryTitle;
    if (this.phase === 'choose' || (this.type === 'choose' && this.phase === 'loading')) return s.enrollChooseTitle;
    return { totp: s.enrollTitle, webauthn: s.enrollPasskeyTitle, phone: s.enrollPhoneTitle, email: s.enrollEmailTitle }[this.kind];
  }

  protected override renderBody() {
    const s = this.strings;
    const status = html`<p class="status" part="status" role="status" aria-live="polite" data-kind=${this.statusOk ? 'ok' : 'error'}>${this.status}</p>`;
    if (this.phase === 'codes') return codesView(s, this.recoveryCodes, this.copied);
    if (this.phase === 'choose') return html`${chooseView(s, this.available, (t) => void this.startKind(t))}${status}`;
    if (this.phase === 'passkey' || (this.kind === 'webauthn' && this.phase === 'verifying')) {
      return html`<p id="intro">${s.enrollPasskeyIntro}</p>${status}`;
    }
    if (this.phase === 'address' || (this.phase === 'verifying' && !this.enrollment)) {
      return html`${addressView(s, this.kind === 'phone', this.phase === 'address', () => void this.sendCode())}${status}`;
    }
    return html`${codeStepView(s, {
      enrollment: this.enrollment, qr: this.qr, copied: this.copied, loading: this.phase === 'loading',
      asking: this.phase === 'scan' || this.phase === 'verifying', codeLabel: this.codeInputLabel(), resendAt: this.resendAt,
      copy: (secret) => void this.copy(secret), resend: () => void this.resend(),
    })}${status}`;
  }

  protected override renderFooter() {
    const s = this.strings;
    if (this.phase === 'codes') return codesFooter(s, () => void this.copy(this.recoveryCodes.join('\n')), () => this.downloadCodes(), () => this.hide());
    if (this.phase === 'blocked') return blockedFooter(s, () => this.requestClose(), this.pendingFailure === 'locked' ? undefined : () => void this.start());
    const cancel = () => this.requestClose();
    if (this.phase === 'choose') return stepFooter(s, cancel);
    if (this.phase === 'passkey' || (this.kind === 'webauthn' && this.phase === 'verifying')) {
      return stepFooter(s, cancel, { label: s.createPasskey, enabled: this.phase === 'passkey', run: () => void this.createPasskey() });
    }
    if (this.phase === 'address' || (this.phase === 'verifying' && !this.enrollment)) {
      return stepFooter(s, cancel, { label: s.sendCode, enabled: this.phase === 'address', run: () => void this.sendCode() });
    }
    return stepFooter(s, cancel, { label: s.enrollConfirm, enabled: this.phase === 'scan', run: () => void this.confirm() });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-enroll': MfaEnroll;
  }
}
