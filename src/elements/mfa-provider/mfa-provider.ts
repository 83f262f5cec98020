import { ContextProvider } from '@lit/context';
import { LitElement, css, html, type PropertyDeclarations, type PropertyValues } from 'lit';
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

  /** Reactive properties, declared statically (no decorator helpers in the bundles, docs/packaging.md). */
  static override properties: PropertyDeclarations = {
    apiBase: { attribute: 'api-base' },
    locale: {},
    client: { attribute: false },
  };

  /** Base URL of the server's MFA endpoints for the elements inside. */
  apiBase?: string;
  /** Locale for the elements inside (BCP 47), unless they set their own. */
  locale?: string;
  /** A client for the elements inside (takes precedence over `api-base`). */
  client?: MfaClient;

  /** What the elements inside receive (@lit/context). */
  private readonly provider = new ContextProvider(this, { context: mfaConfigContext, initialValue: {} });

  /** The configuration the elements inside use now. */
  get config(): MfaConfig {
    return this.provider.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('apiBase') || changed.has('locale') || changed.has('client')) {
      const client = this.client ?? (this.apiBase ? new MfaClient({ apiBase: this.apiBase }) : undefined);
      this.provider.setValue({ apiBase: this.apiBase, locale: this.locale, client });
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
