import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { LABEL_MAX_LENGTH } from '../../core/factor-label.js';
import { strengthOf } from '../../core/factor-strength.js';
import type { FactorList, FactorSummary } from '../../core/types.js';
import { enConsole } from '../../i18n/en-console.js';
import { enEnroll } from '../../i18n/en-enroll.js';
import { factorTypeLabel } from '../../i18n/factor-label.js';
import { format, plural, type MfaStrings } from '../../i18n/localize.js';
import { asMfaError } from '../shared/as-mfa-error.js';
import { describeError } from '../shared/describe-error.js';
import { emit } from '../shared/events.js';
import { MfaModalElement } from '../shared/modal-element.js';
import { modalStyles } from '../shared/modal.styles.js';
import { copyText, downloadRecoveryCodes, recoveryCodesList, recoveryCodesStyles } from '../shared/recovery-codes.js';
import { authenticatorsStyles } from './mfa-authenticators.styles.js';

/** At or below this many recovery codes the console warns. */
const LOW_RECOVERY_CODES = 2;

type View = { kind: 'list' } | { kind: 'rename'; factor: FactorSummary } | { kind: 'remove'; factor: FactorSummary } | { kind: 'regenerate' } | { kind: 'codes'; codes: string[] };

/** How much a factor proves alone, as the server says (core/factor-strength.ts for a server too old to say). */
const strength = (f: FactorSummary) => f.strength ?? strengthOf(f.type);
const isStrong = (f: FactorSummary) => strength(f) === 'strong';

/**
 * @summary The user's MFA console: lists their factors (type, name, added, last used), renames and
 * removes them, adds any kind the server offers (app, passkey, phone, email), and regenerates
 * recovery codes; warns when only a phone would protect the account. Removing a factor,
 * adding a second one and regenerating codes need a fresh step-up (`mfa`/`manage`), which the
 * console obtains by opening the prompt itself.
 * @tag mfa-authenticators
 *
 * @fires {CustomEvent<void>} mfa-show - The element opened.
 * @fires {CustomEvent<void>} mfa-hide - The element closed.
 * @fires {CustomEvent<void>} mfa-request-close - Escape or the close button; cancel it to keep the dialog open.
 * @fires {CustomEvent<{code: string}>} mfa-error - An action failed (the console stays usable).
 *
 * @csspart dialog - The `<dialog>` (or the inline section).
 * @csspart header - The title row.
 * @csspart title - The heading.
 * @csspart close-button - The × button.
 * @csspart body - The content.
 * @csspart footer - The button row.
 * @csspart factor - One factor in the list.
 * @csspart recovery-codes - The list of new recovery codes.
 * @csspart button - Every action button.
 * @csspart add-button - Add authenticator app (also `button`).
 * @csspart rename-button - Rename a factor (also `button`).
 * @csspart save-button - Save the new name (also `button`).
 * @csspart remove-button - Remove a factor (also `button`).
 * @csspart confirm-remove-button - Confirm the removal (also `button`).
 * @csspart regenerate-button - Generate new recovery codes (also `button`).
 * @csspart done-button - Done, after new recovery codes (also `button`).
 * @csspart confirm-regenerate-button - Confirm generating new recovery codes (also `button`).
 * @csspart warning - A warning (last factor, few recovery codes left).
 * @csspart status - The live region with errors and confirmations.
 *
 * @cssprop --mfa-color-text - Text color (default #1b1f24; dark #e6edf3).
 * @cssprop --mfa-color-surface - Dialog background (default #ffffff; dark #161b22).
 * @cssprop --mfa-color-border - Borders (default #8c959f; dark #6e7681).
 * @cssprop --mfa-color-accent - Primary button and links (default #0a58ca; dark #4c9aff).
 * @cssprop --mfa-color-danger - Errors and warnings (default #b3261e; dark #ff8a80).
 * @cssprop --mfa-color-focus - Focus ring (default #0a58ca; dark #79b8ff).
 * @cssprop --mfa-font - Font shorthand (default: the page's font family, 400 1rem/1.5).
 * @cssprop --mfa-radius - Corner radius (default 12px).
 * @cssprop --mfa-spacing - Base spacing (default 16px).
 * @cssprop --mfa-dialog-width - Dialog width (default 26rem, never wider than the viewport).
 * @cssprop --mfa-backdrop - Backdrop behind the modal (default rgb(0 0 0 / 0.45)).
 */
export class MfaAuthenticators extends MfaModalElement {

  /** Reactive properties, declared statically (no decorator helpers in the bundles, docs/packaging.md). */
  static override properties: PropertyDeclarations = {
    list: { state: true },
    view: { state: true },
    status: { state: true },
    statusOk: { state: true },
    busy: { state: true },
  };
  static override styles = [modalStyles, recoveryCodesStyles, authenticatorsStyles];
  protected override readonly hasCodeInput = false;

  private list?: FactorList;
  private view: View = { kind: 'list' };
  private status = '';
  /** The status is a confirmation ("Your changes are saved."), not an error. */
  private statusOk = false;
  private busy = false;
  /** Where focus goes after the next render (a view change would otherwise drop it on <body>). */
  #focusNext?: string;

