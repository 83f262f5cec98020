/**
 * `configure()` — page-wide settings for the promise API and for elements without their own
 * `api-base` or `client`.
 */
import { getDefaultClient, setDefaultClient } from '../client/default-client.js';
import { MfaClient, type MfaClientOptions } from '../client/mfa-client.js';
import { setConfiguredLocale } from './configured-locale.js';
import { ensureOpener } from './open-auth-idp-modal.js';

export interface MfaConfig extends MfaClientOptions {
  /** Default locale of elements the promise API creates. */
  locale?: string;
  /** Use this client instead of building one from the other options. */
  client?: MfaClient;
}

export function configure(config: MfaConfig): void {
  const { client, locale: lang, ...options } = config;
  if (lang !== undefined) setConfiguredLocale(lang);
  if (client) setDefaultClient(client);
  else if (Object.keys(options).length) setDefaultClient(new MfaClient(options));
  // Management calls of the new client (add/remove a factor) step up through the prompt too.
  ensureOpener(getDefaultClient());
}

export { getDefaultClient };
