/**
 * The browser half of passkeys (@simplewebauthn/browser), loaded only when a passkey is used.
 * Answers are JSON strings / objects for the server; a cancelled or timed-out ceremony rejects
 * with a `WebAuthnError` whose `name` is `NotAllowedError`.
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/** Signs the server's challenge; the assertion as the JSON string a challenge answer carries. */
export async function signWithPasskey(optionsJSON: Record<string, unknown>): Promise<string> {
  return JSON.stringify(await startAuthentication({ optionsJSON: optionsJSON as never }));
}

/** Creates a passkey; the registration response the server's confirm endpoint verifies. */
export async function createPasskey(optionsJSON: Record<string, unknown>): Promise<{ credential: object }> {
  return { credential: await startRegistration({ optionsJSON: optionsJSON as never }) };
}

/**
 * True when the ceremony failed because the page is on an IP address (http://127.0.0.1:…):
 * WebAuthn needs a domain as the relying party ID ("localhost" counts), so a browser refuses
 * with a `SecurityError` (simplewebauthn: `ERROR_INVALID_DOMAIN`). The fix is the host name.
 */
export function needsDomain(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return e?.code === 'ERROR_INVALID_DOMAIN' || e?.name === 'SecurityError' || /^[\d.]+$|^\[/.test(location.hostname);
}
