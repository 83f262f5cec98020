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
