/**
 * Security notices to the user (not codes): today, "one of your recovery codes was used" — so a
 * stolen recovery code does not go unnoticed. Sent by email to the user's confirmed email
 * factors when an `EmailSender` is configured and `notifyRecoveryCodeUse` is on (default).
 * Best effort: a failed notice never fails the verification (the audit event is the record).
 */
import type { MfaContext } from '../config.js';
import { openContact } from './contact-factor.js';

export async function notifyRecoveryCodeUse(ctx: MfaContext, sub: string, left: number): Promise<void> {
  const sender = ctx.senders.email;
  if (!ctx.notifyRecoveryCodeUse || !sender) return;
  const emails = (await ctx.store.listFactors(sub)).filter((f) => f.type === 'email' && f.confirmed);
  for (const factor of emails) {
    try {
      await sender.sendEmail({
        to: openContact(ctx, factor).address,
        subject: `A recovery code was used on your ${ctx.appName} account`,
        text: `One of your recovery codes was just used to confirm a sensitive action. ${left} ${left === 1 ? 'code is' : 'codes are'} left. If this was not you, sign in, remove unknown factors and create new recovery codes.`,
        sub,
      });
    } catch (err) {
      ctx.logger.warn(`[mfa] recovery notice failed: ${err instanceof Error ? err.message : 'unknown error'}`);
    }
  }
  if (emails.length > 0) await ctx.audit.record({ type: 'notice.recovery_used', sub, metadata: { recipients: emails.length } });
}
