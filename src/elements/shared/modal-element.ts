/**
 * Behaviour shared by `<mfa-prompt>` and `<mfa-enroll>`: a native `<dialog>` opened with
 * `showModal()` (or rendered in place with `inline`), the light-DOM code input, Escape and
 * close-button cancellation, focus to the input on open and back to the opener on close,
 * locale and direction, and the client the element talks to.
 */
import { LitElement, html, isServer, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { IdpAuthResponse, MfaOutcome } from '../../core/types.js';
import { getDefaultClient } from '../../client/default-client.js';
import { MfaClient } from '../../client/mfa-client.js';
import { isRtl, loadLocale, stringsFor, type MfaStrings } from '../../i18n/localize.js';
import { ContextEvent } from '@lit/context';
import { CodeInput } from './code-input.js';
import { mfaConfigContext, type MfaConfig } from './config-context.js';
import { emit } from './events.js';
import { deepActiveElement } from './focus.js';

export abstract class MfaModalElement extends LitElement {

  /** Lit's reactive properties, declared statically rather than by decorators: no decorator helpers on the prompt path (docs/packaging.md). */
  static override properties: PropertyDeclarations = {
    apiBase: { attribute: 'api-base' },
    locale: { reflect: true },
    inline: { type: Boolean, reflect: true },
    open: { type: Boolean, reflect: true },
    theme: { reflect: true },
    client: { attribute: false },
  };
  /** Base URL of the server's MFA endpoints. */
  apiBase?: string;
  /** BCP 47 language tag; defaults to the nearest `lang` attribute, then English. */
  locale?: string;
  /** Render in place instead of as a modal dialog. */
  inline = false;
  /** Whether the element is showing. Setting it opens or closes it. */
  open = false;
  /** `light` or `dark`; unset follows `prefers-color-scheme`. */
  theme?: 'light' | 'dark';
  /** The client to use (default: the page-wide one from `configure()`). */
  client?: MfaClient;

  protected get dialog(): HTMLDialogElement | null {
    return this.renderRoot?.querySelector('dialog') ?? null;
  }

  /** @internal The light-DOM code field (public for the prompt's step renderers: prompt-host.ts). */
  readonly codeInput = new CodeInput(this);
  /** Elements without a code step (the console) keep their light DOM empty. */
  protected readonly hasCodeInput: boolean = true;
  #opener: HTMLElement | null = null;
  /** The outcome to report when the dialog closes without a success (e.g. after a lockout). */
  protected pendingFailure: IdpAuthResponse['error'] = 'cancelled';
  #settled = false;

  /** What an enclosing `<mfa-provider>` supplies (empty without one). */
  #provided: MfaConfig = {};

  override connectedCallback(): void {
    super.connectedCallback();
    // The @lit/context protocol, consumer side: a provider above answers (now and on changes).
    this.dispatchEvent(new ContextEvent(mfaConfigContext, this, (config) => {
      this.#provided = config;
      this.requestUpdate();
    }, true));
  }

  /** @internal Own `client`, own `api-base`, the provider's, then the page-wide client of `configure()`. */
  get api(): MfaClient {
    if (this.client) return this.client;
    if (this.apiBase) return (this.client = new MfaClient({ apiBase: this.apiBase }));
    return this.#provided.client ?? getDefaultClient();
  }

  /** @internal `locale` attribute, the provider's locale, the nearest `lang`, then English. */
  get resolvedLocale(): string {
    // A server render (Lit SSR) has no document to ask; the browser's first update does.
    const fromPage = isServer ? '' : this.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang;
    return this.locale || this.#provided.locale || fromPage || 'en';
  }

  /** @internal */
  get strings(): MfaStrings {
    return stringsFor(this.resolvedLocale);
  }

  /** Opens the element and starts its flow. */
  show(): void {
    this.open = true;
  }

  /** Closes it; an unfinished flow reports `reject` with `error: 'cancelled'`. */
  hide(): void {
    this.open = false;
  }

  /** @internal What the outcome is about (`resource`, `action`), added to failure outcomes too. */
  outcomeScope(): { resource?: string; action?: string } {
    return {};
  }

  /** Starts the element's flow (called each time it opens). */
  protected abstract begin(): void;
  protected abstract renderTitle(): string;
  /** Accessible name of the light-DOM code input in the current step (follows the locale). */
  protected abstract codeInputLabel(): string;
  protected abstract renderBody(): TemplateResult | typeof nothing;
  protected abstract renderFooter(): TemplateResult | typeof nothing;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.open) this.open = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('locale') || changed.has('open')) && this.open) {
      // A locale other than English arrives asynchronously; render again when it is here.
      void loadLocale(this.resolvedLocale).then((loaded) => loaded && this.requestUpdate());
    }
    if (changed.has('open') && this.open && !changed.get('open')) {
      this.#opener = deepActiveElement();
      this.#settled = false;
      this.pendingFailure = 'cancelled';
      if (this.hasCodeInput) this.codeInput.attach();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (this.hasCodeInput) this.codeInput.input.setAttribute('aria-label', this.codeInputLabel());
    if (!changed.has('open')) return;
    if (this.open && !changed.get('open')) {
      this.#presented = false;
      // After this update has finished: the flow sets state, which must start a new update.
      queueMicrotask(() => this.begin());
    } else if (!this.open && changed.get('open')) {
      if (this.dialog?.open) this.dialog.close();
      this.settle({ success: false, error: this.pendingFailure ?? 'cancelled', timestamp: Date.now(), ...this.outcomeScope() });
      this.codeInput.detach();
      // Focus back where the user was (WCAG 2.4.3), unless it went away meanwhile.
      if (this.#opener?.isConnected) this.#opener.focus();
      this.#opener = null;
      emit(this, 'mfa-hide', undefined);
    }
  }

  #presented = false;

  /**
   * @internal Makes the dialog visible (and fires `mfa-show`). Subclasses call it once they have something
   * to show, so a step-up the server answers at once (still fresh) never flashes a dialog.
   */
  present(): void {
    if (this.#presented || !this.open) return;
    this.#presented = true;
    if (!this.inline && this.dialog && !this.dialog.open) this.dialog.showModal();
    emit(this, 'mfa-show', undefined);
  }

  /** Fires `resolve` or `reject` once per opening. */
  protected settle(outcome: MfaOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    emit(this, outcome.success ? 'resolve' : 'reject', outcome);
  }

  /** Close button and Escape: ask first (`mfa-request-close` is cancelable), then close. */
  protected requestClose(): void {
    if (emit(this, 'mfa-request-close', undefined, { cancelable: true })) this.hide();
  }

  #handleCancel(event: Event): void {
    event.preventDefault(); // we close ourselves, so `open` stays the single source of truth
    this.requestClose();
  }

  /**
   * Keeps Tab inside the modal (focus never leaves the dialog). Browsers let Tab leave a
   * modal dialog for the browser's own UI; we wrap from the last control to the first instead.
   */
  #handleKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Tab' || this.inline) return;
    const controls = [...this.renderRoot.querySelectorAll<HTMLElement>('button:not([disabled]), a[href]')].filter((c) => c.getClientRects().length);
    if (!controls.length) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null;
    if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && active === first) {
      event.preventDefault();
      last.focus();
    }
  }

  #handleClose(): void {
    // Chrome may close a modal without a cancelable `cancel` (repeated Escape); follow it. The
    // `close` event of an earlier closing arrives a task later: it must not end a new opening
    // (a framework that sets `open` again at once) whose dialog is not even shown yet.
    if (this.open && this.#presented && !this.dialog?.open) this.hide();
  }

  protected override render() {
    const s = this.strings;
    const dir = isRtl(this.resolvedLocale) ? 'rtl' : 'ltr';
    const content = html`
      <header part="header">
        <h2 id="title" part="title">${this.renderTitle()}</h2>
        ${this.inline
          ? nothing
          : html`<button class="close" part="close-button" aria-label=${s.close} @click=${this.requestClose}>×</button>`}
      </header>
      <div class="body" part="body" id="body">${this.renderBody()}</div>
      <footer part="footer">${this.renderFooter()}</footer>
    `;
    if (this.inline) {
      return this.open
        ? html`<section class="frame inline" part="dialog" role="group" aria-labelledby="title" dir=${dir} lang=${this.resolvedLocale}>${content}</section>`
        : nothing;
    }
    return html`<dialog
      class="frame"
      part="dialog"
      aria-labelledby="title"
      aria-describedby="intro"
      dir=${dir}
      lang=${this.resolvedLocale}
      @cancel=${this.#handleCancel}
      @close=${this.#handleClose}
      @keydown=${this.#handleKeydown}
    >${this.open ? content : nothing}</dialog>`;
  }
}
