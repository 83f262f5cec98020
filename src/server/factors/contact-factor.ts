/**
 * Phone (SMS / voice) and email factors: the number or address is personal data, so it is sealed
 * at rest like a TOTP secret; what the UI sees is a masked form. Codes go out through the
 * configured `SmsSender` / `EmailSender` (server/delivery/senders.ts).
 *
 * Phone is a restricted factor (NIST SP 800-63B-4 §3.1.3.3: SIM swap, SS7): it is listed after an
 * app or a passkey, and a user whose only factor is a phone gets `notice: 'restricted'`.
 */
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import type { StoredFactor } from '../stores/store.js';
import { SENT_CODE_TTL_MS, generateSentCode, hashSentCode, type SentCodeState } from './one-time-code.js';

export type ContactType = 'phone' | 'email';
export type PhoneChannel = 'sms' | 'voice';

export interface Contact {
  /** E.164 number or e-mail address. */
  address: string;
  /** Phones only. */
  channel?: PhoneChannel;
}

/** amr values (RFC 8176: `sms`, `tel`; `email` is ours, documented in docs/server.md). */
export const contactAmr = (type: ContactType, contact: Contact): string =>
  type === 'email' ? 'email' : contact.channel === 'voice' ? 'tel' : 'sms';

/** `+1 (555) 123-4567` → `+15551234567`; anything that is not E.164 afterwards is refused. */
export function normalizePhone(input: string): string {
  const compact = input.replace(/[\s().-]/g, '');
  if (!/^\+[1-9][0-9]{6,14}$/.test(compact)) {
    throw new MfaError('invalid_phone', 'Enter the number in international format, e.g. +1 555 123 4567.');
  }
  return compact;
}

/** Only the domain is case-insensitive; the local part is kept as typed. */
export function normalizeEmail(input: string): string {
  const at = input.lastIndexOf('@');
  return `${input.slice(0, at)}@${input.slice(at + 1).toLowerCase()}`;
}

/**
 * Length of the E.164 country code at the start of `digits` (ITU-T E.164 assignments: codes are
 * prefix-free, so the first digits decide): 1 and 7 are one digit, these two-digit ones are two,
 * everything else is three.
 */
const TWO_DIGIT_CODES = /^(2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58])/;
export const countryCodeLength = (digits: string): number => (/^[17]/.test(digits) ? 1 : TWO_DIGIT_CODES.test(digits) ? 2 : 3);

/** `+447700900958` → `44`. */
export function callingCode(e164: string): string {
  const digits = e164.slice(1);
  return digits.slice(0, countryCodeLength(digits));
}

/** `+15551234567` → `+1 ••• 4567`, `+447700900958` → `+44 ••• 0958`; `anna@example.com` → `a•••@example.com`. */
export function maskContact(type: ContactType, address: string): string {
  if (type === 'email') {
    const at = address.lastIndexOf('@');
    return `${address.slice(0, 1)}•••${address.slice(at)}`;
  }
  return `+${callingCode(address)} ••• ${address.slice(-4)}`;
}

const contactAad = (f: Pick<StoredFactor, 'sub' | 'id' | 'type'>) => `${f.type}:${f.sub}:${f.id}`;

export const sealContact = (ctx: MfaContext, f: Pick<StoredFactor, 'sub' | 'id' | 'type'>, contact: Contact): string =>
  ctx.box.seal(Buffer.from(JSON.stringify(contact), 'utf8'), contactAad(f));

export const openContact = (ctx: MfaContext, f: StoredFactor): Contact =>
  JSON.parse(ctx.box.open(f.secretEnc, contactAad(f)).toString('utf8')) as Contact;

export const isContactType = (type: string): type is ContactType => type === 'phone' || type === 'email';

/** Where the code is meant to be typed: the WebOTP line names this host (no port). */
export interface SendContext {
  host?: string;
  /** The client's IP (per-IP send budget, server/send-budget.ts). */
  ip?: string;
}

/**
 * A new code bound to `bindTo` (a challenge id) and the state that records it. The caller stores
 * the state first (one compare-and-set, so racing resends or picks cannot each send a message)
 * and only then calls `deliverCode`.
 */
export function newSentCode(ctx: MfaContext, bindTo: string, previous: SentCodeState | undefined): { code: string; state: SentCodeState } {
  const code = generateSentCode(ctx.random);
  const now = ctx.now();
  return {
    code,
    state: { codeHash: hashSentCode(ctx, bindTo, code), codeExpiresAt: now + SENT_CODE_TTL_MS, sentAt: now, sends: (previous?.sends ?? 0) + 1 },
  };
}

/**
 * Sends `code` through the configured sender. False when the sender threw: the caller records
 * `failed` (the user sees "we couldn't send the code" and can resend at once). The log gets the
 * error's name only — provider messages often quote the number.
 */
export async function deliverCode(
  ctx: MfaContext, type: ContactType, sub: string, contact: Contact, code: string, sends: number, send: SendContext,
): Promise<boolean> {
  try {
    await deliver(ctx, type, sub, contact, code, send);
    await ctx.audit.record({ type: 'code.sent', sub, factor: contactAmr(type, contact), metadata: { sends } });
    return true;
  } catch (err) {
    ctx.logger.warn(`[mfa] ${type} sender failed (${err instanceof Error ? err.name : typeof err})`);
    await ctx.audit.record({ type: 'code.delivery_failed', sub, factor: contactAmr(type, contact), status: 'failure', severity: 'warning' });
    return false;
  }
}

async function deliver(ctx: MfaContext, type: ContactType, sub: string, contact: Contact, code: string, send: SendContext): Promise<void> {
  const minutes = SENT_CODE_TTL_MS / 60_000;
  if (type === 'email') {
    if (!ctx.senders.email) throw new Error('no email sender configured');
    await ctx.senders.email.sendEmail({
      to: contact.address,
      subject: `${code} is your ${ctx.appName} code`,
      text: `Your ${ctx.appName} verification code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, someone may know your password: change it.`,
      code,
      sub,
    });
    return;
  }
  if (!ctx.senders.sms) throw new Error('no SMS sender configured');
  const channel = contact.channel ?? 'sms';
  // WebOTP (https://wicg.github.io/web-otp/): the last line binds the code to our host, so the
  // browser offers it to that site only.
  const webOtp = channel === 'sms' && send.host ? `\n\n@${send.host} #${code}` : '';
  await ctx.senders.sms.sendSms({
    to: contact.address,
    channel,
    text: `${code} is your ${ctx.appName} verification code. It expires in ${minutes} minutes.${webOtp}`,
    code,
    sub,
  });
}
