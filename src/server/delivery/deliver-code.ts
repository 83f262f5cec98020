/**
 * Delivering a one-time code to a phone (SMS / voice) or an email address through the configured
 * `SmsSender` / `EmailSender` (delivery/senders.ts).
 */
import type { MfaContext } from '../config.js';

export type ContactType = 'phone' | 'email';
export type PhoneChannel = 'sms' | 'voice';

export interface Contact {
  /** E.164 number or e-mail address. */
  address: string;
  /** Phones only. */
  channel?: PhoneChannel;
}

/** How long a sent code can be used (never longer than its challenge). */
export const SENT_CODE_TTL_MS = 10 * 60_000;

/** amr values (RFC 8176: `sms`, `tel`; `email` is ours, documented in docs/server.md). */
export const contactAmr = (type: ContactType, contact: Contact): string =>
  type === 'email' ? 'email' : contact.channel === 'voice' ? 'tel' : 'sms';

/** Where the code is meant to be typed: the WebOTP line names this host (no port). */
export interface SendContext {
  host?: string;
  /** The client's IP (per-IP send budget, server/send-budget.ts). */
  ip?: string;
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
      subject: `${code} is your ${ctx.factorOptions.appName} code`,
      text: `Your ${ctx.factorOptions.appName} verification code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, someone may know your password: change it.`,
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
    text: `${code} is your ${ctx.factorOptions.appName} verification code. It expires in ${minutes} minutes.${webOtp}`,
    code,
    sub,
  });
}
