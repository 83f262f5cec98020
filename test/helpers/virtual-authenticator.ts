// Browser-side wrappers for the server commands of test/helpers/webauthn-plugin.mjs: a Chromium
// virtual authenticator (CTAP2, internal transport, resident keys, user verification, automatic
// presence) that navigator.credentials.create/get talk to without any prompt.
// Pages must be served on `localhost` (web-test-runner.config.mjs): an IP is not a valid RP ID.
import { executeServerCommand } from '@web/test-runner-commands';

export interface AddVirtualAuthenticatorOptions {
  /** Whether the authenticator reports the user as verified (UV flag). Default true. */
  userVerified?: boolean;
}

/** One credential held by the virtual authenticator (CDP `WebAuthn.Credential`). */
export interface VirtualCredential {
  /** Credential id, base64 (standard alphabet, with padding; not base64url). */
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8 private key, base64. */
  privateKey: string;
  /** base64 */
  userHandle?: string;
  /** The authenticator's signature counter. */
  signCount: number;
  largeBlob?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
}

async function run<R>(command: string, payload: object): Promise<R> {
  const result = await executeServerCommand<R, object>(command, payload);
  if (result === undefined || result === null) {
    throw new Error(`${command}: no result (is webauthnPlugin() in web-test-runner.config.mjs?)`);
  }
  return result;
}

/** Adds a virtual authenticator to this test page; returns its id. */
export async function addVirtualAuthenticator(opts: AddVirtualAuthenticatorOptions = {}): Promise<string> {
  const { authenticatorId } = await run<{ authenticatorId: string }>('webauthn-add-authenticator', {
    userVerified: opts.userVerified ?? true,
  });
  return authenticatorId;
}

/** Makes the authenticator pass (true) or fail (false) user verification from now on. */
export async function setUserVerified(authenticatorId: string, isUserVerified: boolean): Promise<void> {
  await run<boolean>('webauthn-set-user-verified', { authenticatorId, isUserVerified });
}

/** Removes the authenticator (and its credentials). */
export async function removeVirtualAuthenticator(authenticatorId: string): Promise<void> {
  await run<boolean>('webauthn-remove-authenticator', { authenticatorId });
}

/** The credentials the authenticator holds, with their sign counters. */
export async function virtualCredentials(authenticatorId: string): Promise<VirtualCredential[]> {
  const { credentials } = await run<{ credentials: VirtualCredential[] }>('webauthn-credentials', { authenticatorId });
  return credentials;
}

/** Adds `credential` to the authenticator (a clone of a key, with whatever `signCount` the test sets). */
export async function addVirtualCredential(authenticatorId: string, credential: VirtualCredential): Promise<void> {
  await run<boolean>('webauthn-add-credential', { authenticatorId, credential });
}
