/**
 * What `<mfa-enroll>` shows in each phase, as functions of what they show: the kinds to choose
 * from, the phone number or email form, the authenticator app's QR code and setup key, and the
 * recovery codes. The element keeps the state and the flow (mfa-enroll.ts).
 */
import { html, nothing, svg } from 'lit';
import type { CodeEnrollment, EnrollableFactorType, TotpEnrollment } from '../../core/types.js';
import { format, type MfaStrings } from '../../i18n/localize.js';
import { recoveryCodesList } from '../shared/recovery-codes.js';
import { resendButton } from '../shared/resend.js';

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: groups of four are easier to read and type. */
export const groupSecret = (secret: string) => secret.match(/.{1,4}/g)!.join(' ');

export const typeName = (s: MfaStrings, type: EnrollableFactorType): string =>
  ({ totp: s.factorTotp, webauthn: s.factorWebauthn, phone: s.factorPhone, email: s.factorEmail })[type];

/** `type="choose"`: the kinds the server can add. */
export const chooseView = (s: MfaStrings, available: EnrollableFactorType[], pick: (t: EnrollableFactorType) => void) => html`
  <p id="intro" class="muted">${s.enrollChooseHint}</p>
  <ul class="methods" part="factor-types">
    ${available.map((t) => html`<li>
      <button class="method" part="button factor-type-button" @click=${() => pick(t)}>
        <span class="method-name">${typeName(s, t)}</span>
      </button>
    </li>`)}
  </ul>
`;

/** The phone number (with SMS or voice) or email address a code goes to. */
export function addressView(s: MfaStrings, phone: boolean, editable: boolean, send: () => void) {
  return html`
    <div class="form">
      <div class="field">
        <label class="label" for="address" id=${phone ? nothing : 'intro'}>${phone ? s.phoneLabel : s.emailLabel}</label>
        <input id="address" part="address-input" type=${phone ? 'tel' : 'email'} autocomplete=${phone ? 'tel' : 'email'}
          aria-describedby=${phone ? 'intro' : nothing} ?readonly=${!editable} required
          @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && send()} />
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
  `;
}

/** The authenticator app's setup: QR code, setup key (copyable), the `otpauth://` link. */
export function totpSetupView(s: MfaStrings, totp: TotpEnrollment, qr: { size: number; d: string }, copied: boolean, copy: () => void) {
  return html`
    <svg class="qr" part="qr" role="img" aria-label=${s.enrollQrAlt} viewBox="-2 -2 ${qr.size + 4} ${qr.size + 4}">
      ${svg`<path d=${qr.d}></path>`}
    </svg>
    <p>${s.enrollManual}</p>
    <div class="secret">
      <code part="secret" aria-label=${s.secretLabel}>${groupSecret(totp.secret)}</code>
      <button part="button copy-button" @click=${copy}>${copied ? s.copied : s.copy}</button>
    </div>
    <a href=${totp.otpauthUri} part="open-app">${s.enrollOpenApp}</a>
    <p>${format(s.enrollCodePrompt, { digits: totp.digits })}</p>
  `;
}

/**
 * Asking for the code that confirms a factor: the app's QR code and setup key, or where a code
 * was sent (with the restricted-factor notice and the resend countdown); the code field itself
 * is the element's slotted `<mfa-code-input>`.
 */
export function codeStepView(s: MfaStrings, o: {
  enrollment?: TotpEnrollment | CodeEnrollment; qr?: { size: number; d: string }; copied: boolean; loading: boolean;
  asking: boolean; codeLabel: string; resendAt: number | null | undefined; copy: (secret: string) => void; resend: () => void;
}) {
  const e = o.enrollment;
  const asking = !!e && o.asking;
  const totp = e?.type === 'totp' && o.qr ? e : undefined;
  const sentTo = e && e.type !== 'totp' ? e : undefined;
  return html`
    <p id="intro" class="muted">
      ${o.loading ? s.loading : asking ? (sentTo ? format(s.codeSentTo, { to: sentTo.sentTo }) : s.enrollScan) : ''}
    </p>
    ${asking && sentTo?.notice ? html`<p class="notice" part="notice">${s.phoneRestricted}</p>` : nothing}
    ${asking && totp ? totpSetupView(s, totp, o.qr!, o.copied, () => o.copy(totp.secret)) : nothing}
    <div class="field" ?hidden=${!asking}>
      <span class="label" aria-hidden="true">${o.codeLabel}</span>
      <slot name="code"></slot>
    </div>
    ${asking && sentTo ? resendButton(html, s, o.resendAt, o.resend) : nothing}
  `;
}

/** A failure the user cannot type through: Close, and Try again unless the account is locked. */
export const blockedFooter = (s: MfaStrings, close: () => void, retry?: () => void) => html`
  <button part="button" @click=${close}>${s.close}</button>
  ${retry ? html`<button class="primary" part="button" @click=${retry}>${s.tryAgain}</button>` : nothing}
`;

/** The recovery codes, shown once after the first factor. */
export const codesView = (s: MfaStrings, codes: string[], copied: boolean) => html`
  <p id="intro">${s.recoveryIntroEnroll}</p>
  ${recoveryCodesList(codes, s.recoveryListLabel)}
  <p class="status" part="status" role="status" aria-live="polite" data-kind="ok">${copied ? s.copied : ''}</p>
`;

export const codesFooter = (s: MfaStrings, copy: () => void, download: () => void, done: () => void) => html`
  <button part="button" @click=${copy}>${s.copy}</button>
  <button part="button" @click=${download}>${s.download}</button>
  <button class="primary" part="button done-button" @click=${done}>${s.done}</button>
`;

/** Cancel, and the step's primary button when it has one. */
export const stepFooter = (s: MfaStrings, cancel: () => void, primary?: { label: string; enabled: boolean; run: () => void }) => html`
  <button part="button cancel-button" @click=${cancel}>${s.cancel}</button>
  ${primary
    ? // Busy, it stays focusable (aria-disabled, not disabled): a disabled button drops focus to <body>.
      html`<button class="primary" part="button confirm-button" aria-disabled=${primary.enabled ? 'false' : 'true'}
        @click=${() => primary.enabled && primary.run()}>${primary.label}</button>`
    : nothing}
`;

/** The account as the authenticator app shows it (`otpauth://totp/Issuer:account?…`), when known. */
export const accountOf = (otpauthUri: string): string | undefined =>
  decodeURIComponent(otpauthUri.replace(/^otpauth:\/\/totp\/|\?.*$/g, '')) || undefined;
