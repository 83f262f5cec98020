/**
 * How one-time codes leave the server (docs/server.md "Factors"): an `SmsSender` for phone factors and an
 * `EmailSender` for email factors. Phone and email factors exist only when their sender is
 * configured. A sender throws when it cannot deliver; the server then answers
 * `deliveryFailed` and the challenge stays usable (resend tries again).
 *
 * Senders receive the code in clear (they must put it in the message) and nothing else secret;
 * they must not log it.
 */

export interface SmsMessage {
  /** E.164, e.g. `+15551234567`. */
  to: string;
  /** `sms` (text message, ends with the WebOTP line) or `voice` (read out by a call). */
  channel: 'sms' | 'voice';
  text: string;
  code: string;
  /** The user it is for (for the dev outbox and provider metadata). */
  sub: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** Absent for notices (e.g. "a recovery code was used"). */
  code?: string;
  sub: string;
}

export interface SmsSender {
  sendSms(message: SmsMessage): Promise<void>;
}

export interface EmailSender {
  sendEmail(message: EmailMessage): Promise<void>;
}

/** One message in the dev outbox, as `GET /demo/outbox` shows it. */
export interface OutboxEntry {
  id: number;
  /** UTC ISO 8601. */
  at: string;
  channel: 'sms' | 'voice' | 'email';
  to: string;
  subject?: string;
  text: string;
  sub: string;
}

/**
 * The development "provider": keeps the last `limit` messages in memory so a demo or a test can
 * read the codes. Never use it in production — it holds codes in clear.
 */
export class Outbox implements SmsSender, EmailSender {
  readonly #entries: OutboxEntry[] = [];
  #seq = 0;
  constructor(private readonly limit = 200) {}

  async sendSms(m: SmsMessage): Promise<void> {
    this.#push({ channel: m.channel, to: m.to, text: m.text, sub: m.sub });
  }

  async sendEmail(m: EmailMessage): Promise<void> {
    this.#push({ channel: 'email', to: m.to, subject: m.subject, text: m.text, sub: m.sub });
  }

  /** Newest first; only the user's own when `sub` is given. */
  list(sub?: string): OutboxEntry[] {
    return this.#entries.filter((e) => sub === undefined || e.sub === sub).reverse();
  }

  #push(entry: Omit<OutboxEntry, 'id' | 'at'>): void {
    this.#entries.push({ id: ++this.#seq, at: new Date().toISOString(), ...entry });
    if (this.#entries.length > this.limit) this.#entries.shift();
  }
}
