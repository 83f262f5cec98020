import { html, nothing, svg, unsafeCSS } from 'lit';
import { property, state } from 'lit/decorators.js';
import { asMfaError } from '../shared/as-mfa-error.js';
import { toE164 } from '../../core/phone.js';
import type { CodeEnrollment, ConfirmEnrollmentResponse, EnrollableFactorType, TotpEnrollment } from '../../core/types.js';
import { enConsole } from '../../i18n/en-console.js';
import { enEnroll } from '../../i18n/en-enroll.js';
import { enSteps } from '../../i18n/en-steps.js';
import { format, plural, type MfaStrings } from '../../i18n/localize.js';
import { emit } from '../shared/events.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { enrollStyles } from './mfa-enroll.styles.js';
import { qrPath } from './qr-path.js';
import { copyText, downloadRecoveryCodes, recoveryCodesList, recoveryCodesStyles } from '../shared/recovery-codes.js';
import { loadPasskeys } from '../shared/lazy.js';
import { resendButton, tickUntil } from '../shared/resend.js';
import { stepsCss } from '../shared/steps-css.js';

/**
 * choose: which kind of factor · address: type the phone number / email address · scan: the QR
 * (TOTP) or the sent code is asked · passkey: ready to create one · codes: the recovery codes.
 */
type Phase = 'loading' | 'choose' | 'address' | 'scan' | 'passkey' | 'verifying' | 'codes' | 'blocked';

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: groups of four are easier to read and type. */
const groupSecret = (secret: string) => secret.match(/.{1,4}/g)!.join(' ');

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
 * @cssprop --mfa-font - Font shorthand (default 400 1rem/1.5 system-ui).
 * @cssprop --mfa-radius - Corner radius (default 12px).
 * @cssprop --mfa-spacing - Base spacing (default 16px).
 * @cssprop --mfa-dialog-width - Dialog width (default 26rem, never wider than the viewport).
 * @cssprop --mfa-backdrop - Backdrop behind the modal (default rgb(0 0 0 / 0.45)).
 */
export class MfaEnroll extends MfaModalElement {
  static override styles = [modalStyles, recoveryCodesStyles, enrollStyles, unsafeCSS(stepsCss)];

  /**
   * The factor to add: `totp` (default), `webauthn` (passkey or security key), `phone`, `email`,
   * or `choose` to let the user pick among what the server can add.
   */
  @property({ reflect: true }) type: EnrollableFactorType | 'choose' = 'totp';
  /** Name of the new factor as the user will see it in their list. */
  @property() label?: string;

  @state() private phase: Phase = 'loading';
  /** The kind being added (the `type`, or the user's choice). */
  @state() private kind: EnrollableFactorType = 'totp';
  @state() private available: EnrollableFactorType[] = [];
  @state() private enrollment?: TotpEnrollment | CodeEnrollment;
  /** Phone/email: when "Send a new code" opens (ms), null when no more may be sent. */
  @state() private resendAt: number | null = null;
  @state() private qr?: { size: number; d: string };
  @state() private recoveryCodes: string[] = [];
  @state() private status = '';
  /** The status is good news ("We sent a new code"), not an error: shown in the normal tone. */
  @state() private statusOk = false;
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
    this.phase = 'loading';
    try {
      const enrollment = await this.api.enroll('totp', this.label ? { label: this.label } : {});
      this.qr = await qrPath(enrollment.otpauthUri);
      this.askCode(enrollment, enrollment.digits);
    } catch (err) {
      this.fail(err);
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
    const s = this.strings;
    const value = input.value.trim();
    const phone = this.kind === 'phone';
    const valid = phone ? toE164(value) !== null : input.checkValidity() && value.includes('@');
    input.setAttribute('aria-invalid', String(!valid));
    if (!valid) {
      this.setStatus(phone ? s.invalidPhone : s.invalidEmail);
      input.focus();
      return;
    }
    const channel = this.renderRoot.querySelector<HTMLInputElement>('input[name=channel]:checked')?.value ?? 'sms';
    const label = this.label ? { label: this.label } : {};
    this.phase = 'verifying';
    try {
      const enrollment = phone
        ? await this.api.enroll('phone', { phone: value, channel: channel as 'sms', ...label })
        : await this.api.enroll('email', { email: value, ...label });
      this.sent(enrollment);
    } catch (err) {
      const e = asMfaError(err);
      if (e.code === 'invalid_phone' || e.code === 'malformed_request') {
        this.phase = 'address';
        this.setStatus(phone ? s.invalidPhone : s.invalidEmail);
        input.setAttribute('aria-invalid', 'true');
        void this.updateComplete.then(() => input.focus());
        return;
      }
      this.fail(e);
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
      this.sent(await this.api.resendEnrollment(e.factorId));
      if (!this.status) this.setStatus(this.strings.codeResent, true);
    } catch (err) {
      const x = asMfaError(err);
      if (x.code === 'conflict') return; // another tab sent a new code just now
      if (x.code !== 'rate_limited') return this.fail(x);
      // "Wait a moment" (another tab asked first) counts down again; otherwise no more codes.
      const wait = x.retryAfter && x.retryAfter < 60 ? x.retryAfter : null;
      this.resendAt = wait ? Date.now() + wait * 1000 : null;
      if (this.resendAt) tickUntil(this, this.resendAt, () => this.open && this.enrollment === e);
      else this.setStatus(this.strings.noMoreCodes);
    }
  }

