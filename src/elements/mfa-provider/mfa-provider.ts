import { provide } from '@lit/context';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { MfaClient } from '../../client/mfa-client.js';
import { mfaConfigContext, type MfaConfig } from '../shared/config-context.js';

/**
 * @summary Optional provider of configuration (API base, locale, client) for every mfa-elements
 * element inside it, through @lit/context. Renders its children as they are.
 * @tag mfa-provider
 *
 * @slot - The part of the page whose elements use this configuration.
 */
export class MfaProvider extends LitElement {
  static override styles = css`
    :host {
      display: contents;
    }
  `;

  /** Base URL of the server's MFA endpoints for the elements inside. */
  @property({ attribute: 'api-base' }) apiBase?: string;
  /** Locale for the elements inside (BCP 47), unless they set their own. */
  @property() locale?: string;
  /** A client for the elements inside (takes precedence over `api-base`). */
  @property({ attribute: false }) client?: MfaClient;

  @provide({ context: mfaConfigContext })
  @property({ attribute: false })
  config: MfaConfig = {};

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('apiBase') || changed.has('locale') || changed.has('client')) {
      const client = this.client ?? (this.apiBase ? new MfaClient({ apiBase: this.apiBase }) : undefined);
      this.config = { apiBase: this.apiBase, locale: this.locale, client };
    }
  }

  protected override render() {
    return html`<slot></slot>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-provider': MfaProvider;
  }
}
