/**
 * Security notices to the user (not codes): a factor was added or removed, recovery codes were
 * regenerated or used, a factor was locked by wrong answers. A planted factor or a stolen
 * recovery code must not go unnoticed (NIST SP 800-63B-4 §4.1.2.1 and §4.6, ASVS V6).
 *
 * Each notice goes to the app's `notify` hook (any channel the app likes) and, when an
 * `EmailSender` is configured, by email to every confirmed email factor of the user. Always in
 * the background and best effort: a failed notice never fails or delays the request (the audit
 * event is the record). Provider errors are logged by name only — their text may quote the address.
 */
import type { MfaContext } from '../config.js';
import { openContact } from './contact-factor.js';

export type SecurityNoticeType = 'factor.added' | 'factor.removed' | 'recovery.regenerated' | 'recovery.used' | 'factor.locked' | 'mfa.reset';

export interface SecurityNotice {
  type: SecurityNoticeType;
  sub: string;
  /** UTC ISO 8601. */
  at: string;
  /** The factor concerned (its kind and the user's own label), when there is one. */
  factor?: { type: string; label?: string };
  /** `recovery.used`: codes left. */
  left?: number;
}

export type NotifyHook = (notice: SecurityNotice) => void | Promise<void>;

const SUBJECTS: Record<SecurityNoticeType, string> = {
  'factor.added': 'A sign-in method was added',
  'factor.removed': 'A sign-in method was removed',
  'recovery.regenerated': 'New recovery codes were created',
  'recovery.used': 'A recovery code was used',
  'factor.locked': 'A sign-in method was locked after wrong codes',
  'mfa.reset': 'Your second-factor methods were reset',
};

function text(n: SecurityNotice): string {
  const what = n.factor?.label ? ` (${n.factor.label})` : '';
  const body: Record<SecurityNoticeType, string> = {
    'factor.added': `A new second-factor method${what} was added to your account.`,
    'factor.removed': `A second-factor method${what} was removed from your account.`,
    'recovery.regenerated': 'New recovery codes were created for your account; the old ones no longer work.',
    'recovery.used': `One of your recovery codes was just used to confirm a sensitive action. ${n.left} ${n.left === 1 ? 'code is' : 'codes are'} left.`,
    'factor.locked': `Several wrong codes were entered for a second-factor method${what}, so it is locked for a while.`,
    'mfa.reset': 'An administrator removed every second-factor method and recovery code from your account; add a new method next time you sign in.',
  };
  return `${body[n.type]} If this was not you, sign in, remove unknown methods and create new recovery codes.`;
}

/**
 * Tells the user, in the background; never throws. `skipFactorId`: an email factor that need
 * not hear about itself (the one just added).
 */
export function notifyUser(ctx: MfaContext, notice: Omit<SecurityNotice, 'at'>, skipFactorId?: string): void {
  if (notice.type === 'recovery.used' && !ctx.policy.notifyRecoveryCodeUse) return;
  void deliverNotice(ctx, { ...notice, at: new Date(ctx.now()).toISOString() }, skipFactorId).catch(() => {});
}

/**
 * The same, awaited: for a change that removes the very email factors the notice goes to (an
 * admin reset tells the user before their factors are gone). Never throws.
 */
export async function notifyUserNow(ctx: MfaContext, notice: Omit<SecurityNotice, 'at'>): Promise<void> {
  await deliverNotice(ctx, { ...notice, at: new Date(ctx.now()).toISOString() }).catch(() => {});
}

async function deliverNotice(ctx: MfaContext, notice: SecurityNotice, skipFactorId?: string): Promise<void> {
  if (ctx.notify) {
    try {
      await ctx.notify(Object.freeze({ ...notice }));
    } catch (err) {
      ctx.logger.warn(`[mfa] notify hook failed (${err instanceof Error ? err.name : typeof err})`);
    }
  }
  const sender = ctx.senders.email;
  if (!sender) return;
  const emails = (await ctx.store.listFactors(notice.sub)).filter((f) => f.type === 'email' && f.confirmed && f.id !== skipFactorId);
  let sent = 0;
  for (const factor of emails) {
    try {
      await sender.sendEmail({ to: openContact(ctx, factor).address, subject: `${SUBJECTS[notice.type]} on your ${ctx.factorOptions.appName} account`, text: text(notice), sub: notice.sub });
      sent++;
    } catch (err) {
      ctx.logger.warn(`[mfa] ${notice.type} notice failed (${err instanceof Error ? err.name : typeof err})`);
    }
  }
  if (sent > 0) await ctx.audit.record({ type: `notice.${notice.type.replace('.', '_')}`, sub: notice.sub, metadata: { recipients: sent } });
}
