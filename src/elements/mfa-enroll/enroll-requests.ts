/**
 * The requests behind `<mfa-enroll>`'s steps that end in a message the user can act on: a
 * passkey ceremony (cancelled or refused), a phone number or email address (checked here first,
 * so a typo costs no message). Other failures are thrown for the element's `fail()`.
 */
import type { MfaClient } from '../../client/mfa-client.js';
import { toE164 } from '../../core/phone.js';
import type { CodeEnrollment, ConfirmEnrollmentResponse } from '../../core/types.js';
import type { MfaStrings } from '../../i18n/localize.js';
import { asMfaError } from '../shared/as-mfa-error.js';
import { loadPasskeys } from '../shared/lazy.js';

/** Done, or what to tell the user (who can try again from the same step). */
export type Attempt<T> = { ok: T } | { retry: string; cancelled?: boolean };

/** Creates a passkey or security key for the user and confirms it with the server. */
export async function addPasskey(api: MfaClient, s: MfaStrings, label?: string): Promise<Attempt<ConfirmEnrollmentResponse>> {
  const passkeys = await loadPasskeys();
  if (!passkeys.passkeysSupported()) return { retry: s.passkeyUnsupported };
  const enrollment = await api.enroll('webauthn', label ? { label } : {});
  let credential;
  try {
    credential = await passkeys.createPasskey(enrollment.publicKey);
  } catch (err) {
    // Cancelled, timed out, or this authenticator already holds a passkey for the account;
    // or the page is on an IP address, which WebAuthn refuses as a site (say so: it is fixable).
    return { retry: passkeys.needsDomain(err) ? s.passkeyNeedsDomain : s.passkeyFailed, cancelled: true };
  }
  return { ok: await api.confirmEnrollment(enrollment.factorId, credential) };
}

/** Why the address in `input` cannot be right, or undefined (checked here first: a typo costs no message). */
export function addressRefusal(s: MfaStrings, input: HTMLInputElement, phone: boolean): string | undefined {
  const value = input.value.trim();
  const valid = phone ? toE164(value) !== null : input.checkValidity() && value.includes('@');
  return valid ? undefined : phone ? s.invalidPhone : s.invalidEmail;
}

/** Sends a code to the address in `input` (a phone number with `channel`, or an email address). */
export async function sendToAddress(
  api: MfaClient, s: MfaStrings, input: HTMLInputElement, phone: boolean, channel: string, label?: string,
): Promise<Attempt<CodeEnrollment>> {
  const value = input.value.trim();
  const named = label ? { label } : {};
  try {
    return {
      ok: phone
        ? await api.enroll('phone', { phone: value, channel: channel as 'sms', ...named })
        : await api.enroll('email', { email: value, ...named }),
    };
  } catch (err) {
    const e = asMfaError(err);
    if (e.code === 'invalid_phone' || e.code === 'malformed_request') return { retry: phone ? s.invalidPhone : s.invalidEmail };
    throw e;
  }
}

/**
 * A new code for the phone or email being added: the new enrollment; or how long to wait before
 * asking again (another tab asked first), null when no more may be sent; or undefined when
 * another tab sent one just now (it is on its way).
 */
export async function resendCode(api: MfaClient, factorId: string): Promise<{ ok: CodeEnrollment } | { wait: number | null } | undefined> {
  try {
    return { ok: await api.resendEnrollment(factorId) };
  } catch (err) {
    const e = asMfaError(err);
    if (e.code === 'conflict') return undefined;
    if (e.code !== 'rate_limited') throw e;
    return { wait: e.retryAfter && e.retryAfter < 60 ? e.retryAfter : null };
  }
}