  private async createPasskey(): Promise<void> {
    if (this.phase !== 'passkey') return;
    const s = this.strings;
    this.phase = 'verifying';
    this.setStatus('');
    let confirmed: ConfirmEnrollmentResponse;
    try {
      const passkeys = await loadPasskeys();
      if (!passkeys.passkeysSupported()) {
        this.phase = 'passkey';
        this.setStatus(s.passkeyUnsupported);
        return;
      }
      const enrollment = await this.api.enroll('webauthn', this.label ? { label: this.label } : {});
      let credential;
      try {
        credential = await passkeys.createPasskey(enrollment.publicKey);
      } catch (err) {
        // Cancelled, timed out, or this authenticator already holds a passkey for the account;
        // or the page is on an IP address, which WebAuthn refuses as a site (say so: it is fixable).
        this.phase = 'passkey';
        this.setStatus(passkeys.needsDomain(err) ? s.passkeyNeedsDomain : s.passkeyFailed);
        emit(this, 'mfa-error', { code: 'cancelled' });
        return;
      }
      confirmed = await this.api.confirmEnrollment(enrollment.factorId, credential);
    } catch (err) {
      return this.fail(err);
    }
    this.done(confirmed);
  }

  private async confirm(): Promise<void> {
    if (this.phase !== 'scan' || !this.enrollment) return;
    const s = this.strings;
    const digits = this.enrollment.type === 'totp' ? this.enrollment.digits : 6;
    const value = this.codeInput.value;
    if (!new RegExp(`^[0-9]{${digits}}$`).test(value)) {
      this.codeInput.setInvalid(true);
      this.setStatus(format(s.malformedCode, { digits }));
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
      if (e.code === 'invalid_code' || e.code === 'malformed_code') {
        this.phase = 'scan';
        this.codeInput.clear();
        this.codeInput.setInvalid(true);
        this.setStatus(e.code === 'invalid_code' ? plural(this.resolvedLocale, s.wrongCode, e.attemptsLeft ?? 0) : format(s.malformedCode, { digits }));
        this.codeInput.focus();
      } else {
        this.fail(e);
      }
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
    const focus = (el: () => HTMLElement | null | undefined) => void this.updateComplete.then(() => el()?.focus());
    if (this.enrollment) {
      this.phase = 'scan';
      focus(() => this.codeInput.input);
    } else if (this.kind === 'phone' || this.kind === 'email') {
      this.phase = 'address';
      focus(() => this.addressInput);
    } else if (this.kind === 'webauthn') {
      this.phase = 'passkey';
      focus(() => this.renderRoot.querySelector<HTMLElement>('footer .primary'));
    } else if (this.type === 'choose' && this.available.length > 1) {
      this.phase = 'choose';
      focus(() => this.renderRoot.querySelector<HTMLElement>('.methods button'));
    } else {
      this.hide();
    }
  }

  private fail(err: unknown): void {
    const e = asMfaError(err);
    const s = this.strings;
    if (e.code === 'cancelled') return this.stepBack();
    this.phase = 'blocked';
    if (e.code === 'locked') {
      const minutes = Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60));
      this.pendingFailure = 'locked';
      this.setStatus(format(s.locked, { minutes: plural(this.resolvedLocale, s.minutes, minutes) }));
    } else if (e.code === 'expired' || e.code === 'not_found') {
      this.pendingFailure = 'expired';
      this.setStatus(s.expired);
    } else if (e.code === 'network') {
      this.pendingFailure = 'network';
      this.setStatus(s.networkError);
    } else {
      this.pendingFailure = e.code === 'insufficient_user_authentication' ? 'denied' : 'server';
      this.setStatus(s.serverError);
    }
  }

  private async copySecret(): Promise<void> {
    if (this.enrollment?.type !== 'totp') return;
    await copyText(this.enrollment.secret);
    this.copied = true;
  }

  private async copyCodes(): Promise<void> {
    await copyText(this.recoveryCodes.join('\n'));
    this.copied = true;
  }

  private downloadCodes(): void {
    // The account as the authenticator app shows it (`otpauth://totp/Issuer:account?…`), when known.
    const uri = this.enrollment?.type === 'totp' ? this.enrollment.otpauthUri : '';
    const label = decodeURIComponent(uri.replace(/^otpauth:\/\/totp\/|\?.*$/g, ''));
    downloadRecoveryCodes(this.recoveryCodes, this.strings.recoveryFileHeader, label || undefined);
  }

  /** English enrollment strings come from their own modules; a loaded locale has them already. */
  protected override get strings(): MfaStrings {
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

  private typeName(type: EnrollableFactorType): string {
    const s = this.strings;
    return { totp: s.factorTotp, webauthn: s.factorWebauthn, phone: s.factorPhone, email: s.factorEmail }[type];
  }

  protected override renderBody() {
    const s = this.strings;
    const status = html`<p class="status" part="status" role="status" aria-live="polite" data-kind=${this.statusOk ? 'ok' : 'error'}>${this.status}</p>`;
    if (this.phase === 'codes') {
      return html`
        <p id="intro">${s.recoveryIntroEnroll}</p>
        ${recoveryCodesList(this.recoveryCodes, s.recoveryListLabel)}
        <p class="status" part="status" role="status" aria-live="polite" data-kind="ok">${this.copied ? s.copied : ''}</p>
      `;
    }
    if (this.phase === 'choose') {
      return html`
        <p id="intro" class="muted">${s.enrollChooseHint}</p>
        <ul class="methods" part="factor-types">
          ${this.available.map((t) => html`<li>
            <button class="method" part="button factor-type-button" @click=${() => this.startKind(t)}>
              <span class="method-name">${this.typeName(t)}</span>
            </button>
          </li>`)}
        </ul>
        ${status}
      `;
    }
    if (this.phase === 'passkey' || (this.kind === 'webauthn' && this.phase === 'verifying')) {
      return html`<p id="intro">${s.enrollPasskeyIntro}</p>${status}`;
    }
    if (this.phase === 'address' || (this.phase === 'verifying' && !this.enrollment)) {
      const phone = this.kind === 'phone';
      return html`
        <div class="form">
          <div class="field">
            <label class="label" for="address" id=${phone ? nothing : 'intro'}>${phone ? s.phoneLabel : s.emailLabel}</label>
            <input id="address" part="address-input" type=${phone ? 'tel' : 'email'} autocomplete=${phone ? 'tel' : 'email'}
              aria-describedby=${phone ? 'intro' : nothing} ?readonly=${this.phase !== 'address'} required
              @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void this.sendCode()} />
            ${phone ? html`<span id="intro" class="hint">${s.phoneHint}</span>` : nothing}
          </div>
          ${phone
            ? html`<fieldset class="choices">
                <legend>${s.channelLabel}</legend>
                <label class="choice"><input type="radio" name="channel" value="sms" checked />${s.channelSms}</label>
                <label class="choice"><input type="radio" name="channel" value="voice" />${s.channelVoice}</label>
              </fieldset>`
            : nothing}
        </div>
        ${status}
      `;
    }
    const e = this.enrollment;
    const asking = e && (this.phase === 'scan' || this.phase === 'verifying');
    const totp = e?.type === 'totp' && this.qr ? e : undefined;
    const sentTo = e && e.type !== 'totp' ? e : undefined;
    return html`
      <p id="intro" class="muted">
        ${this.phase === 'loading' ? s.loading : asking ? (sentTo ? format(s.codeSentTo, { to: sentTo.sentTo }) : s.enrollScan) : ''}
      </p>
      ${asking && sentTo?.notice ? html`<p class="notice" part="notice">${s.phoneRestricted}</p>` : nothing}
      ${asking && totp
        ? html`
            <svg class="qr" part="qr" role="img" aria-label=${s.enrollQrAlt} viewBox="-2 -2 ${this.qr!.size + 4} ${this.qr!.size + 4}">
              ${svg`<path d=${this.qr!.d}></path>`}
            </svg>
            <p>${s.enrollManual}</p>
            <div class="secret">
              <code part="secret" aria-label=${s.secretLabel}>${groupSecret(totp.secret)}</code>
              <button part="button copy-button" @click=${this.copySecret}>${this.copied ? s.copied : s.copy}</button>
            </div>
            <a href=${totp.otpauthUri} part="open-app">${s.enrollOpenApp}</a>
            <p>${format(s.enrollCodePrompt, { digits: totp.digits })}</p>
          `
        : nothing}
      <div class="field" ?hidden=${!asking}>
        <span class="label" aria-hidden="true">${this.codeInputLabel()}</span>
        <slot name="code"></slot>
      </div>
      ${asking && sentTo ? resendButton(html, s, this.resendAt, () => void this.resend()) : nothing}
      ${status}
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
    const cancel = html`<button part="button cancel-button" @click=${this.requestClose}>${s.cancel}</button>`;
    if (this.phase === 'choose') return cancel;
    if (this.phase === 'passkey' || (this.kind === 'webauthn' && this.phase === 'verifying')) {
      return html`${cancel}<button class="primary" part="button confirm-button" ?disabled=${this.phase !== 'passkey'} @click=${this.createPasskey}>${s.createPasskey}</button>`;
    }
    if (this.phase === 'address' || (this.phase === 'verifying' && !this.enrollment)) {
      return html`${cancel}<button class="primary" part="button confirm-button" ?disabled=${this.phase !== 'address'} @click=${this.sendCode}>${s.sendCode}</button>`;
    }
    return html`
      ${cancel}
      <button class="primary" part="button confirm-button" ?disabled=${this.phase !== 'scan'} @click=${this.confirm}>${s.enrollConfirm}</button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-enroll': MfaEnroll;
  }
}
