import { html, nothing, svg } from 'lit';
import { property, state } from 'lit/decorators.js';
import { asMfaError } from '../shared/as-mfa-error.js';
import type { TotpEnrollment } from '../../core/types.js';
import { enEnroll } from '../../i18n/en-enroll.js';
import { format, plural, type MfaStrings } from '../../i18n/localize.js';
import { emit } from '../shared/events.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { enrollStyles } from './mfa-enroll.styles.js';
import { qrPath } from './qr-path.js';
import { copyText, downloadRecoveryCodes, recoveryCodesList, recoveryCodesStyles } from '../shared/recovery-codes.js';

type Phase = 'loading' | 'scan' | 'verifying' | 'codes' | 'blocked';

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: groups of four are easier to read and type. */
const groupSecret = (secret: string) => secret.match(/.{1,4}/g)!.join(' ');

/**
 * @summary Adds a second factor: shows the QR code and setup key of a new authenticator-app
 * (TOTP) factor, confirms it with a first code, then shows the recovery codes once.
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
export class MfaEnroll extends MfaModalElement {
  static override styles = [modalStyles, recoveryCodesStyles, enrollStyles];

  /** The factor to add. Only `totp` on this version of the server. */
  @property({ reflect: true }) type: 'totp' = 'totp';
  /** Name of the new factor as the user will see it in their list. */
  @property() label?: string;

  @state() private phase: Phase = 'loading';
  @state() private enrollment?: TotpEnrollment;
  @state() private qr?: { size: number; d: string };
  @state() private recoveryCodes: string[] = [];
  @state() private status = '';
  @state() private copied = false;

  constructor() {
    super();
    this.codeInput.onSubmit = () => void this.confirm();
  }

  protected override outcomeScope() {
    return { resource: 'mfa', action: 'enroll' };
  }

  protected override begin(): void {
    this.present();
    void this.start();
  }

  private async start(): Promise<void> {
    this.phase = 'loading';
    this.status = '';
    this.recoveryCodes = [];
    try {
      const enrollment = await this.api.enroll(this.type, this.label ? { label: this.label } : {});
      this.qr = await qrPath(enrollment.otpauthUri);
      this.enrollment = enrollment;
      this.codeInput.configure({ mode: 'numeric', length: enrollment.digits });
      this.codeInput.clear();
      this.codeInput.disabled = false;
      this.phase = 'scan';
      void this.updateComplete.then(() => this.codeInput.focus());
    } catch (err) {
      this.fail(err);
    }
  }

  private async confirm(): Promise<void> {
    if (this.phase !== 'scan' || !this.enrollment) return;
    const s = this.strings;
    const value = this.codeInput.value;
    if (!new RegExp(`^[0-9]{${this.enrollment.digits}}$`).test(value)) {
      this.codeInput.setInvalid(true);
      this.status = format(s.malformedCode, { digits: this.enrollment.digits });
      this.codeInput.focus();
      return;
    }
    this.phase = 'verifying';
    this.codeInput.disabled = true;
    try {
      const { recoveryCodes } = await this.api.confirmEnrollment(this.enrollment.factorId, value);
      this.codeInput.disabled = false;
      this.codeInput.detach();
      this.status = '';
      this.pendingFailure = undefined;
      // From here the factor exists: however the dialog closes now, the outcome is a success.
      this.settle({ success: true, resource: 'mfa', action: 'enroll', factorType: this.type, timestamp: Date.now() });
      if (!recoveryCodes?.length) {
        this.hide();
        return;
      }
      this.recoveryCodes = recoveryCodes;
      this.phase = 'codes';
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.codes')?.focus());
    } catch (err) {
      this.codeInput.disabled = false;
      const e = asMfaError(err);
      emit(this, 'mfa-error', { code: e.code, attemptsLeft: e.attemptsLeft });
      if (e.code === 'invalid_code' || e.code === 'malformed_code') {
        this.phase = 'scan';
        this.codeInput.clear();
        this.codeInput.setInvalid(true);
        this.status = e.code === 'invalid_code' ? plural(this.resolvedLocale, s.wrongCode, e.attemptsLeft ?? 0) : format(s.malformedCode, { digits: this.enrollment.digits });
        this.codeInput.focus();
      } else {
        this.fail(e);
      }
    }
  }

  private fail(err: unknown): void {
    const e = asMfaError(err);
    const s = this.strings;
    this.phase = 'blocked';
    if (e.code === 'locked') {
      const minutes = Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60));
      this.pendingFailure = 'locked';
      this.status = format(s.locked, { minutes: plural(this.resolvedLocale, s.minutes, minutes) });
    } else if (e.code === 'expired' || e.code === 'not_found') {
      this.pendingFailure = 'expired';
      this.status = s.expired;
    } else if (e.code === 'network') {
      this.pendingFailure = 'network';
      this.status = s.networkError;
    } else {
      this.pendingFailure = e.code === 'cancelled' ? 'cancelled' : e.code === 'insufficient_user_authentication' ? 'denied' : 'server';
      this.status = s.serverError;
    }
  }

  private async copySecret(): Promise<void> {
    if (!this.enrollment) return;
    await copyText(this.enrollment.secret);
    this.copied = true;
  }

  private async copyCodes(): Promise<void> {
    await copyText(this.recoveryCodes.join('\n'));
    this.copied = true;
  }

  private downloadCodes(): void {
    downloadRecoveryCodes(this.recoveryCodes, this.strings.recoveryFileHeader);
  }

  /** English enrollment strings come from their own module; a loaded locale has them already. */
  protected override get strings(): MfaStrings {
    return { ...enEnroll, ...super.strings };
  }

  protected override codeInputLabel(): string {
    return this.strings.enrollCodeLabel;
  }

  protected override renderTitle(): string {
    return this.phase === 'codes' ? this.strings.recoveryTitle : this.strings.enrollTitle;
  }

  protected override renderBody() {
    const s = this.strings;
    if (this.phase === 'codes') {
      return html`
        <p id="intro">${s.recoveryIntroEnroll}</p>
        ${recoveryCodesList(this.recoveryCodes, s.recoveryListLabel)}
        <p class="status muted" role="status" aria-live="polite">${this.copied ? s.copied : ''}</p>
      `;
    }
    const e = this.enrollment;
    const showSetup = e && this.qr && (this.phase === 'scan' || this.phase === 'verifying');
    return html`
      <p id="intro" class="muted">${this.phase === 'loading' ? s.loading : showSetup ? s.enrollScan : ''}</p>
      ${showSetup
        ? html`
            <svg class="qr" part="qr" role="img" aria-label=${s.enrollQrAlt} viewBox="-2 -2 ${this.qr!.size + 4} ${this.qr!.size + 4}">
              ${svg`<path d=${this.qr!.d}></path>`}
            </svg>
            <p>${s.enrollManual}</p>
            <div class="secret">
              <code part="secret" aria-label=${s.secretLabel}>${groupSecret(e!.secret)}</code>
              <button part="button copy-button" @click=${this.copySecret}>${this.copied ? s.copied : s.copy}</button>
            </div>
            <a href=${e!.otpauthUri} part="open-app">${s.enrollOpenApp}</a>
            <p>${format(s.enrollCodePrompt, { digits: e!.digits })}</p>
          `
        : nothing}
      <div class="field" ?hidden=${!showSetup}>
        <span class="label" aria-hidden="true">${s.enrollCodeLabel}</span>
        <slot name="code"></slot>
      </div>
      <p class="status" part="status" role="status" aria-live="polite">${this.status}</p>
    `;
  }

  protected override renderFooter() {
    const s = this.strings;
    if (this.phase === 'codes') {
      return html`
        <button part="button" @click=${this.copyCodes}>${s.copy}</button>
        <button part="button" @click=${this.downloadCodes}>${s.download}</button>
        <button class="primary" part="button done-button" @click=${this.hide}>${s.done}</button>
      `;
    }
    if (this.phase === 'blocked') {
      return html`
        <button part="button" @click=${this.requestClose}>${s.close}</button>
        ${this.pendingFailure === 'locked' ? nothing : html`<button class="primary" part="button" @click=${this.start}>${s.tryAgain}</button>`}
      `;
    }
    return html`
      <button part="button cancel-button" @click=${this.requestClose}>${s.cancel}</button>
      <button class="primary" part="button confirm-button" ?disabled=${this.phase !== 'scan'} @click=${this.confirm}>${s.enrollConfirm}</button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-enroll': MfaEnroll;
  }
}
