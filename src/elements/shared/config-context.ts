/**
 * The configuration `<mfa-provider>` hands to the elements beneath it (@lit/context protocol).
 * Consumers send a plain `context-request` event, so the prompt path carries no provider code.
 */
import { createContext } from '@lit/context';
import type { MfaClient } from '../../client/mfa-client.js';

export interface MfaConfig {
  apiBase?: string;
  locale?: string;
  client?: MfaClient;
}

export const mfaConfigContext = createContext<MfaConfig>(Symbol.for('mfa-elements:config'));
