/**
 * The page-wide client that elements use when none is given to them. `configure()` replaces
 * it; elements created later pick it up. Created lazily: importing touches no DOM (SSR-safe).
 */
import { MfaClient } from './mfa-client.js';

let current: MfaClient | undefined;

export function getDefaultClient(): MfaClient {
  return (current ??= new MfaClient());
}

export function setDefaultClient(client: MfaClient): void {
  current = client;
}