  protected override codeInputLabel(): string {
    return '';
  }

  /** @internal English console strings come from their own module; a loaded locale has them already. */
  override get strings(): MfaStrings {
    return { ...enEnroll, ...enConsole, ...super.strings };
  }

  /**
   * Busy, the buttons stay focusable (aria-disabled, not disabled): a disabled button under the
   * keyboard drops focus to <body>. Their handlers do nothing meanwhile.
   */
  private get busyFlag(): 'true' | 'false' {
    return this.busy ? 'true' : 'false';
  }

  protected override begin(): void {
    this.present();
    this.view = { kind: 'list' };
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      this.list = await this.api.listFactors();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Runs a change; a cancelled step-up or a failure shows a message and leaves the list as it was. */
  private async act(change: () => Promise<View | void>, focusAfter?: string): Promise<void> {
    if (this.busy) return; // one change at a time (the buttons stay focusable while busy)
    this.busy = true;
    this.status = '';
    try {
      const next = await change();
      // Refresh first: the view changes in the same render that moves focus, so focus never
      // sits on <body> while the new list loads (the rename input is gone by then).
      await this.refresh();
      this.go(next ?? { kind: 'list' }, focusAfter);
      this.status = this.strings.consoleChanged;
      this.statusOk = true;
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Shows another view: the last message belongs to the old one and goes; focus moves to
   * `focus` (a selector in the new view), else to the view's first button.
   */
  private go(view: View, focus?: string): void {
    this.view = view;
    this.status = '';
    this.#focusNext = focus ?? (view.kind === 'list' ? '.factors button, footer .primary' : 'footer .primary');
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const selector = this.#focusNext;
    if (!selector || this.busy || !this.list) return;
    const target = this.renderRoot.querySelector<HTMLElement>(selector);
    if (!target) return;
    this.#focusNext = undefined;
    target.focus();
  }

  private fail(err: unknown): void {
    const e = asMfaError(err);
    const s = this.strings;
    this.statusOk = false;
    emit(this, 'mfa-error', { code: e.code });
    // A cancelled step-up says nothing: the user chose it.
    this.status = describeError(e, s, this.resolvedLocale).text;
  }

  private date(iso: string): string {
    return new Intl.DateTimeFormat(this.resolvedLocale, { dateStyle: 'medium' }).format(new Date(iso));
  }

  /** Opens `<mfa-enroll>` over the console (registered by define.js or the app), then refreshes. */
  private addFactor(): void {
    if (this.busy) return;
    const Enroll = customElements.get('mfa-enroll');
    if (!Enroll) {
      console.warn('[mfa-elements] <mfa-authenticators> adds factors with <mfa-enroll>: register it (mfa-elements/define.js).');
      return;
    }
    const enroll = new Enroll() as HTMLElement & { show(): void; client?: unknown; locale?: string; type?: string };
    // The user picks what to add among what the server offers (an app, a passkey, a phone, an email).
    enroll.type = 'choose';
    enroll.client = this.api;
    enroll.locale = this.resolvedLocale;
    enroll.addEventListener('mfa-hide', () => {
      enroll.remove();
      void this.refresh();
    }, { once: true });
    this.after(enroll);
    enroll.show();
  }

  private submitRename(factor: FactorSummary, event: Event): void {
    event.preventDefault();
    const name = (this.renderRoot.querySelector<HTMLInputElement>('input.name')?.value ?? '').trim();
    if (!name) return;
    void this.act(async () => {
      await this.api.renameFactor(factor.id, name);
    }, `[part~=rename-button][data-id="${factor.id}"]`);
  }

  protected override renderTitle(): string {
    return this.strings.consoleTitle;
  }

  protected override renderBody() {
    const s = this.strings;
    const v = this.view;
    const status = html`<p class="status" part="status" role="status" aria-live="polite" data-kind=${this.statusOk ? 'ok' : 'error'}>${this.status}</p>`;
    if (v.kind === 'codes') {
      return html`<p id="intro">${s.recoveryIntroEnroll}</p>${recoveryCodesList(v.codes, s.recoveryListLabel)}${status}`;
    }
    if (v.kind === 'regenerate') {
      return html`<p id="intro"><strong>${s.regenerateTitle}</strong></p><p>${s.regenerateConfirm}</p>${status}`;
    }
    if (v.kind === 'remove') {
      const factors = this.list?.factors ?? [];
      const last = factors.length === 1;
      // An app or a passkey going away while only phone/email would stay: warn (they are weaker).
      const lastStrong = !last && isStrong(v.factor) && !factors.some((f) => f.id !== v.factor.id && isStrong(f));
      return html`
        <p id="intro"><strong>${format(s.removeTitle, { label: v.factor.label })}</strong></p>
        <p>${s.removeBody}</p>
        ${last || lastStrong ? html`<p class="warning" part="warning">${last ? s.removeLast : s.removeLastStrong}</p>` : nothing}
        ${status}
      `;
    }
    if (!this.list) return html`<p id="intro" class="muted">${s.loading}</p>${status}`;
    const { factors, recoveryCodesLeft } = this.list;
    return html`
      <p id="intro" class="muted">${factors.length ? s.consoleIntro : s.consoleOff}</p>
      <ul class="factors">
        ${factors.map((f) => this.renderFactor(f))}
      </ul>
      ${factors.length
        ? html`<div class="row">
              <span>${plural(this.resolvedLocale, s.recoveryLeft, recoveryCodesLeft)}</span>
              <button part="button regenerate-button" aria-describedby="regenerate-note" aria-disabled=${this.busyFlag} @click=${() => this.busy || this.go({ kind: 'regenerate' })}>${s.regenerate}</button>
            </div>
            <p id="regenerate-note" class="muted">${s.regenerateNote}</p>
            ${recoveryCodesLeft <= LOW_RECOVERY_CODES ? html`<p class="warning" part="warning">${s.recoveryLow}</p>` : nothing}
            ${factors.some((f) => strength(f) === 'restricted') && !factors.some(isStrong) ? html`<p class="warning" part="warning">${s.phoneRestricted}</p>` : nothing}`
        : nothing}
      ${status}
    `;
  }

  private renderFactor(f: FactorSummary) {
    const s = this.strings;
    const renaming = this.view.kind === 'rename' && this.view.factor.id === f.id;
    const typeName = factorTypeLabel(s, f.type);
    return html`<li class="factor" part="factor">
      <h3>${f.label}</h3>
      <span class="muted">${[
        // The kind, unless the name already says it ("Authenticator app" named after its type).
        ...(f.label.trim().toLowerCase() === typeName.toLowerCase() ? [] : [typeName]),
        format(s.addedOn, { date: this.date(f.createdAt) }),
        f.lastUsedAt ? format(s.lastUsedOn, { date: this.date(f.lastUsedAt) }) : s.neverUsed,
      ].join(' · ')}</span>
      ${renaming
        ? html`<form class="row" @submit=${(e: Event) => this.submitRename(f, e)}>
            <input class="name" .value=${f.label} maxlength=${LABEL_MAX_LENGTH} aria-label=${format(s.renameLabel, { label: f.label })} required />
            <button class="primary" part="button save-button" aria-disabled=${this.busyFlag}>${s.save}</button>
            <button type="button" part="button" @click=${() => this.go({ kind: 'list' }, `[part~=rename-button][data-id="${f.id}"]`)}>${s.cancel}</button>
          </form>`
        : html`<div class="row">
            <button part="button rename-button" data-id=${f.id} aria-label=${format(s.renameNamed, { label: f.label })} @click=${() => this.startRename(f)}>${s.rename}</button>
            <button part="button remove-button" data-id=${f.id} aria-label=${format(s.removeNamed, { label: f.label })} @click=${() => this.go({ kind: 'remove', factor: f })}>${s.remove}</button>
          </div>`}
    </li>`;
  }

  private startRename(f: FactorSummary): void {
    this.go({ kind: 'rename', factor: f }, 'input.name');
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('input.name')?.select());
  }

  private regenerate(): void {
    void this.act(async () => ({ kind: 'codes', codes: await this.api.regenerateRecoveryCodes() }), '.codes');
  }

  /**
   * Escape (or ×) inside a confirmation, a rename or new codes goes back to the list; only on the
   * list does it close the console.
   */
  protected override requestClose(): void {
    if (this.view.kind === 'list') return super.requestClose();
    const v = this.view;
    this.go({ kind: 'list' }, 'factor' in v ? `[part~=${v.kind === 'rename' ? 'rename' : 'remove'}-button][data-id="${v.factor.id}"]` : v.kind === 'regenerate' ? '[part~=regenerate-button]' : undefined);
  }

  protected override renderFooter() {
    const s = this.strings;
    const v = this.view;
    if (v.kind === 'codes') {
      return html`
        <button part="button" @click=${() => copyText(v.codes.join('\n'))}>${s.copy}</button>
        <button part="button" @click=${() => downloadRecoveryCodes(v.codes, s.recoveryFileHeader)}>${s.download}</button>
        <button class="primary" part="button done-button" @click=${() => this.go({ kind: 'list' }, '[part~=regenerate-button]')}>${s.done}</button>
      `;
    }
    if (v.kind === 'regenerate') {
      return html`
        <button part="button" @click=${() => this.go({ kind: 'list' }, '[part~=regenerate-button]')}>${s.cancel}</button>
        <button class="primary" part="button confirm-regenerate-button" aria-disabled=${this.busyFlag} @click=${this.regenerate}>${s.regenerate}</button>
      `;
    }
    if (v.kind === 'remove') {
      return html`
        <button part="button" @click=${() => this.requestClose()}>${s.cancel}</button>
        <button class="primary" part="button confirm-remove-button" aria-disabled=${this.busyFlag} @click=${() => this.act(() => this.api.removeFactor(v.factor.id))}>${s.remove}</button>
      `;
    }
    return html`
      <button part="button" @click=${this.requestClose}>${s.close}</button>
      <button class="primary" part="button add-button" aria-disabled=${this.busyFlag} @click=${this.addFactor}>${s.addMethod}</button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-authenticators': MfaAuthenticators;
  }
}
