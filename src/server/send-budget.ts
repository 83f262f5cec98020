/**
 * Budgets of sent codes against SMS / voice / email pumping (toll fraud): every code that goes
 * out — first send or resend, enrollment, challenge or KBA — is counted per user, per client IP
 * (IPv6 per /64), per destination, per country calling code and globally, in the store (so all
 * instances count together). Checked before the code is stored, so a refusal changes nothing.
 */
import { MfaError } from '../core/errors.js';
import type { MfaContext } from './config.js';
import { callingCode, countryCodeLength, type Contact, type ContactType } from './factors/contact-factor.js';
import { enforceLimit, ipKey, type Limit } from './rate-limit.js';

/** One budget: a limit, several windows of it (e.g. per hour and per day), or `false` (off). */
export type Budget = Limit | readonly Limit[] | false;

export interface SendBudgets {
  /** Codes one user may be sent (default 10 per hour). */
  perUser: Budget;
  /** Codes sent on requests from one client IP, IPv6 per /64 (default 30 per hour). */
  perIp: Budget;
  /**
   * Codes one phone number or email address may get (default 5 per hour and 10 per day): shared by
   * every account while it is being enrolled, the owner's own once it is a confirmed factor.
   */
  perDestination: Budget;
  /** SMS and calls to one country calling code (default 200 per hour). */
  perCountry: Budget;
  /** Every code of this server together (default 5000 per day): crossing it is a `critical` event. */
  global: Budget;
}

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

export const DEFAULT_SEND_BUDGETS: SendBudgets = {
  perUser: { limit: 10, windowMs: HOUR },
  perIp: { limit: 30, windowMs: HOUR },
  perDestination: [{ limit: 5, windowMs: HOUR }, { limit: 10, windowMs: DAY }],
  perCountry: { limit: 200, windowMs: HOUR },
  global: { limit: 5000, windowMs: DAY },
};

export interface SmsPolicy {
  /**
   * E.164 country calling codes phones may have, e.g. `['1', '44']` (a leading `+` is ignored).
   * Default: all. Note `1` is the whole NANP, Caribbean premium ranges included.
   */
  allowedCountries?: string[];
  /** Codes by voice call (`channel: 'voice'`). Default false: calls cost most and are pumped most. */
  voice?: boolean;
}

export interface ResolvedSmsPolicy {
  /** null: every country. */
  allowedCountries: ReadonlySet<string> | null;
  voice: boolean;
}

/** Checked once at start-up, so a typo (`'044'`, `'GB'`) fails loudly instead of blocking everyone. */
export function resolveSmsPolicy(policy: SmsPolicy = {}): ResolvedSmsPolicy {
  const codes = policy.allowedCountries?.map((c) => c.replace(/^\+/, ''));
  for (const code of codes ?? []) {
    if (!/^[1-9][0-9]{0,2}$/.test(code) || countryCodeLength(code) !== code.length) {
      throw new RangeError(`smsPolicy.allowedCountries: "${code}" is not an E.164 country calling code`);
    }
  }
  return { allowedCountries: codes ? new Set(codes) : null, voice: policy.voice ?? false };
}

/**
 * 400 when the policy forbids this destination or channel. Also checked at send time, not only at
 * enrollment: a policy tightened later applies to phones added before.
 */
export function checkSendPolicy(ctx: MfaContext, type: ContactType, contact: Contact): void {
  if (type !== 'phone') return;
  if (contact.channel === 'voice' && !ctx.policy.smsPolicy.voice) {
    throw new MfaError('unsupported_channel', 'Codes by voice call are not available. Choose a text message.');
  }
  const allowed = ctx.policy.smsPolicy.allowedCountries;
  if (allowed && !allowed.has(callingCode(contact.address))) {
    throw new MfaError('country_not_allowed', 'Codes cannot be sent to numbers of this country.');
  }
}

const windows = (budget: Budget | undefined): readonly Limit[] => (!budget ? [] : 'limit' in budget ? [budget] : budget);

/** Each window is its own counter: the store keys a window by its end, which two windows may share. */
async function spend(ctx: MfaContext, name: string, id: string, budget: Budget | undefined, sub: string, extra: Record<string, unknown> = {}) {
  for (const w of windows(budget)) {
    await enforceLimit(ctx, `${name}:${w.windowMs}:${id}`, w, sub, {
      name, severity: name === 'send-global' ? 'critical' : 'warning', metadata: extra,
    });
  }
}

export interface SendRequest {
  sub: string;
  ip?: string;
  type: ContactType;
  contact: Contact;
  /** The destination is a confirmed factor of `sub` (or the integration's KBA record), not typed in an enrollment. */
  confirmed: boolean;
}

/**
 * The policy, then one unit of every budget, narrowest first: a user stopped by their own budget
 * does not eat into the shared ones (country, global) that protect everyone else.
 * Throws 400 (policy) or 429 `rate_limited` with `retryAfter` (budget).
 */
export async function limitSends(ctx: MfaContext, { sub, ip, type, contact, confirmed }: SendRequest): Promise<void> {
  checkSendPolicy(ctx, type, contact);
  const b = ctx.policy.sendBudgets;
  await spend(ctx, 'send-user', sub, b.perUser, sub);
  if (ip) await spend(ctx, 'send-ip', ipKey(ip), b.perIp, sub);
  // Anyone can type any number into an enrollment, so those sends share one budget across all
  // accounts (many accounts, one premium number). A confirmed factor's sends count for its owner
  // alone: otherwise anyone could starve someone's phone of step-up codes by enrolling it.
  // Emails compare case-insensitively here so `Anna@` and `anna@` share one budget. A keyed hash:
  // the store (and its backups) must not hold phone numbers or addresses in clear.
  const dest = [type, type === 'email' ? contact.address.toLowerCase() : contact.address, ...(confirmed ? [sub] : [])];
  await spend(ctx, 'send-destination', ctx.box.mac(`send-destination:${JSON.stringify(dest)}`), b.perDestination, sub);
  if (type === 'phone') {
    const country = callingCode(contact.address);
    await spend(ctx, 'send-country', country, b.perCountry, sub, { country });
  }
  await spend(ctx, 'send-global', 'all', b.global, sub);
}
